package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/socledger/socledger/domain/compliance"
)

// The exports of the compliance command: JSON, CSV and a printable HTML
// page. Each obligation cites the events it was computed from by ID and by
// chain hash (sourceHashes, in the order of sourceEventIds); the JSON and
// HTML reports also list every event of the incident the report used, with
// stream, revision and hash, so "socledger verify" can vouch for them.

// obligationJSON is an obligation as the JSON export prints it: the
// engine's Obligation with the chain hashes of its source events.
type obligationJSON struct {
	compliance.Obligation
	SourceHashes []string `json:"sourceHashes"`
}

// reportJSON is one incident's report as the JSON export prints it: the
// engine's Report (its fields as they are), with every obligation's source
// hashes and the events it was computed from.
type reportJSON struct {
	Tenant string `json:"tenant"`
	compliance.Report
	Obligations  []obligationJSON `json:"obligations"`
	NextDeadline *obligationJSON  `json:"nextDeadline,omitempty"`
	// TimeZone and HolidayCalendar are those the due times were computed in.
	TimeZone        string `json:"timeZone"`
	HolidayCalendar string `json:"holidayCalendar,omitempty"`
	// Events are the incident's events recorded by asOf; EventsAfterAsOf
	// counts those recorded later, which the report does not use.
	Events          []eventRef `json:"events"`
	EventsAfterAsOf int        `json:"eventsAfterAsOf"`
}

// tenantJSON is a tenant report: the engine's TenantSummary (its fields as
// they are), with the tenant's name and each incident's full report.
type tenantJSON struct {
	compliance.TenantSummary
	Name string `json:"name"`
	// AsOf is the instant asked for (the summary's own is that of its
	// latest report, zero without incidents).
	AsOf    time.Time    `json:"asOf"`
	Reports []reportJSON `json:"reports"`
}

func (iv *incidentView) obligationJSON(o compliance.Obligation) obligationJSON {
	return obligationJSON{Obligation: o, SourceHashes: iv.hashes(o.SourceEventIDs)}
}

func (iv *incidentView) json() reportJSON {
	r := reportJSON{Tenant: iv.Tenant, Report: iv.Report, Obligations: []obligationJSON{}, TimeZone: iv.Location.String(),
		HolidayCalendar: iv.Calendar, Events: iv.Events, EventsAfterAsOf: iv.Later}
	for _, o := range iv.Report.Obligations {
		r.Obligations = append(r.Obligations, iv.obligationJSON(o))
	}
	if n := iv.Report.NextDeadline; n != nil {
		o := iv.obligationJSON(*n)
		r.NextDeadline = &o
	}
	return r
}

// writeJSON prints v: one incident's report with --incident, else the
// tenant report.
func writeJSON(w io.Writer, v *view) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if v.Single {
		return enc.Encode(v.Incidents[0].json())
	}
	t := tenantJSON{TenantSummary: *v.Summary, Name: v.Name, AsOf: v.AsOf, Reports: []reportJSON{}}
	for _, iv := range v.Incidents {
		t.Reports = append(t.Reports, iv.json())
	}
	return enc.Encode(t)
}

// csvHeader names the CSV columns: the ones an auditor sorts on first, then
// the rest of the obligation.
var csvHeader = []string{
	"incident", "regime", "kind", "required", "ruleRef", "anchorAt", "rawDueAt", "dueAt", "reliefApplied",
	"submittedAt", "verdict", "margin", "missedAt", "flags", "sourceEventIds", "sourceHashes",
	"tenant", "seq", "reason", "anchorEventId", "withdrawnBy", "elapsed", "asOf", "ruleSetVersion",
}

// csvList joins a list cell; lists never hold ';' (IDs, hashes, flags).
func csvList(s []string) string { return strings.Join(s, ";") }

