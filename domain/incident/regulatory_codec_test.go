package incident_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/socledger/socledger/domain/domaintest"
	"github.com/socledger/socledger/domain/incident"
)

// regSample reads the sample payload of event type typ.
func regSample(t *testing.T, typ string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "events", typ+".v1.json"))
	if err != nil {
		t.Fatalf("sample of %s: %v", typ, err)
	}
	return data
}

// regEventID returns the "id" of a regulatory event's payload.
func regEventID(t *testing.T, e incident.Event) string {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// TestRegulatoryRoundTrip encodes and decodes events built by Decide (UTC
// times, nil optional fields).
func TestRegulatoryRoundTrip(t *testing.T) {
	t.Parallel()
	domaintest.CheckRoundTrip(t, incident.Codec(), []incident.Event{regAware, regDORAClassified, regInitial,
		incident.TimestampCorrected{ID: regID("x"), At: regAt("2025-03-10T12:00:00Z"), TargetEventID: regInitial.ID, Field: "receivedAt", New: regAt("2025-03-04T14:01:00Z"), Reason: "receipt"},
		incident.AuthorityRequestReceived{ID: regID("y"), Regime: "NIS2", Kind: incident.NIS2Intermediate, At: regAt("2025-03-06T10:00:00Z"), DueAt: regPtr("2025-03-07T12:00:00Z"), Authority: "BSI"},
	}...)
}
