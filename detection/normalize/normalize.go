package normalize

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/socledger/socledger/detection"
)

// Layout is the shape an event arrived in, recognised by Normalize.
type Layout uint8

// The layouts Normalize recognises (see the package doc for what each
// looks like).
const (
	LayoutGeneric     Layout = iota // anything else: flattened, logsource unknown
	LayoutEvtx                      // evtx_dump: {"Event":{"System":…,"EventData":…}}
	LayoutWindowsFlat               // Security-Datasets / HELK: EventID, Channel… at the top
	LayoutECS                       // Elastic Common Schema, winlogbeat
	LayoutAuditd                    // Linux audit records (ParseAuditd's objects, or JSON alike)
	LayoutZeek                      // Zeek JSON logs (and Bro's {"dns":{…}} wrapping)
	LayoutWazuh                     // Wazuh's Windows events: {"win":{"system":…,"eventdata":…}}
)

// String returns "generic", "evtx", "windows-flat", "ecs", "auditd", "zeek"
// or "wazuh-windows".
func (l Layout) String() string {
	switch l {
	case LayoutEvtx:
		return "evtx"
	case LayoutWindowsFlat:
		return "windows-flat"
	case LayoutECS:
		return "ecs"
	case LayoutAuditd:
		return "auditd"
	case LayoutZeek:
		return "zeek"
	case LayoutWazuh:
		return "wazuh-windows"
	}
	return "generic"
}

// MarshalText returns String's text, for JSON reports.
func (l Layout) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Normalize turns a decoded object (as from eventio, numbers as
// json.Number) into a flat detection.Event whose field names are the ones
// Sigma rules use, the Logsource it belongs to, and the Layout it came in.
//
// Normalize takes ownership of obj: the Event may be obj itself, flattened
// and with fields added, or share its values. The original names stay
// beside the Sigma ones (ECS's process.command_line and CommandLine). The
// Logsource is empty (unknown) for the generic layout and may be partly
// known otherwise (an unmapped Windows channel gives product windows
// alone); Matches says which rules get it. Normalize is safe for concurrent
// use on distinct objects.
func (m *Mapping) Normalize(obj map[string]any) (detection.Event, detection.Logsource, Layout) {
	ev, base, layout := flatten(obj)
	return ev, m.classify(ev, base), layout
}

// flatten recognises obj's layout and flattens it into an event with the
// logsource the layout itself tells.
func flatten(obj map[string]any) (detection.Event, detection.Logsource, Layout) {
	// An Elasticsearch / OpenSearch hit: the event is its _source.
	if src, ok := obj["_source"].(map[string]any); ok && obj["_index"] != nil {
		for _, k := range []string{"_index", "_id"} {
			if _, dup := src[k]; !dup && obj[k] != nil {
				src[k] = obj[k]
			}
		}
		obj = src
	}
	if e, ok := obj["Event"].(map[string]any); ok {
		if _, ok := e["System"].(map[string]any); ok {
			return fromEvtx(obj, e), detection.Logsource{Product: "windows"}, LayoutEvtx
		}
	}
	if s, ok := obj["System"].(map[string]any); ok && (s["EventID"] != nil || s["Channel"] != nil) {
		return fromEvtx(nil, obj), detection.Logsource{Product: "windows"}, LayoutEvtx
	}
	if win, ok := wazuhWin(obj); ok {
		return fromWazuh(obj, win), detection.Logsource{Product: "windows"}, LayoutWazuh
	}
	if _, ok := obj["winlog"].(map[string]any); ok || obj["winlog.channel"] != nil || obj["winlog.event_id"] != nil {
		ev, ls := fromECS(obj, true)
		return ev, ls, LayoutECS
	}
	if isWindowsFlat(obj) {
		return fromWindowsFlat(obj), detection.Logsource{Product: "windows"}, LayoutWindowsFlat
	}
	if typ, inner, ok := zeekType(obj); ok {
		return fromZeek(typ, inner), detection.Logsource{Product: "zeek", Service: typ}, LayoutZeek
	}
	if isAuditd(obj) {
		return fromAuditd(obj), detection.Logsource{Product: "linux", Service: "auditd"}, LayoutAuditd
	}
	if isECS(obj) {
		ev, ls := fromECS(obj, false)
		return ev, ls, LayoutECS
	}
	flattenInPlace(obj)
	return detection.Event(obj), detection.Logsource{}, LayoutGeneric
}

// ---------------------------------------------------------------- evtx

// fromEvtx flattens an evtx_dump event: System's fields (attributes as
// Name_Attribute: Provider_Name, TimeCreated_SystemTime; #text as the value:
// EventID), then EventData's and UserData's fields, then obj's other
// top-level fields.
func fromEvtx(obj, event map[string]any) detection.Event {
	sys, _ := event["System"].(map[string]any)
	ed, _ := event["EventData"].(map[string]any)
	ev := make(detection.Event, len(sys)+len(ed)+8)
	for k, v := range sys {
		systemField(ev, k, v)
	}
	switch x := event["EventData"].(type) {
	case map[string]any:
		for k, v := range x {
			switch k {
			case "#attributes", "#text":
				continue
			case "Data":
				if dataItems(ev, v) {
					continue
				}
			}
			putData(ev, k, v)
		}
	case []any:
		dataItems(ev, x)
	}
	if ud, ok := event["UserData"].(map[string]any); ok {
		for k, v := range ud {
			if k == "#attributes" {
				continue
			}
			child, ok := v.(map[string]any)
			if !ok {
				putData(ev, k, v)
				continue
			}
			for ck, cv := range child {
				if ck != "#attributes" {
					putData(ev, ck, cv)
				}
			}
		}
	}
	for k, v := range obj {
		if k == "Event" {
			continue
		}
		if _, ok := ev[k]; !ok {
			putFlat(ev, k, v)
		}
	}
	return ev
}

// systemField adds one field of System.
func systemField(ev detection.Event, k string, v any) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		for ck, cv := range x {
			switch ck {
			case "#text":
				ev[k] = scalarValue(cv)
			case "#attributes":
				if attrs, ok := cv.(map[string]any); ok {
					for an, av := range attrs {
						ev[attrName(k, an)] = scalarValue(av)
					}
				}
			default:
				putFlat(ev, k+"."+ck, cv)
			}
		}
	default:
		putFlat(ev, k, v)
	}
}

