package incident_test

import (
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/domaintest"
	"github.com/socledger/socledger/domain/incident"
)

// holdPlaced is the hold of the legal hold tests, placed at caseT0.
var holdPlaced = incident.LegalHoldPlaced{Reason: "Evidence for the criminal complaint", Reference: "7410 Js 12345/26", At: caseT0}

func TestLegalHold(t *testing.T) {
	t.Parallel()
	place := func(reason, ref string) incident.PlaceLegalHold {
		return incident.PlaceLegalHold{Meta: caseMeta("h1"), IncidentID: caseInc, Reason: reason, Reference: ref}
	}
	release := func(reason string) incident.ReleaseLegalHold {
		return incident.ReleaseLegalHold{Meta: caseMeta("r1"), IncidentID: caseInc, Reason: reason}
	}
	released := incident.LegalHoldReleased{Reason: "proceedings closed", At: caseT0}
	merged := caseHist(incident.MergedInto{Into: "INC-0", From: incident.StatusNew, At: caseT0})
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "place a hold on an open incident: reason and reference trimmed, time in UTC", Given: caseHist(),
			When: incident.PlaceLegalHold{Meta: domain.Meta{CommandID: "h1", Tenant: "acme", Actor: "user:alice", At: caseT1.In(time.FixedZone("CET", 3600))},
				IncidentID: caseInc, Reason: " Evidence for the criminal complaint ", Reference: "\t7410 Js 12345/26 "},
			Want: []incident.Event{incident.LegalHoldPlaced{Reason: "Evidence for the criminal complaint", Reference: "7410 Js 12345/26", At: caseT1}}},
		{Name: "place a hold without a reference", Given: caseHist(), When: place("Regulator inquiry", ""),
			Want: []incident.Event{incident.LegalHoldPlaced{Reason: "Regulator inquiry", At: caseT1}}},
		{Name: "place a hold on a closed incident", Given: caseClosed(), When: place("Litigation", "LIT-1"),
			Want: []incident.Event{incident.LegalHoldPlaced{Reason: "Litigation", Reference: "LIT-1", At: caseT1}}},
		{Name: "place a hold on a merged incident", Given: merged, When: place("Litigation", ""),
			Want: []incident.Event{incident.LegalHoldPlaced{Reason: "Litigation", At: caseT1}}},
		{Name: "placing a hold on an incident on hold is a no-op, whatever the reason", Given: caseHist(holdPlaced), When: place("Another matter", "LIT-2")},
		{Name: "a hold can be placed again after a release", Given: caseHist(holdPlaced, released), When: place("Appeal filed", ""),
			Want: []incident.Event{incident.LegalHoldPlaced{Reason: "Appeal filed", At: caseT1}}},
		{Name: "place a hold on an incident never opened", When: place("Litigation", ""), WantErr: domain.ErrNotFound},
		{Name: "place a hold without a reason", Given: caseHist(), When: place("  ", "LIT-1"), WantField: "reason"},
		{Name: "a hold's reason is one line", Given: caseHist(), When: place("Evidence\nfor the complaint", ""), WantField: "reason"},
		{Name: "a hold's reason is bounded", Given: caseHist(), When: place(strings.Repeat("r", incident.MaxHoldReasonLen+1), ""), WantField: "reason"},
		{Name: "a hold's reference is one line", Given: caseHist(), When: place("Litigation", "LIT\n1"), WantField: "reference"},
		{Name: "a hold's reference is bounded", Given: caseHist(), When: place("Litigation", strings.Repeat("x", incident.MaxHoldReferenceLen+1)), WantField: "reference"},
		{Name: "field errors come before the incident's existence", When: place("", ""), WantField: "reason"},
		{Name: "a hold needs a valid incident ID", Given: caseHist(),
			When: incident.PlaceLegalHold{Meta: caseMeta("h1"), IncidentID: "INC 1", Reason: "x"}, WantField: "incident"},

		{Name: "release a hold", Given: caseHist(holdPlaced), When: release(" proceedings closed "),
			Want: []incident.Event{incident.LegalHoldReleased{Reason: "proceedings closed", At: caseT1}}},
		{Name: "release the hold of a closed incident", Given: caseClosed(holdPlaced), When: release("proceedings closed"),
			Want: []incident.Event{incident.LegalHoldReleased{Reason: "proceedings closed", At: caseT1}}},
		{Name: "releasing an incident not on hold is a no-op", Given: caseHist(), When: release("proceedings closed")},
		{Name: "releasing a hold already released is a no-op", Given: caseHist(holdPlaced, released), When: release("again")},
		{Name: "release without a reason", Given: caseHist(holdPlaced), When: release(""), WantField: "reason"},
		{Name: "a release's reason is one line", Given: caseHist(holdPlaced), When: release("closed\x1b[0m"), WantField: "reason"},
		{Name: "release the hold of an incident never opened", When: release("closed"), WantErr: domain.ErrNotFound},
	})
}

// TestLegalHoldState: the hold in force, then none; a hold changes nothing
// of the case, and case events leave the hold alone.
func TestLegalHoldState(t *testing.T) {
	t.Parallel()
	s := incident.Decider.Fold(incident.State{}, caseClosed(holdPlaced))
	if want := (incident.LegalHold{Held: true, Reason: holdPlaced.Reason, Reference: holdPlaced.Reference, Since: caseT0}); s.LegalHold != want {
		t.Fatalf("after placing: %+v, want %+v", s.LegalHold, want)
	}
	if !s.Case.Closed() {
		t.Fatalf("a hold changed the case: status %s", s.Case.Status)
	}
	reopened := incident.Evolve(s, incident.Reopened{From: incident.StatusClosed, To: incident.StatusInvestigating, Reason: "x", At: caseT1})
	if !reopened.LegalHold.Held {
		t.Fatal("a reopen ended the hold")
	}
	if r := incident.Evolve(s, incident.LegalHoldReleased{Reason: "closed", At: caseT1}); r.LegalHold != (incident.LegalHold{}) || !s.LegalHold.Held {
		t.Fatalf("after releasing: %+v (the older state: %+v)", r.LegalHold, s.LegalHold)
	}
}

// TestLegalHoldRoundTrip encodes and decodes the hold events as Decide
// builds them.
func TestLegalHoldRoundTrip(t *testing.T) {
	t.Parallel()
	s := incident.Decider.Fold(incident.State{}, caseHist())
	placed, err := incident.Decide(incident.PlaceLegalHold{Meta: caseMeta("h1"), IncidentID: caseInc, Reason: "Litigation", Reference: "LIT-1"}, s)
	if err != nil {
		t.Fatal(err)
	}
	released, err := incident.Decide(incident.ReleaseLegalHold{Meta: caseMeta("r1"), IncidentID: caseInc, Reason: "Settled"}, incident.Decider.Fold(s, placed))
	if err != nil {
		t.Fatal(err)
	}
	domaintest.CheckRoundTrip(t, incident.Codec(), append(placed, released...)...)
}
