package access_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/socledger/socledger/domain/access"
	"github.com/socledger/socledger/domain/domaintest"
)

// TestSamples checks the codec against testdata/events (see
// domaintest.CheckSamples) and that the issued token's sample has the scope
// it spells.
func TestSamples(t *testing.T) {
	t.Parallel()
	c := access.Codec()
	if got, want := c.Types(), []string{"access.token_issued", "access.token_revoked"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Types() = %v, want %v", got, want)
	}
	for typ, ev := range domaintest.CheckSamples(t, c, filepath.Join("testdata", "events")) {
		if ti, ok := ev.(access.TokenIssued); ok {
			s := access.Evolve(access.State{}, ti)
			if !s.Allows("acme-bank", ti.At) || s.Allows("globex", ti.At) {
				t.Errorf("%s: sample scope not as expected: %#v", typ, s)
			}
		}
	}
}
