package classify_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/compliance/classify"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

const testIncident = "INC-2025-0042"

// at parses an RFC 3339 time.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// meta returns the metadata of command cmd.
func meta(cmd string) domain.Meta {
	return domain.Meta{CommandID: cmd, Tenant: "acme", Actor: "user:alice", At: at("2025-03-10T12:00:00Z")}
}

// opened returns the state of an incident opened by hand.
func opened() incident.State {
	return incident.Decider.Fold(incident.State{}, []incident.Event{incident.Opened{ID: testIncident, Title: "Outage",
		Severity: domain.SeverityHigh, Source: incident.SourceManual, At: at("2025-03-03T08:00:00Z")}})
}

// decide decides c against s and returns s evolved by its events.
func decide(t *testing.T, s incident.State, c incident.Command) (incident.State, error) {
	t.Helper()
	events, err := incident.Decide(c, s)
	if err != nil {
		return s, err
	}
	return incident.Decider.Fold(s, events), nil
}

// aggregated returns an opened incident with a recurring-incidents
// aggregation of regime recorded through incident.Decide.
func aggregated(t *testing.T, regime tenant.Regime, g classify.RecurringGroup) incident.State {
	t.Helper()
	s, err := decide(t, opened(), incident.AggregateRecurringIncidents{Meta: meta("cmd-aggregate"), IncidentID: testIncident, Regime: regime,
		MemberIncidentIDs: g.Members, LastDetectionAt: g.LastDetectedAt, RootCause: g.RootCause, AssessedAt: g.LastDetectedAt.Add(24 * time.Hour)})
	if err != nil {
		t.Fatalf("aggregate: %v", err)
	}
	return s
}

// assessDORA records c as a DORA classification against s through
// incident.Decide.
func assessDORA(t *testing.T, s incident.State, c classify.DORAClassification) error {
	t.Helper()
	_, err := decide(t, s, incident.AssessClassificationDORA{Meta: meta("cmd-dora"), IncidentID: testIncident, At: at("2025-03-04T11:00:00Z"),
		Result: c.Result(), Gate: c.Gate, Thresholds: c.Thresholds, Rule: c.Rule})
	return err
}

// classifyNIS2 records c as a NIS2 significant classification against s
// through incident.Decide.
func classifyNIS2(t *testing.T, s incident.State, c classify.NIS2Classification, trustService bool) error {
	t.Helper()
	_, err := decide(t, s, incident.ClassifySignificantNIS2{Meta: meta("cmd-nis2"), IncidentID: testIncident, At: at("2025-03-03T10:00:00Z"),
		Criteria: c.Criteria, TrustServiceAffected: trustService})
	return err
}

// codes returns the codes of hits without the act prefix.
func codes(hits []incident.CriterionHit) []string {
	var out []string
	for _, h := range hits {
		_, ref, _ := strings.Cut(h.Code, ":")
		out = append(out, ref)
	}
	return out
}

// checkFamily fails unless every hit's code is in the grammar of family f.
func checkFamily(t *testing.T, hits []incident.CriterionHit, f incident.CriterionFamily) {
	t.Helper()
	for _, h := range hits {
		if got, ok := incident.CriterionCodeFamily(h.Code); !ok || got != f {
			t.Errorf("code %q: family %q, %v; want %q", h.Code, got, ok, f)
		}
		if !slices.Contains(incident.CriterionCodes(), h.Code) {
			t.Errorf("code %q not in incident.CriterionCodes", h.Code)
		}
		if h.Value == "" || h.Threshold == "" {
			t.Errorf("code %q: empty value %q or threshold %q", h.Code, h.Value, h.Threshold)
		}
	}
}

// wantFieldError fails unless err is a *domain.FieldError on field that
// matches domain.ErrInvalid.
func wantFieldError(t *testing.T, err error, field string) {
	t.Helper()
	var fe *domain.FieldError
	if !errors.As(err, &fe) || !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("error %v: want a *domain.FieldError on %s", err, field)
	}
	if fe.Field != field {
		t.Fatalf("error on field %q (%v), want %q", fe.Field, err, field)
	}
}
