package alert_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/socledger/socledger/domain/alert"
	"github.com/socledger/socledger/domain/domaintest"
)

// TestSamples checks the codec against testdata/events (see
// domaintest.CheckSamples) and that the raised alert's sample is
// consistent: its ID is its fingerprint's.
func TestSamples(t *testing.T) {
	t.Parallel()
	c := alert.Codec()
	want := []string{"alert.acknowledged", "alert.assigned", "alert.closed", "alert.commented", "alert.escalated",
		"alert.raised", "alert.recurred", "alert.reopened", "alert.suppressed", "alert.unassigned",
		"alert.unsuppressed", "alert.verdict_set"}
	if got := c.Types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Types() = %v, want %v", got, want)
	}
	for typ, ev := range domaintest.CheckSamples(t, c, filepath.Join("testdata", "events")) {
		if r, ok := ev.(alert.Raised); ok && (r.AlertID != alert.FingerprintID(r.Fingerprint) || len(r.RawEvents) == 0 || r.At.IsZero()) {
			t.Errorf("%s: sample's alert ID is not its fingerprint's, or fields did not decode: %#v", typ, r)
		}
	}
}

// TestDecidedEventsRoundTrip encodes and decodes the events Decide records,
// so that what a decider sees after a reload equals what it recorded.
func TestDecidedEventsRoundTrip(t *testing.T) {
	t.Parallel()
	events := append(closedAlert(), recurred(2, t0, t0, ref(ev2)),
		alert.Reopened{Trigger: alert.TriggerAnalyst, Reason: "x", At: t0})
	domaintest.CheckRoundTrip(t, alert.Codec(), events...)
}
