// Package normalize turns a decoded log event, whatever layout it came in,
// into a flat detection.Event with the field names Sigma rules use and the
// Sigma logsource (product, category, service) it belongs to, so the same
// rules run on Windows, Sysmon, Linux and network events.
//
// # Layouts
//
// Mapping.Normalize recognises these by their fields and reports which (of
// an Elasticsearch hit, {"_index":…,"_source":{…}}, it takes the _source):
//
//   - evtx (LayoutEvtx): evtx_dump's {"Event":{"System":{…},"EventData":{…}}}.
//     System gives EventID (also from {"#text":…}), Channel, Computer and the
//     rest, attributes as Name_Attribute (Provider_Name, Provider_Guid,
//     TimeCreated_SystemTime, Execution_ProcessID, Security_UserID…);
//     every EventData field (also the {"Data":[{"#attributes":{"Name":…},
//     "#text":…}]} form) and every field of UserData's element becomes a
//     top-level field. Product windows.
//   - wazuh-windows (LayoutWazuh): Wazuh's {"win":{"system":{…},
//     "eventdata":{…}}}, alone or in an alert's data; System's fields get
//     their evtx names (eventID → EventID, providerName → Provider_Name) and
//     the event data its Windows ones (commandLine → CommandLine). Product
//     windows.
//   - windows-flat (LayoutWindowsFlat): Security-Datasets / HELK style, the
//     same names at the top (a Channel, or an EventID with a Windows field
//     such as Computer or SourceName). Provider_Name and Computer are added
//     from SourceName / ProviderName and Hostname. Product windows.
//   - ecs (LayoutECS): Elastic Common Schema. Winlogbeat documents
//     (winlog.*) also get EventID, Channel, Computer, Provider_Name and the
//     bare names of winlog.event_data.*, product windows; other ECS
//     documents get their product from host.os.type. The mapping adds the
//     Sysmon names (Image from process.executable, CommandLine from
//     process.command_line…), keeping the ECS ones.
//   - zeek (LayoutZeek): Zeek's JSON logs, typed by _path, by Bro's
//     {"dns":{…}} wrapping, or by their fields (conn_state → conn,
//     qtype_name → dns, …); product zeek, service the log type, _path set
//     when missing. Zeek's own names (id.orig_h, query, …) are the ones the
//     SigmaHQ zeek rules use.
//   - auditd (LayoutAuditd): Linux audit records, as ParseAuditd makes them
//     from audit.log lines, or JSON alike (an upper-case type and msg=audit(…)
//     or a syscall field); product linux, service auditd. SYSCALL (the call's
//     name, which the SigmaHQ rules test) is added from syscall on x86_64.
//   - generic (LayoutGeneric): anything else, nested objects flattened with
//     dots; the logsource is unknown, so every rule sees the event.
//
// In every layout, nested objects become dotted names ("process.parent.name"),
// arrays of objects become one list per leaf, numbers are json.Number, and a
// field whose name has spaces (Defender's "Threat Name") is also available
// without them ("ThreatName").
//
// # Logsources
//
// A Mapping, loaded from YAML in the spirit of SigmaHQ's tests/thor.yml (see
// LoadMapping; Default is embedded from default_mapping.yml, and thor.yml
// itself loads), lists logsources with conditions on the normalised fields
// (Channel without case, EventID…) and fieldmappings from Sigma names to the
// event's. The default maps the Sysmon event IDs to their categories,
// Security 4688 to process_creation (Image from NewProcessName, ParentImage
// from ParentProcessName), PowerShell and Defender events, and each known
// Windows channel to its service (security, system, sysmon, powershell,
// taskscheduler, wmi, windefend…).
//
// An event may satisfy several logsources (Sysmon EID 1 is product windows,
// category process_creation and service sysmon; EID 13 is registry_set and
// registry_event). Normalize returns one detection.Logsource holding the
// product, the service and the most specific category, and
// Mapping.Matches(rule, event) decides routing from that: a rule's empty
// parts match anything and a category matches its sub-categories, so a
// {windows, process_creation} rule receives Sysmon EID 1 and Security 4688
// events and a {windows, service: security} rule every Security event.
package normalize
