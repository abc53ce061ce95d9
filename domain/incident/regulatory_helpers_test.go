package incident_test

import (
	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
)

// regOpenedEvents is the case history of an incident opened by hand
// (scenario 6: the payment gateway outage).
func regOpenedEvents() []incident.Event {
	return []incident.Event{incident.Opened{ID: regIncident, Title: "Payment gateway outage", Severity: domain.SeverityCritical,
		Source: incident.SourceManual, At: regAt("2025-03-04T08:45:00Z")}}
}

// regClosed is the history of an opened and then closed incident.
func regClosed() []incident.Event {
	return append(regOpenedEvents(),
		incident.StatusChanged{From: incident.StatusNew, To: incident.StatusClosed, Reason: "resolved", At: regAt("2025-03-09T10:00:00Z")})
}
