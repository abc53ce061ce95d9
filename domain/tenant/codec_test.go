package tenant_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/socledger/socledger/domain/tenant"
)

// TestSamples decodes testdata/events/<type>.v1.json for every registered
// event type, checks that every sample names a registered type, and that
// encode → decode gives the event back.
func TestSamples(t *testing.T) {
	t.Parallel()
	c := tenant.Codec()
	if got, want := c.Types(), []string{"tenant.created", "tenant.profile_changed", "tenant.renamed", "tenant.sla_changed"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Types() = %v, want %v", got, want)
	}
	for _, typ := range c.Types() {
		if c.Schema(typ) != 1 {
			t.Errorf("%s: schema %d, want 1", typ, c.Schema(typ))
		}
		data, err := os.ReadFile(filepath.Join("testdata", "events", typ+".v1.json"))
		if err != nil {
			t.Errorf("%s: no sample: %v", typ, err)
			continue
		}
		ev, err := c.Decode(typ, 1, data)
		if err != nil {
			t.Errorf("%s: sample does not decode: %v", typ, err)
			continue
		}
		if ev.EventType() != typ {
			t.Errorf("%s: decoded a %s", typ, ev.EventType())
		}
		checkValid(t, ev)
		name, schema, enc, err := c.Encode(ev)
		if err != nil || name != typ || schema != 1 {
			t.Errorf("%s: Encode = %q, %d, %v", typ, name, schema, err)
			continue
		}
		back, err := c.Decode(name, schema, enc)
		if err != nil || !reflect.DeepEqual(back, ev) {
			t.Errorf("%s: round trip:\n got %#v (%v)\nwant %#v", typ, back, err, ev)
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, f := range files {
		typ := strings.TrimSuffix(filepath.Base(f), ".v1.json")
		if !c.Knows(typ) {
			t.Errorf("sample %s names no registered event type", f)
		}
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
