package eventstore

import "fmt"

// Limits on names. Backends may impose smaller limits on sizes.
const (
	MaxStreamNameLen = 255
	MaxEventTypeLen  = 255
)

// ValidateStreamName checks a stream name: 1 to MaxStreamNameLen bytes of
// printable ASCII without spaces, slashes or backslashes, starting with a
// category of lower-case letters, digits and '_' followed by '-' and at least
// one more character ("log-acme.fw01", "tenant-acme", "access-7f3a"). Names
// starting with '$' are reserved for KurrentDB system streams and rejected
// because the category must start with a letter.
func ValidateStreamName(stream string) error {
	if err := checkStreamName(stream); err != "" {
		return &InvalidStreamError{Stream: stream, Reason: err}
	}
	return nil
}

func checkStreamName(s string) string {
	switch {
	case s == "":
		return "empty"
	case len(s) > MaxStreamNameLen:
		return fmt.Sprintf("%d bytes, longer than %d", len(s), MaxStreamNameLen)
	case s[0] < 'a' || s[0] > 'z':
		return "must start with a lower-case category letter"
	}
	dash := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '/' || c == '\\' {
			return fmt.Sprintf("byte %d (%q) is not allowed", i, c)
		}
		if dash < 0 {
			switch {
			case c == '-':
				dash = i
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			default:
				return fmt.Sprintf("category contains %q at byte %d; use lower-case letters, digits and '_' before the first '-'", c, i)
			}
		}
	}
	if dash < 0 {
		return "no category: expected <category>-<tenant>[.<id>]"
	}
	if dash == len(s)-1 {
		return "nothing after the category"
	}
	return ""
}

// ValidateEvents checks the events of an append against the naming rules and
// the size limit maxEventSize (the bytes of type, data and metadata
// together), and rejects an EventID repeated within the append; it does not
// check the total size.
func ValidateEvents(stream string, events []EventData, maxEventSize int) error {
	if len(events) == 0 {
		return fmt.Errorf("stream %q: %w", stream, ErrNoEvents)
	}
	for i, ev := range events {
		reason := ""
		switch {
		case ev.Type == "":
			reason = "empty event type"
		case len(ev.Type) > MaxEventTypeLen:
			reason = fmt.Sprintf("event type is %d bytes, longer than %d", len(ev.Type), MaxEventTypeLen)
		case len(ev.Data) == 0:
			reason = fmt.Sprintf("event %q has empty data (a JSON payload is required)", ev.Type)
		default:
			for j := 0; j < len(ev.Type); j++ {
				if c := ev.Type[j]; c <= ' ' || c >= 0x7f {
					reason = fmt.Sprintf("event type %q: byte %d (%q) is not allowed", ev.Type, j, c)
					break
				}
			}
		}
		if reason != "" {
			return &InvalidEventError{Stream: stream, Index: i, Reason: reason}
		}
		if size := len(ev.Type) + len(ev.Data) + len(ev.Metadata); size > maxEventSize {
			return &TooLargeError{Stream: stream, Index: i, Size: size, Limit: maxEventSize}
		}
	}
	return checkRepeatedIDs(stream, events)
}

// checkRepeatedIDs rejects an EventID that occurs twice in one append.
func checkRepeatedIDs(stream string, events []EventData) error {
	if len(events) < 2 {
		return nil
	}
	seen := make(map[EventID]int, len(events))
	for i, ev := range events {
		if ev.EventID.IsZero() {
			continue // the store assigns a fresh one
		}
		if j, ok := seen[ev.EventID]; ok {
			return &InvalidEventError{Stream: stream, Index: i, Reason: fmt.Sprintf("event ID %s repeats event %d of the same append", ev.EventID, j)}
		}
		seen[ev.EventID] = i
	}
	return nil
}