// writeCSV prints one row per obligation. Times are RFC 3339 in UTC, lists
// are ';'-separated, an absent value is an empty cell.
func writeCSV(w io.Writer, v *view) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, iv := range v.Incidents {
		r := iv.Report
		for _, o := range r.Obligations {
			seq := ""
			if o.Seq != 0 {
				seq = strconv.Itoa(o.Seq)
			}
			row := []string{
				r.Incident, string(o.Regime), string(o.Kind), string(o.Required), o.RuleRef, rfc(o.AnchorAt), rfc(o.RawDueAt), rfc(o.DueAt),
				strconv.FormatBool(o.ReliefApplied), rfc(o.SubmittedAt), string(o.Verdict), o.Margin, rfc(o.MissedAt), csvList(o.Flags),
				csvList(o.SourceEventIDs), csvList(iv.hashes(o.SourceEventIDs)),
				iv.Tenant, seq, o.Reason, o.AnchorEventID, o.WithdrawnBy, o.Elapsed, r.AsOf.UTC().Format(time.RFC3339), o.RuleSetVersion,
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// rfc formats an optional instant as RFC 3339 in UTC ("" for nil).
func rfc(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// htmlPage is what the HTML template renders.
type htmlPage struct {
	*view
	GeneratedAt    time.Time
	RuleSetVersion string
}

// writeHTML prints a self-contained printable page: no scripts, fonts,
// images or style sheets from elsewhere. generatedAt is the caller's
// clock, shown on the page.
func writeHTML(w io.Writer, v *view, generatedAt time.Time) error {
	return htmlTemplate.Execute(w, htmlPage{view: v, GeneratedAt: generatedAt, RuleSetVersion: compliance.RuleSetVersion})
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"ts": func(t any) string {
		switch t := t.(type) {
		case time.Time:
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		case *time.Time:
			return rfc(t)
		}
		return ""
	},
	// local shows an instant in the entity's zone when that is not UTC.
	"local": func(t *time.Time, loc *time.Location) string {
		if t == nil || loc == nil || loc == time.UTC || loc.String() == "UTC" {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04 MST")
	},
	"verdictClass": func(v compliance.Verdict) string { return "v-" + strings.ReplaceAll(string(v), "_", "-") },
	"join":         func(s []string) string { return strings.Join(s, ", ") },
	"hashes":       func(iv *incidentView, ids []string) []string { return iv.hashes(ids) },
	"pair": func(ids, hashes []string) [][2]string {
		out := make([][2]string, len(ids))
		for i := range ids {
			out[i] = [2]string{ids[i], hashes[i]}
		}
		return out
	},
	// dur shows a Go duration string as days, hours and minutes
	// ("706h0m0s" → "29d 10h 0m"), keeping its sign.
	"dur": humanDuration,
	"rate": func(r *float64) string {
		if r == nil {
			return "n/a"
		}
		return strconv.FormatFloat(*r*100, 'f', 1, 64) + " %"
	},
}).Parse(htmlSource))

const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Compliance report · {{.Tenant}} · as of {{ts .AsOf}}</title>
<style>
body { font: 10pt/1.35 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.5em; color: #111; }
h1 { font-size: 16pt; margin: 0 0 .3em; }
h2 { font-size: 13pt; margin: 1.6em 0 .4em; border-bottom: 2px solid #333; }
h3 { font-size: 11pt; margin: 1em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 1em; }
th, td { border: 1px solid #bbb; padding: 2px 4px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; }
table.kv th { width: 14em; }
.mono, code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 8pt; word-break: break-all; }
.muted { color: #555; }
.v-on-time, .v-submitted { background: #d9f2d9; }
.v-late, .v-overdue { background: #f8d0d0; font-weight: bold; }
.v-pending { background: #fff1c2; }
.v-blocked { background: #f3dcc8; font-weight: bold; }
.v-not-required { background: #eee; color: #555; }
.missed { color: #a00; font-weight: bold; }
.flag { display: inline-block; border: 1px solid #999; border-radius: 3px; padding: 0 3px; margin: 1px; font-size: 8pt; }
footer { margin-top: 2em; font-size: 8pt; color: #555; }
@media print {
  body { margin: 0; font-size: 8.5pt; }
  h2 { break-before: page; }
  h2.first { break-before: auto; }
  tr { break-inside: avoid; }
  .v-on-time, .v-submitted, .v-late, .v-overdue, .v-pending, .v-blocked, .v-not-required { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
</head>
<body>
<h1>Incident-reporting compliance: {{if .Name}}{{.Name}} ({{.Tenant}}){{else}}{{.Tenant}}{{end}}</h1>
<table class="kv">
<tr><th>As of</th><td>{{ts .AsOf}} <span class="muted">(facts recorded by then)</span></td></tr>
{{if or .From .To}}<tr><th>Period</th><td>{{ts .From}} – {{ts .To}}</td></tr>{{end}}
<tr><th>Rule set</th><td>{{.RuleSetVersion}}</td></tr>
<tr><th>Incidents</th><td>{{len .Incidents}}</td></tr>
<tr><th>Generated at</th><td>{{ts .GeneratedAt}}</td></tr>
</table>
{{with .Summary}}<h3>Summary</h3>
<table class="kv">
<tr><th>Any deadline missed</th><td>{{if .AnyMissed}}<span class="missed">yes</span>{{else}}no{{end}}</td></tr>
{{range .Rates}}<tr><th>On time ({{.Regime}})</th><td>{{rate .Rate}}: {{.OnTime}} on time, {{.Late}} late, {{.Overdue}} overdue <span class="muted">(obligations due in the period)</span></td></tr>{{end}}
</table>
{{if .Misses}}<h3>Missed deadlines</h3>
<table>
<tr><th>Incident</th><th>Regime</th><th>Report</th><th>Rule</th><th>Due</th><th>Missed at</th><th>Verdict</th><th>Withdrawn by</th></tr>
{{range .Misses}}<tr><td>{{.Incident}}</td><td>{{.Regime}}</td><td>{{.Kind}}{{if .Seq}} #{{.Seq}}{{end}}</td><td>{{.RuleRef}}</td><td>{{ts .DueAt}}</td><td class="missed">{{ts .MissedAt}}</td><td class="{{verdictClass .Verdict}}">{{.Verdict}}</td><td class="mono">{{.WithdrawnBy}}</td></tr>
{{end}}</table>{{end}}
{{if .NextDeadlines}}<h3>Next open deadlines</h3>
<table>
<tr><th>Incident</th><th>Regime</th><th>Report</th><th>Rule</th><th>Due</th><th>Time left</th></tr>
{{range .NextDeadlines}}<tr><td>{{.Incident}}</td><td>{{.Regime}}</td><td>{{.Kind}}{{if .Seq}} #{{.Seq}}{{end}}</td><td>{{.RuleRef}}</td><td>{{ts .DueAt}}</td><td>{{dur .Margin}}</td></tr>
{{end}}</table>{{end}}
{{end}}
{{range $i, $iv := .Incidents}}{{with .Report}}
<h2{{if eq $i 0}} class="first"{{end}}>Incident {{.Incident}}</h2>
<table class="kv">
<tr><th>Regimes</th><td>{{range .Regimes}}<div><b>{{.Regime}}</b>: {{if .Applies}}applies{{else}}does not apply{{end}}{{if .Basis}} — {{.Basis}}{{end}}</div>{{end}}</td></tr>
{{if .DetectedAt}}<tr><th>Detected</th><td>{{ts .DetectedAt}}</td></tr>{{end}}
{{range $r, $t := .Awareness}}<tr><th>Aware ({{$r}})</th><td>{{ts $t}}</td></tr>{{end}}
{{range $r, $d := .DetectionToAwareness}}<tr><th>Detection → awareness ({{$r}})</th><td>{{$d}}</td></tr>{{end}}
{{range $r, $d := .AwarenessToClassification}}<tr><th>Awareness → classification ({{$r}})</th><td>{{$d}}</td></tr>{{end}}
{{range .Classification}}<tr><th>Classification ({{.Regime}})</th><td>{{ts .At}}: <b>{{.Result}}</b>{{if .Rule}} by {{.Rule}}{{end}}{{if .Criteria}}; criteria {{join .Criteria}}{{end}} <span class="mono">{{.EventID}}</span></td></tr>{{end}}
<tr><th>Any deadline missed</th><td>{{if .AnyMissed}}<span class="missed">yes</span>{{else}}no{{end}}</td></tr>
{{with .NextDeadline}}<tr><th>Next open deadline</th><td>{{.Regime}} {{.Kind}} due {{ts .DueAt}}</td></tr>{{end}}
{{if .Flags}}<tr><th>Flags</th><td>{{range .Flags}}<span class="flag">{{.}}</span>{{end}}</td></tr>{{end}}
<tr><th>Time zone, holidays</th><td>{{$iv.Location}}{{if $iv.Calendar}}, {{$iv.Calendar}}{{end}}</td></tr>
</table>
<h3>Obligations</h3>
<table>
<tr><th>Regime</th><th>Report</th><th>Required</th><th>Rule</th><th>Anchor</th><th>Raw due</th><th>Due</th><th>Submitted</th><th>Verdict</th><th>Margin</th><th>Missed at</th><th>Flags</th></tr>
{{range .Obligations}}<tr>
<td>{{.Regime}}</td>
<td>{{.Kind}}{{if .Seq}} #{{.Seq}}{{end}}</td>
<td>{{.Required}}{{if .Reason}}<div class="muted">{{.Reason}}</div>{{end}}</td>
<td>{{.RuleRef}}</td>
<td>{{ts .AnchorAt}}</td>
<td>{{ts .RawDueAt}}</td>
<td>{{ts .DueAt}}{{with local .DueAt $iv.Location}}<div class="muted">{{.}}</div>{{end}}{{if .ReliefApplied}}<div class="muted">weekend / holiday relief</div>{{end}}</td>
<td>{{ts .SubmittedAt}}{{range .Submissions}}<div class="muted">{{.SubmissionID}} to {{.Authority}}{{if .AuthorityRef}} ({{.AuthorityRef}}){{end}}{{if .DelayReason}}; reasons for delay given{{end}}</div>{{end}}{{with .Delay}}<div class="muted">delay notified {{ts .At}}{{if .Timely}} (in time){{else}} (late){{end}}</div>{{end}}</td>
<td class="{{verdictClass .Verdict}}">{{.Verdict}}</td>
<td>{{dur .Margin}}</td>
<td>{{if .MissedAt}}<span class="missed">{{ts .MissedAt}}</span>{{if .WithdrawnBy}}<div class="muted">withdrawn by {{.WithdrawnBy}}</div>{{end}}{{end}}</td>
<td>{{range .Flags}}<span class="flag">{{.}}</span>{{end}}</td>
</tr>
<tr><td colspan="12" class="mono muted">sources: {{range pair .SourceEventIDs (hashes $iv .SourceEventIDs)}}{{index . 0}} (hash {{index . 1}}) {{end}}</td></tr>
{{end}}</table>
{{if .Informational}}<h3>Informational (no deadline)</h3>
<ul>{{range .Informational}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{end}}
<h3>Events used ({{len .Events}}{{if .Later}}; {{.Later}} recorded after the as-of instant not used{{end}})</h3>
<table>
<tr><th>Rev</th><th>Type</th><th>Occurred</th><th>Recorded</th><th>Stored</th><th>Actor</th><th>Event ID and chain hash</th></tr>
{{range .Events}}<tr><td>{{.Revision}}</td><td>{{.Type}}</td><td>{{ts .Occurred}}</td><td>{{ts .Recorded}}</td><td>{{ts .Stored}}</td><td>{{.Actor}}</td><td class="mono">{{.ID}}<br>{{.Hash}}</td></tr>
{{end}}</table>
{{else}}<p>No incidents.</p>
{{end}}
<footer>Every obligation cites the events it was computed from by event ID and chain hash; the events are in the streams incident-{{.Tenant}}.&lt;incident&gt;. Check them against the data directory with <code>socledger verify --data DIR --pubkey FILE</code>.</footer>
</body>
</html>
`

// humanDuration formats a Go duration string for people: "706h0m0s" is
// "29d 10h 0m", "-1h30m0s" is "-1h 30m". A string that is not a duration is
// returned as it is.
func humanDuration(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil || s == "" {
		return s
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%s%dd %dh %dm", sign, days, hours, mins)
	case hours > 0:
		return fmt.Sprintf("%s%dh %dm", sign, hours, mins)
	}
	return fmt.Sprintf("%s%dm", sign, mins)
}
