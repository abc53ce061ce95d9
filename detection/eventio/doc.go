// Package eventio reads log events, one JSON object each, from a file or a
// stream, and says where each one starts.
//
// Three layouts are accepted and told apart by the first byte that is not
// white space, so callers never name the format:
//
//   - NDJSON: one object per line;
//   - JSON objects one after another, each possibly pretty-printed over many
//     lines, separated by any white space (what evtx_dump and many exporters
//     write);
//   - a JSON array of objects (what ConvertTo-Json and most APIs write).
//
// A UTF-8 byte order mark is skipped, UTF-16 input (with its byte order mark,
// as Windows PowerShell 5 writes files) is converted, and CRLF line ends count
// as one line each.
//
// A Reader streams: its buffer (64 KiB, grown to the largest object, at most
// SetMaxObjectSize's limit) never holds the whole input. Each Record carries
// the decoded object, the input's name, the 1-based line on which the object
// starts and its 0-based index among the input's events, so a detection can
// point back at the exact event ("file:line"). Line numbers come from
// counting the newlines the decoder crosses, not from re-reading the input.
//
// Objects are decoded in one pass by the reader's own decoder, which gives
// the values encoding/json gives with UseNumber (map[string]any, []any,
// string, json.Number, bool, nil; a differential fuzz test holds it to that)
// at several times its speed. Objects are fresh maps the caller owns.
//
// Malformed input yields a *SyntaxError naming the file, line and column.
// Bad values do not end the stream: Next can be called again and goes on with
// the next value. A string left open ends with its line, and in NDJSON input
// an object left unclosed ends where a line starts with '{', so one truncated
// line costs one event. Only errors that leave no safe place to
// resume (an unclosed value at the end of the input, a broken array, an
// object over the size limit, a read error) are final and returned again by
// every later call.
package eventio
