package incident

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/tenant"
)

// decideCase decides a case command: it checks the command's own fields
// first, then the state (opened, not closed), then the command's rules.
func decideCase(c Command, s State) ([]Event, error) {
	cs := s.Case
	switch c := c.(type) {
	case Open:
		return decideOpen(c, cs)
	case OpenSplit:
		return decideOpenSplit(c, cs)
	case LinkAlert:
		return decideLinkAlert(c, cs)
	case UnlinkAlert:
		return decideUnlinkAlert(c, cs)
	case Assign:
		return decideAssign(c, cs)
	case Unassign:
		return decideUnassign(c, cs)
	case ChangeSeverity:
		return decideChangeSeverity(c, cs)
	case ChangeStatus:
		return decideChangeStatus(c, cs)
	case Reopen:
		return decideReopen(c, cs)
	case Escalate:
		return decideEscalate(c, cs)
	case AddNote:
		return decideAddNote(c, cs)
	case AddObservable:
		return decideAddObservable(c, cs)
	case AddTask:
		return decideAddTask(c, cs)
	case CompleteTask:
		return decideCompleteTask(c, cs)
	case MergeInto:
		return decideMergeInto(c, cs)
	case ReceiveMerge:
		return decideReceiveMerge(c, cs)
	case Split:
		return decideSplit(c, cs)
	case ReSnapshotProfile:
		return decideReSnapshotProfile(c, cs)
	}
	return nil, fmt.Errorf("incident: unknown command %T: %w", c, domain.ErrInvalid)
}

func decideOpen(c Open, cs Case) ([]Event, error) {
	title := strings.TrimSpace(c.Title)
	alerts, err := alertIDs("alerts", c.Alerts, false)
	if err != nil {
		return nil, err
	}
	src := c.Source
	if src == "" {
		src = SourceManual
		if len(alerts) > 0 {
			src = SourceAlerts
		}
	}
	profile, err := optionalProfile(c.Profile)
	if err = firstErr(err,
		line("title", title, true, MaxTitleLen),
		domain.ValidateSeverity("severity", c.Severity),
		text("description", c.Description, false),
		domain.OneOf("source", src, SourceManual, SourceAlerts),
	); err != nil {
		return nil, err
	}
	if src == SourceAlerts && len(alerts) == 0 {
		return nil, &domain.FieldError{Field: "alerts", Reason: "missing: an incident opened from alerts names at least one"}
	}
	if cs.Exists() {
		return nil, fmt.Errorf("incident %s: %w", c.IncidentID, domain.ErrAlreadyExists)
	}
	at := c.At.UTC()
	events := []Event{Opened{ID: c.IncidentID, Title: title, Severity: c.Severity, Description: c.Description, Source: src, Alerts: alerts, At: at}}
	for _, a := range alerts {
		events = append(events, AlertLinked{Alert: a, At: at})
	}
	if profile != nil {
		events = append(events, ProfileSnapshotted{Profile: *profile, At: at})
	}
	return events, nil
}

func decideOpenSplit(c OpenSplit, cs Case) ([]Event, error) {
	title := strings.TrimSpace(c.Title)
	alerts, err := alertIDs("alerts", c.Alerts, true)
	if err != nil {
		return nil, err
	}
	profile, err := optionalProfile(c.Profile)
	if err = firstErr(err,
		otherIncident("parent", c.Parent, c.IncidentID),
		line("title", title, true, MaxTitleLen),
		domain.ValidateSeverity("severity", c.Severity),
		text("description", c.Description, false),
		text("reason", c.Reason, false),
	); err != nil {
		return nil, err
	}
	if cs.Exists() {
		return nil, fmt.Errorf("incident %s: %w", c.IncidentID, domain.ErrAlreadyExists)
	}
	at := c.At.UTC()
	events := []Event{
		Opened{ID: c.IncidentID, Title: title, Severity: c.Severity, Description: c.Description, Source: SourceSplit, Alerts: alerts, At: at},
		SplitFrom{Parent: c.Parent, Alerts: slices.Clone(alerts), Reason: c.Reason, At: at},
	}
	for _, a := range alerts {
		events = append(events, AlertLinked{Alert: a, MovedFrom: c.Parent, At: at})
	}
	if profile != nil {
		events = append(events, ProfileSnapshotted{Profile: *profile, At: at})
	}
	return events, nil
}

