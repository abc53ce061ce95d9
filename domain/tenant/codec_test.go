package tenant_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/socledger/socledger/domain/domaintest"
	"github.com/socledger/socledger/domain/tenant"
)

// TestSamples checks the codec against testdata/events (see
// domaintest.CheckSamples) and that the samples' profiles and SLA policies
// pass validation.
func TestSamples(t *testing.T) {
	t.Parallel()
	c := tenant.Codec()
	if got, want := c.Types(), []string{"tenant.created", "tenant.legal_hold_placed", "tenant.legal_hold_released", "tenant.profile_changed", "tenant.renamed", "tenant.sla_changed"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Types() = %v, want %v", got, want)
	}
	for _, ev := range domaintest.CheckSamples(t, c, filepath.Join("testdata", "events")) {
		checkValid(t, ev)
	}
}

// checkValid checks that a sample's profile and SLA policy pass validation,
// so the samples stay realistic.
func checkValid(t *testing.T, ev tenant.Event) {
	t.Helper()
	switch ev := ev.(type) {
	case tenant.Created:
		if err := ev.Profile.Validate("profile."); err != nil {
			t.Errorf("%s: %v", ev.EventType(), err)
		}
		if err := ev.SLA.Validate("sla."); err != nil {
			t.Errorf("%s: %v", ev.EventType(), err)
		}
	case tenant.ProfileChanged:
		if err := ev.Profile.Validate("profile."); err != nil {
			t.Errorf("%s: %v", ev.EventType(), err)
		}
	case tenant.SLAChanged:
		if err := ev.SLA.Validate("sla."); err != nil {
			t.Errorf("%s: %v", ev.EventType(), err)
		}
	}
}