// attrName is k+"_"+attr, without allocating for the usual ones.
func attrName(k, attr string) string {
	switch k + "_" + attr {
	case "Provider_Name":
		return "Provider_Name"
	case "Provider_Guid":
		return "Provider_Guid"
	case "Provider_EventSourceName":
		return "Provider_EventSourceName"
	case "TimeCreated_SystemTime":
		return "TimeCreated_SystemTime"
	case "Execution_ProcessID":
		return "Execution_ProcessID"
	case "Execution_ThreadID":
		return "Execution_ThreadID"
	case "Security_UserID":
		return "Security_UserID"
	case "Correlation_ActivityID":
		return "Correlation_ActivityID"
	case "Correlation_RelatedActivityID":
		return "Correlation_RelatedActivityID"
	case "EventID_Qualifiers":
		return "EventID_Qualifiers"
	}
	return k + "_" + attr
}

// dataItems handles EventData's Data in its XML-shaped form: an item or a
// list of items {"#attributes":{"Name":N},"#text":V}, each becoming N: V.
// It reports false, adding nothing, for any other form.
func dataItems(ev detection.Event, v any) bool {
	var items []any
	switch x := v.(type) {
	case map[string]any:
		items = []any{x}
	case []any:
		items = x
	default:
		return false
	}
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return false
		}
		attrs, _ := m["#attributes"].(map[string]any)
		if _, ok := attrs["Name"].(string); !ok {
			return false
		}
	}
	for _, it := range items {
		m := it.(map[string]any)
		name := m["#attributes"].(map[string]any)["Name"].(string)
		putData(ev, name, m["#text"])
	}
	return true
}

// putData adds an EventData or UserData field, unless System gave one of
// that name, also without its spaces ("Threat Name" → "ThreatName").
func putData(ev detection.Event, k string, v any) {
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["#text"]; ok {
			v = t
		}
	}
	if _, ok := ev[k]; ok {
		return
	}
	putFlat(ev, k, v)
	if strings.IndexByte(k, ' ') >= 0 {
		nk := strings.ReplaceAll(k, " ", "")
		if _, ok := ev[nk]; !ok {
			putFlat(ev, nk, v)
		}
	}
}

// ---------------------------------------------------------------- Wazuh