func decideLinkAlert(c LinkAlert, cs Case) ([]Event, error) {
	if err := firstErr(domain.ValidateID("alert", c.Alert), text("reason", c.Reason, false)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if cs.Linked(c.Alert) {
		return nil, nil
	}
	return []Event{AlertLinked{Alert: c.Alert, Reason: c.Reason, At: c.At.UTC()}}, nil
}

func decideUnlinkAlert(c UnlinkAlert, cs Case) ([]Event, error) {
	if err := firstErr(domain.ValidateID("alert", c.Alert), text("reason", c.Reason, false)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if !cs.Linked(c.Alert) {
		return nil, fmt.Errorf("incident %s: alert %s is not linked: %w", c.IncidentID, c.Alert, domain.ErrNotFound)
	}
	return []Event{AlertUnlinked{Alert: c.Alert, Reason: c.Reason, At: c.At.UTC()}}, nil
}

func decideAssign(c Assign, cs Case) ([]Event, error) {
	assignee := strings.TrimSpace(c.Assignee)
	if err := line("assignee", assignee, true, MaxNameLen); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if cs.Assignee == assignee {
		return nil, nil
	}
	return []Event{Assigned{Assignee: assignee, At: c.At.UTC()}}, nil
}

func decideUnassign(c Unassign, cs Case) ([]Event, error) {
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if cs.Assignee == "" {
		return nil, nil
	}
	return []Event{Unassigned{Previous: cs.Assignee, At: c.At.UTC()}}, nil
}

func decideChangeSeverity(c ChangeSeverity, cs Case) ([]Event, error) {
	if err := firstErr(domain.ValidateSeverity("severity", c.Severity), text("reason", c.Reason, false)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if cs.Severity == c.Severity {
		return nil, nil
	}
	return []Event{SeverityChanged{From: cs.Severity, To: c.Severity, Reason: c.Reason, At: c.At.UTC()}}, nil
}

func decideChangeStatus(c ChangeStatus, cs Case) ([]Event, error) {
	if err := firstErr(domain.OneOf("status", c.Status, Statuses...), text("reason", c.Reason, false)); err != nil {
		return nil, err
	}
	if err := mustExist(cs, c.IncidentID); err != nil {
		return nil, err
	}
	from, to := cs.Status, c.Status
	if from == to {
		return nil, nil
	}
	if cs.Closed() {
		return nil, closedError(cs, c.IncidentID)
	}
	i := slices.IndexFunc(transitions[from], func(t transition) bool { return t.to == to })
	if i < 0 {
		return nil, &domain.InvalidTransitionError{Aggregate: Category, From: string(from), To: string(to)}
	}
	if transitions[from][i].reason && strings.TrimSpace(c.Reason) == "" {
		return nil, &domain.FieldError{Field: "reason", Reason: fmt.Sprintf("missing: required to go from %s to %s", from, to)}
	}
	return []Event{StatusChanged{From: from, To: to, Reason: c.Reason, At: c.At.UTC()}}, nil
}

func decideReopen(c Reopen, cs Case) ([]Event, error) {
	to := c.Status
	if to == "" {
		to = StatusInvestigating
	}
	if err := firstErr(domain.OneOf("status", to, ReopenStatuses...), text("reason", c.Reason, true)); err != nil {
		return nil, err
	}
	if err := mustExist(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if cs.MergedInto != "" {
		return nil, fmt.Errorf("%w: %w", ErrMerged, &domain.InvalidTransitionError{Aggregate: Category, From: string(cs.Status), To: string(to),
			Reason: fmt.Sprintf("merged into %s: work on that incident instead", cs.MergedInto)})
	}
	if !cs.Closed() {
		return nil, &domain.InvalidTransitionError{Aggregate: Category, From: string(cs.Status), To: string(to), Reason: "only a closed incident can be reopened"}
	}
	return []Event{Reopened{From: cs.Status, To: to, Reason: c.Reason, At: c.At.UTC()}}, nil
}

func decideEscalate(c Escalate, cs Case) ([]Event, error) {
	team := strings.TrimSpace(c.Team)
	var tierErr error
	if c.Tier < MinTier || c.Tier > MaxTier {
		tierErr = &domain.FieldError{Field: "tier", Value: strconv.Itoa(c.Tier), Reason: fmt.Sprintf("must be %d to %d", MinTier, MaxTier)}
	}
	if err := firstErr(tierErr, line("team", team, false, MaxNameLen), text("reason", c.Reason, false)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if c.Tier == cs.Tier && team == cs.Team {
		return nil, nil
	}
	if c.Tier < cs.Tier {
		return nil, fmt.Errorf("incident %s: escalation from tier %d to tier %d: %w: an escalation never lowers the tier", c.IncidentID, cs.Tier, c.Tier, domain.ErrConflict)
	}
	return []Event{Escalated{Tier: c.Tier, Team: team, Reason: c.Reason, At: c.At.UTC()}}, nil
}

func decideAddNote(c AddNote, cs Case) ([]Event, error) {
	if err := firstErr(domain.ValidateID("noteId", c.NoteID), text("text", c.Text, true)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if n, ok := cs.Note(c.NoteID); ok {
		if n.Text == c.Text {
			return nil, nil
		}
		return nil, fmt.Errorf("incident %s: note %s exists with another text (notes are never edited): %w", c.IncidentID, c.NoteID, domain.ErrConflict)
	}
	return []Event{NoteAdded{NoteID: c.NoteID, Text: c.Text, At: c.At.UTC()}}, nil
}

func decideAddObservable(c AddObservable, cs Case) ([]Event, error) {
	tlp := c.TLP
	if tlp == "" {
		tlp = DefaultTLP
	}
	if err := firstErr(domain.OneOf("type", c.Type, ObservableTypes...), domain.OneOf("tlp", tlp, TLPs...)); err != nil {
		return nil, err
	}
	value, reason := normalizeObservable(c.Type, c.Value)
	if reason != "" {
		return nil, &domain.FieldError{Field: "value", Value: truncate(c.Value), Reason: reason}
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	o, exists := cs.Observable(c.Type, value)
	if exists && o.TLP == tlp && o.IOC == c.IOC {
		return nil, nil
	}
	return []Event{ObservableAdded{Type: c.Type, Value: value, TLP: tlp, IOC: c.IOC, Replaces: exists, At: c.At.UTC()}}, nil
}

func decideAddTask(c AddTask, cs Case) ([]Event, error) {
	title := strings.TrimSpace(c.Title)
	if err := firstErr(domain.ValidateID("taskId", c.TaskID), line("title", title, true, MaxTitleLen)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if t, ok := cs.Task(c.TaskID); ok {
		if t.Title == title {
			return nil, nil
		}
		return nil, fmt.Errorf("incident %s: task %s exists with another title: %w", c.IncidentID, c.TaskID, domain.ErrConflict)
	}
	return []Event{TaskAdded{TaskID: c.TaskID, Title: title, At: c.At.UTC()}}, nil
}

func decideCompleteTask(c CompleteTask, cs Case) ([]Event, error) {
	if err := domain.ValidateID("taskId", c.TaskID); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	t, ok := cs.Task(c.TaskID)
	switch {
	case !ok:
		return nil, fmt.Errorf("incident %s: task %s: %w", c.IncidentID, c.TaskID, domain.ErrNotFound)
	case t.Completed:
		return nil, nil
	}
	return []Event{TaskCompleted{TaskID: c.TaskID, At: c.At.UTC()}}, nil
}

func decideMergeInto(c MergeInto, cs Case) ([]Event, error) {
	if err := firstErr(otherIncident("target", c.Target, c.IncidentID), text("reason", c.Reason, false)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	events := []Event{MergedInto{Into: c.Target, From: cs.Status, Alerts: cloneNil(cs.Alerts), Reason: c.Reason, At: c.At.UTC()}}
	for _, a := range cs.Alerts {
		events = append(events, AlertUnlinked{Alert: a, MovedTo: c.Target, At: c.At.UTC()})
	}
	return events, nil
}

func decideReceiveMerge(c ReceiveMerge, cs Case) ([]Event, error) {
	alerts, err := alertIDs("alerts", c.Alerts, false)
	if err = firstErr(err, otherIncident("source", c.Source, c.IncidentID)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if slices.Contains(cs.MergedFrom, c.Source) {
		return nil, nil
	}
	events := []Event{MergeReceived{From: c.Source, Alerts: alerts, At: c.At.UTC()}}
	for _, a := range alerts {
		if !cs.Linked(a) {
			events = append(events, AlertLinked{Alert: a, MovedFrom: c.Source, At: c.At.UTC()})
		}
	}
	return events, nil
}

func decideSplit(c Split, cs Case) ([]Event, error) {
	alerts, err := alertIDs("alerts", c.Alerts, true)
	if err = firstErr(err, otherIncident("child", c.Child, c.IncidentID), text("reason", c.Reason, false)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if slices.Contains(cs.SplitOff, c.Child) {
		return nil, fmt.Errorf("incident %s: %s was already split off it: %w", c.IncidentID, c.Child, domain.ErrConflict)
	}
	for _, a := range alerts {
		if !cs.Linked(a) {
			return nil, fmt.Errorf("incident %s: alert %s is not linked: %w", c.IncidentID, a, domain.ErrNotFound)
		}
	}
	events := []Event{SplitOff{Child: c.Child, Alerts: alerts, Reason: c.Reason, At: c.At.UTC()}}
	for _, a := range alerts {
		events = append(events, AlertUnlinked{Alert: a, MovedTo: c.Child, At: c.At.UTC()})
	}
	return events, nil
}

func decideReSnapshotProfile(c ReSnapshotProfile, cs Case) ([]Event, error) {
	p, err := validProfile(c.Profile)
	if err = firstErr(err, text("reason", c.Reason, true)); err != nil {
		return nil, err
	}
	if err := mustBeOpen(cs, c.IncidentID); err != nil {
		return nil, err
	}
	if cs.HasProfile() && cs.Profile.Equal(p) {
		return nil, nil
	}
	return []Event{ProfileSnapshotted{Profile: p, Reason: c.Reason, At: c.At.UTC()}}, nil
}

// ---- state checks ----

// mustExist returns an error matching domain.ErrNotFound when the incident
// was never opened.
func mustExist(cs Case, id string) error {
	if !cs.Exists() {
		return fmt.Errorf("incident %s: %w", id, domain.ErrNotFound)
	}
	return nil
}

// mustBeOpen is mustExist, and an error matching ErrClosed when the incident
// is closed.
func mustBeOpen(cs Case, id string) error {
	if err := mustExist(cs, id); err != nil {
		return err
	}
	if cs.Closed() {
		return closedError(cs, id)
	}
	return nil
}

func closedError(cs Case, id string) error {
	if cs.MergedInto != "" {
		return fmt.Errorf("%w: incident %s (%w: %s)", ErrClosed, id, ErrMerged, cs.MergedInto)
	}
	return fmt.Errorf("%w: incident %s: reopen it first", ErrClosed, id)
}

// ---- field checks ----

// text checks free text (a description, note or reason): required or
// not, at most MaxTextLen bytes of UTF-8 without NUL.
func text(field, s string, required bool) error {
	switch {
	case strings.TrimSpace(s) == "":
		if required {
			return &domain.FieldError{Field: field, Reason: "missing"}
		}
		if s != "" {
			return &domain.FieldError{Field: field, Reason: "blank"}
		}
	case len(s) > MaxTextLen:
		return &domain.FieldError{Field: field, Reason: fmt.Sprintf("longer than %d bytes", MaxTextLen)}
	case !utf8.ValidString(s):
		return &domain.FieldError{Field: field, Reason: "not valid UTF-8"}
	case strings.IndexByte(s, 0) >= 0:
		return &domain.FieldError{Field: field, Reason: "holds a NUL character"}
	}
	return nil
}

// line checks a one-line field (already trimmed): required or not, at most
// maxLen bytes of UTF-8 without control characters.
func line(field, s string, required bool, maxLen int) error {
	switch {
	case s == "":
		if required {
			return &domain.FieldError{Field: field, Reason: "missing"}
		}
	case len(s) > maxLen:
		return &domain.FieldError{Field: field, Value: truncate(s), Reason: fmt.Sprintf("longer than %d bytes", maxLen)}
	case !utf8.ValidString(s):
		return &domain.FieldError{Field: field, Reason: "not valid UTF-8"}
	case strings.ContainsFunc(s, unicode.IsControl):
		return &domain.FieldError{Field: field, Value: s, Reason: "holds a control character (a line break?)"}
	}
	return nil
}

// truncate shortens a value quoted in an error.
func truncate(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// otherIncident checks the ID of another incident (a merge target, a split
// parent or child).
func otherIncident(field, id, self string) error {
	if err := domain.ValidateID(field, id); err != nil {
		return err
	}
	if id == self {
		return &domain.FieldError{Field: field, Value: id, Reason: "is the incident itself"}
	}
	return nil
}

// alertIDs checks a list of alert IDs and drops repeats (keeping the first);
// nil when empty.
func alertIDs(field string, ids []string, required bool) ([]string, error) {
	if len(ids) == 0 {
		if required {
			return nil, &domain.FieldError{Field: field, Reason: "missing: at least one alert"}
		}
		return nil, nil
	}
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if err := domain.ValidateID(fmt.Sprintf("%s[%d]", field, i), id); err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// validProfile normalises and validates a profile to snapshot. The result
// shares no slice with p.
func validProfile(p tenant.Profile) (tenant.Profile, error) {
	p = p.Normalize()
	return p, p.Validate("profile.")
}

func optionalProfile(p *tenant.Profile) (*tenant.Profile, error) {
	if p == nil {
		return nil, nil
	}
	v, err := validProfile(*p)
	return &v, err
}

// normalizeObservable returns v in its canonical form for typ, or the reason
// it is not a valid value: surrounding white space trimmed; IP addresses and
// prefixes in canonical form; domains, host names, hashes and the domain of
// e-mail addresses in lower case (domains and host names without a trailing
// dot); hashes of the right length in hex.
func normalizeObservable(typ ObservableType, v string) (string, string) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", "missing"
	case len(v) > MaxValueLen:
		return "", fmt.Sprintf("longer than %d bytes", MaxValueLen)
	case !utf8.ValidString(v):
		return "", "not valid UTF-8"
	case strings.ContainsFunc(v, unicode.IsControl):
		return "", "holds a control character"
	}
	noSpace := func(v string) (string, string) {
		if strings.ContainsFunc(v, unicode.IsSpace) {
			return "", "holds white space"
		}
		return v, ""
	}
	switch typ {
	case ObservableIP:
		if a, err := netip.ParseAddr(v); err == nil {
			return a.String(), ""
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			return p.String(), ""
		}
		return "", "not an IP address or prefix"
	case ObservableDomain:
		d := strings.TrimSuffix(strings.ToLower(v), ".")
		if !validDomain(d) {
			return "", "not a domain name"
		}
		return d, ""
	case ObservableHost:
		return noSpace(strings.TrimSuffix(strings.ToLower(v), "."))
	case ObservableMD5, ObservableSHA1, ObservableSHA256:
		n := map[ObservableType]int{ObservableMD5: 32, ObservableSHA1: 40, ObservableSHA256: 64}[typ]
		h := strings.ToLower(v)
		if len(h) != n || strings.IndexFunc(h, func(r rune) bool { return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') }) >= 0 {
			return "", fmt.Sprintf("want %d hexadecimal digits", n)
		}
		return h, ""
	case ObservableEmail:
		at := strings.LastIndexByte(v, '@')
		if at <= 0 || at == len(v)-1 || !validDomain(strings.ToLower(v[at+1:])) {
			return "", "not an e-mail address"
		}
		return noSpace(v[:at+1] + strings.ToLower(v[at+1:]))
	case ObservableURL:
		return noSpace(v)
	}
	return v, ""
}

// validDomain reports whether d (lower case) is a plausible domain name:
// dot-separated labels of 1 to 63 letters, digits, '-' and '_', at most 253
// bytes (internationalised labels allowed as they are).
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
				return false
			}
		}
	}
	return true
}