// wazuhWin returns the "win" object of a Wazuh Windows event, at the top
// (the decoder's input) or under "data" (an alert).
func wazuhWin(obj map[string]any) (map[string]any, bool) {
	win, ok := obj["win"].(map[string]any)
	if !ok {
		if data, ok := obj["data"].(map[string]any); ok {
			win, _ = data["win"].(map[string]any)
		}
	}
	if win == nil {
		return nil, false
	}
	_, ok = win["system"].(map[string]any)
	return win, ok
}

// wazuhSystem maps Wazuh's names of System fields to evtx_dump's.
var wazuhSystem = map[string]string{
	"eventID":       "EventID",
	"channel":       "Channel",
	"computer":      "Computer",
	"providerName":  "Provider_Name",
	"providerGuid":  "Provider_Guid",
	"eventRecordID": "EventRecordID",
	"systemTime":    "TimeCreated_SystemTime",
	"processID":     "Execution_ProcessID",
	"threadID":      "Execution_ThreadID",
	"severityValue": "SeverityValue",
}

// fromWazuh flattens a Wazuh Windows event: System's fields under their
// evtx_dump names, and the event data's under their Windows names (Wazuh
// lower-cases the first letter: image → Image, commandLine → CommandLine).
// The rest of an alert (rule.*, agent.*) is flattened as it is.
func fromWazuh(obj, win map[string]any) detection.Event {
	sys, _ := win["system"].(map[string]any)
	data, _ := win["eventdata"].(map[string]any)
	ev := make(detection.Event, len(sys)+len(data)+len(obj)+4)
	for k, v := range sys {
		name, ok := wazuhSystem[k]
		if !ok {
			name = upperFirst(k)
		}
		putFlat(ev, name, v)
	}
	for k, v := range data {
		putData(ev, upperFirst(k), v)
	}
	for k, v := range obj {
		switch k {
		case "win":
			continue
		case "data":
			if d, ok := v.(map[string]any); ok {
				for dk, dv := range d {
					if dk != "win" {
						putFlat(ev, "data."+dk, dv)
					}
				}
				continue
			}
		}
		if _, dup := ev[k]; !dup {
			putFlat(ev, k, v)
		}
	}
	return ev
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// -------------------------------------------------------- Windows, flat

// windowsHints are fields that, beside EventID, mark a flat Windows event.
var windowsHints = []string{"Provider_Name", "ProviderName", "SourceName", "Computer", "Hostname", "EventRecordID", "RecordNumber"}

func isWindowsFlat(obj map[string]any) bool {
	if _, ok := obj["Channel"].(string); ok {
		return true
	}
	if obj["EventID"] == nil {
		return false
	}
	for _, k := range windowsHints {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

func fromWindowsFlat(obj map[string]any) detection.Event {
	flattenInPlace(obj)
	ev := detection.Event(obj)
	alias(ev, "Provider_Name", "ProviderName", "SourceName")
	alias(ev, "Computer", "Hostname", "ComputerName")
	return ev
}

// alias sets ev[to] from the first of from present, unless ev has to.
func alias(ev detection.Event, to string, from ...string) {
	if v, ok := ev[to]; ok && v != nil {
		return
	}
	for _, f := range from {
		if v, ok := ev[f]; ok && v != nil {
			ev[to] = v
			return
		}
	}
}

// ------------------------------------------------------------------ ECS

func isECS(obj map[string]any) bool {
	if e, ok := obj["ecs"].(map[string]any); ok && e["version"] != nil {
		return true
	}
	if obj["ecs.version"] != nil {
		return true
	}
	if obj["@timestamp"] == nil {
		return false
	}
	e, ok := obj["event"].(map[string]any)
	return ok && (e["category"] != nil || e["kind"] != nil || e["module"] != nil || e["dataset"] != nil)
}

// fromECS flattens an ECS document, keeping its names. A winlogbeat event
// also gets the Windows names (EventID, Channel, Computer, Provider_Name)
// and the bare names of winlog.event_data and winlog.user_data; any event
// gets User as DOMAIN\name from user.domain and user.name.
func fromECS(obj map[string]any, winlog bool) (detection.Event, detection.Logsource) {
	flattenInPlace(obj)
	ev := detection.Event(obj)
	var ls detection.Logsource
	if winlog {
		ls.Product = "windows"
		alias(ev, "EventID", "winlog.event_id", "event.code")
		alias(ev, "Channel", "winlog.channel")
		alias(ev, "Computer", "winlog.computer_name", "host.name")
		alias(ev, "Provider_Name", "winlog.provider_name", "event.provider")
		var buf [64]string
		bare := buf[:0]
		for k := range ev {
			if strings.HasPrefix(k, "winlog.event_data.") || strings.HasPrefix(k, "winlog.user_data.") {
				bare = append(bare, k)
			}
		}
		slices.Sort(bare) // event_data before user_data, deterministically
		for _, k := range bare {
			name, ok := strings.CutPrefix(k, "winlog.event_data.")
			if !ok {
				name = strings.TrimPrefix(k, "winlog.user_data.")
			}
			if _, ok := ev[name]; !ok {
				ev[name] = ev[k]
			}
			if strings.IndexByte(name, ' ') >= 0 {
				alias(ev, strings.ReplaceAll(name, " ", ""), name)
			}
		}
	} else {
		ls.Product = osProduct(ev)
	}
	if _, ok := ev["User"]; !ok {
		if name, ok := ev["user.name"].(string); ok {
			if dom, ok := ev["user.domain"].(string); ok && dom != "" {
				ev["User"] = dom + `\` + name
			} else {
				ev["User"] = name
			}
		}
	}
	return ev, ls
}

// osProduct is the Sigma product of an ECS event's host.os.
func osProduct(ev detection.Event) string {
	for _, k := range []string{"host.os.type", "host.os.family", "host.os.platform"} {
		s, ok := ev[k].(string)
		if !ok || s == "" {
			continue
		}
		switch s = strings.ToLower(s); s {
		case "darwin", "macos", "mac", "osx":
			return "macos"
		case "windows", "linux":
			return s
		case "debian", "ubuntu", "redhat", "rhel", "centos", "fedora", "suse", "arch", "alpine", "amazon":
			return "linux"
		}
	}
	return ""
}

// ----------------------------------------------------------------- Zeek

// zeekSignatures tell a Zeek log's type from its fields when it has no
// _path; the first whose fields are all present wins.
var zeekSignatures = []struct {
	typ    string
	fields []string
}{
	{"conn", []string{"conn_state"}},
	{"dns", []string{"qtype_name"}},
	{"dns", []string{"query", "trans_id"}},
	{"http", []string{"method", "uri"}},
	{"http", []string{"status_code", "resp_mime_types"}},
	{"ssl", []string{"ssl_history"}},
	{"ssl", []string{"validation_status"}},
	{"ssl", []string{"cipher", "curve"}},
	{"x509", []string{"certificate.serial"}},
	{"smb_mapping", []string{"share_type"}},
	{"dce_rpc", []string{"endpoint", "operation"}},
	{"kerberos", []string{"request_type"}},
	{"ntlm", []string{"server_nb_computer_name"}},
	{"ntlm", []string{"domainname", "success"}},
	{"rdp", []string{"security_protocol"}},
	{"rdp", []string{"cookie", "result"}},
	{"ssh", []string{"auth_success"}},
	{"ssh", []string{"host_key"}},
	{"ssh", []string{"auth_attempts"}},
	{"smtp", []string{"helo"}},
	{"smtp", []string{"mailfrom"}},
	{"notice", []string{"note"}},
	{"weird", []string{"name", "peer"}},
	{"dhcp", []string{"assigned_addr"}},
	{"dhcp", []string{"lease_time"}},
	{"ftp", []string{"command", "reply_code"}},
	{"sip", []string{"call_id"}},
	{"snmp", []string{"community"}},
	{"tunnel", []string{"tunnel_type"}},
	{"software", []string{"software_type"}},
	{"dpd", []string{"analyzer", "failure_reason"}},
	{"pe", []string{"machine", "compile_ts"}},
	{"irc", []string{"nick"}},
	{"files", []string{"fuid", "seen_bytes"}},
	{"files", []string{"fuid", "tx_hosts"}},
}

// zeekLogs are Zeek's standard log types, for Bro's {"TYPE":{…}} wrapping.
var zeekLogs = map[string]bool{
	"conn": true, "conn_long": true, "dns": true, "http": true, "ssl": true, "x509": true, "files": true,
	"smtp": true, "ssh": true, "dhcp": true, "ftp": true, "irc": true, "kerberos": true, "ntlm": true,
	"rdp": true, "sip": true, "smb_files": true, "smb_mapping": true, "dce_rpc": true, "snmp": true,
	"socks": true, "tunnel": true, "weird": true, "notice": true, "software": true, "known_hosts": true,
	"known_services": true, "known_certs": true, "known_devices": true, "stats": true,
	"capture_loss": true, "radius": true, "rfb": true, "dpd": true, "pe": true, "ocsp": true,
	"mysql": true, "modbus": true, "dnp3": true, "syslog": true, "intel": true, "signatures": true,
	"traceroute": true, "reporter": true, "mqtt_connect": true, "quic": true, "ldap": true,
}

// zeekType tells whether obj is a Zeek log record and of which type: from
// _path, from Bro's {"TYPE":{…}} wrapping (then inner is the record), or
// from its fields.
func zeekType(obj map[string]any) (typ string, inner map[string]any, ok bool) {
	if p, ok := obj["_path"].(string); ok && p != "" && (obj["ts"] != nil || obj["uid"] != nil || obj["_write_ts"] != nil) {
		return p, obj, true
	}
	if len(obj) == 1 {
		for k, v := range obj {
			if m, ok := v.(map[string]any); ok && m["ts"] != nil && (zeekLogs[k] || isIdent(k) && m["uid"] != nil) {
				return k, m, true
			}
		}
	}
	zeekish := (obj["uid"] != nil || obj["ts"] != nil) && has(obj, "id.orig_h") ||
		has(obj, "certificate.serial") && obj["fingerprint"] != nil ||
		obj["fuid"] != nil && obj["ts"] != nil
	if !zeekish {
		return "", nil, false
	}
	if a, ok := obj["action"].(string); ok && strings.HasPrefix(a, "SMB::FILE_") {
		return "smb_files", obj, true
	}
	for _, s := range zeekSignatures {
		all := true
		for _, f := range s.fields {
			if !has(obj, f) {
				all = false
				break
			}
		}
		if all {
			return s.typ, obj, true
		}
	}
	return "", obj, true
}

// has tells whether obj has field, as a dotted key or one level nested.
func has(obj map[string]any, field string) bool {
	if _, ok := obj[field]; ok {
		return true
	}
	if head, rest, ok := strings.Cut(field, "."); ok {
		if m, ok := obj[head].(map[string]any); ok {
			_, ok := m[rest]
			return ok
		}
	}
	return false
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// fromZeek flattens a Zeek record, keeping Zeek's names (id.orig_h…), and
// sets _path to its type when it has none.
func fromZeek(typ string, rec map[string]any) detection.Event {
	flattenInPlace(rec)
	ev := detection.Event(rec)
	if _, ok := ev["_path"]; !ok && typ != "" {
		ev["_path"] = typ
	}
	return ev
}

// ----------------------------------------------------------- classify

// classify refines the layout's logsource by the mapping's entries and adds
// the Sigma field names of the entries the event matches.
func (m *Mapping) classify(ev detection.Event, base detection.Logsource) detection.Logsource {
	var cbuf [48]int
	cand := cbuf[:0]
	eid, hasEID := detection.ScalarText(ev["EventID"])
	if ch, ok := ev["Channel"].(string); ok && len(ch) <= 200 {
		var kbuf [256]byte
		k := appendLower(kbuf[:0], ch)
		if hasEID && len(m.byChanEID) > 0 {
			k2 := append(append(k, 0), eid...)
			cand = append(cand, m.byChanEID[string(k2)]...)
		}
		cand = append(cand, m.byChan[string(k)]...)
	}
	if hasEID {
		cand = append(cand, m.byEID[eid]...)
	}
	cand = append(cand, m.rest...)
	slices.Sort(cand)

	var mbuf [16]int
	matched := mbuf[:0]
	for _, i := range cand {
		if m.entries[i].matches(ev) {
			matched = append(matched, i)
		}
	}
	ls := base
	var prodSet, servSet bool
	for _, i := range matched {
		e := &m.entries[i]
		if e.ls.Product != "" && !prodSet {
			ls.Product, prodSet = e.ls.Product, true
		}
		if e.ls.Service != "" && !servSet {
			ls.Service, servSet = e.ls.Service, true
		}
		for _, fm := range e.fieldmaps {
			if v, ok := ev[fm.sigma]; ok && v != nil {
				continue
			}
			for _, f := range fm.from {
				if v, ok := ev[f]; ok && v != nil {
					ev[fm.sigma] = v
					break
				}
			}
		}
	}
	if c := m.pickCategory(matched); c != "" {
		ls.Category = c
	}
	return ls
}

// pickCategory chooses among the categories of the matched entries the one
// nested in all the others, else the one of the entry with the most
// conditions, else the first.
func (m *Mapping) pickCategory(matched []int) string {
	best, bestConds := "", -1
	n := 0
	for _, i := range matched {
		e := &m.entries[i]
		if e.ls.Category == "" {
			continue
		}
		n++
		if len(e.conds) > bestConds {
			best, bestConds = e.ls.Category, len(e.conds)
		}
	}
	if n <= 1 {
		return best
	}
outer:
	for _, i := range matched {
		c := m.entries[i].ls.Category
		if c == "" {
			continue
		}
		for _, j := range matched {
			o := m.entries[j].ls.Category
			if o != "" && !strings.EqualFold(c, o) && !m.isA(c, o) {
				continue outer
			}
		}
		return c
	}
	return best
}

func (e *entry) matches(ev detection.Event) bool {
	for i := range e.conds {
		c := &e.conds[i]
		v, ok := ev[c.field]
		if c.absent {
			if ok && v != nil {
				return false
			}
			continue
		}
		if !ok || !valueIn(v, c.values) {
			return false
		}
	}
	return true
}

// valueIn tells whether v, or for a list one of its elements, equals one of
// values as text, without case.
func valueIn(v any, values []string) bool {
	if a, ok := v.([]any); ok {
		for _, x := range a {
			if valueIn(x, values) {
				return true
			}
		}
		return false
	}
	s, ok := detection.ScalarText(v)
	if !ok {
		return false
	}
	for _, want := range values {
		if len(want) == len(s) && strings.EqualFold(want, s) {
			return true
		}
	}
	return false
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// ------------------------------------------------------------ flattening

// scalarValue converts the numbers of objects not decoded with UseNumber
// to json.Number, the form detection.Event holds.
func scalarValue(v any) any {
	switch x := v.(type) {
	case float64:
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	case float32:
		return json.Number(strconv.FormatFloat(float64(x), 'f', -1, 32))
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	}
	return v
}

// flattenInPlace replaces m's nested objects by dotted keys ("a.b.c") and
// adds a space-less copy of each name with spaces. Arrays of objects become
// one list per leaf name, as Elasticsearch indexes them.
func flattenInPlace(m map[string]any) {
	var sbuf [4]string
	spaced := sbuf[:0]
	for k, v := range m {
		switch x := v.(type) {
		case string, json.Number, bool, nil:
		case map[string]any:
			delete(m, k)
			for ck, cv := range x {
				putFlat(m, k+"."+ck, cv)
			}
		case []any:
			putArray(m, k, x)
		default:
			m[k] = scalarValue(v)
		}
		if strings.IndexByte(k, ' ') >= 0 {
			spaced = append(spaced, k)
		}
	}
	for _, k := range spaced {
		if v, ok := m[k]; ok {
			nk := strings.ReplaceAll(k, " ", "")
			if _, ok := m[nk]; !ok {
				m[nk] = v
			}
		}
	}
}

// putFlat adds v to dst under key, flattening objects below it.
func putFlat(dst map[string]any, key string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, cv := range x {
			putFlat(dst, key+"."+k, cv)
		}
	case []any:
		putArray(dst, key, x)
	default:
		dst[key] = scalarValue(v)
	}
}

// putArray adds a list: as it is when it holds only scalars; otherwise its
// scalars (nested lists spliced in) under key and its objects' leaves under
// key.leaf, one list each.
func putArray(dst map[string]any, key string, a []any) {
	plain := true
	for _, e := range a {
		switch e.(type) {
		case string, json.Number, bool, nil:
		default:
			plain = false
		}
	}
	if plain {
		dst[key] = a
		return
	}
	out := make([]any, 0, len(a))
	var leaves map[string][]any
	var order []string
	var walk func([]any)
	walk = func(a []any) {
		for _, e := range a {
			switch x := e.(type) {
			case []any:
				walk(x)
			case map[string]any:
				flat := map[string]any{}
				for k, v := range x {
					putFlat(flat, k, v)
				}
				if leaves == nil {
					leaves = map[string][]any{}
				}
				for k, v := range flat {
					if _, seen := leaves[k]; !seen {
						order = append(order, k)
					}
					if l, ok := v.([]any); ok {
						leaves[k] = append(leaves[k], l...)
					} else {
						leaves[k] = append(leaves[k], v)
					}
				}
			default:
				out = append(out, scalarValue(e))
			}
		}
	}
	walk(a)
	if len(out) > 0 || leaves == nil {
		dst[key] = out
	} else {
		delete(dst, key)
	}
	for _, k := range order {
		dst[key+"."+k] = leaves[k]
	}
}
