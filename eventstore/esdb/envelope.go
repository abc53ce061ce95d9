package esdb

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"

	"github.com/socledger/socledger/eventstore"
)

// The chain envelope. The server stores an event's custom metadata as
// bytes; the adapter stores there a JSON object holding the event's chain
// links and, verbatim, the caller's metadata:
//
//	{"socledger":{"v":1,"prev":"<64 hex>","hash":"<64 hex>"}}                      no metadata
//	{"socledger":{"v":1,"prev":"<64 hex>","hash":"<64 hex>"},"meta":<the bytes>}   JSON metadata
//	{"socledger":{"v":1,"prev":"<64 hex>","hash":"<64 hex>"},"meta64":"<base64>"}  other bytes
//
// The caller's JSON is copied byte for byte (never re-encoded), so it reads
// back exactly, as the chain hash requires, and the whole stays valid JSON
// for the server's UI and tools.
const (
	envHead   = `{"socledger":{"v":1,"prev":"`
	envMid    = `","hash":"`
	envClose  = `"}`
	envMeta   = `,"meta":`
	envMeta64 = `,"meta64":"`
	envLinks  = len(envHead) + 64 + len(envMid) + 64 + len(envClose)
	// envelopeMax bounds the envelope's bytes around JSON metadata.
	envelopeMax = envLinks + len(envMeta64) + 2
)

// envelopeSize is the size of the envelope around metadata meta.
func envelopeSize(meta []byte, isJSON bool) int {
	switch {
	case len(meta) == 0:
		return envLinks + 1
	case isJSON:
		return envLinks + len(envMeta) + len(meta) + 1
	}
	return envLinks + len(envMeta64) + base64.StdEncoding.EncodedLen(len(meta)) + 2
}

// wrapMeta appends to dst the envelope of metadata meta with its chain links.
func wrapMeta(dst, meta []byte, isJSON bool, prev, hash eventstore.Hash) []byte {
	dst = append(dst, envHead...)
	dst = hex.AppendEncode(dst, prev[:])
	dst = append(dst, envMid...)
	dst = hex.AppendEncode(dst, hash[:])
	dst = append(dst, envClose...)
	switch {
	case len(meta) == 0:
	case isJSON:
		dst = append(dst, envMeta...)
		dst = append(dst, meta...)
	default:
		dst = append(dst, envMeta64...)
		dst = base64.StdEncoding.AppendEncode(dst, meta)
		dst = append(dst, '"')
	}
	return append(dst, '}')
}

// unwrapMeta reads an envelope back. ok is false for metadata that is not an
// envelope (an event another program wrote).
func unwrapMeta(b []byte) (meta []byte, prev, hash eventstore.Hash, ok bool) {
	if len(b) < envLinks+1 || !bytes.HasPrefix(b, []byte(envHead)) || b[len(b)-1] != '}' {
		return nil, prev, hash, false
	}
	p := len(envHead)
	if _, err := hex.Decode(prev[:], b[p:p+64]); err != nil {
		return nil, prev, hash, false
	}
	p += 64
	if !bytes.Equal(b[p:p+len(envMid)], []byte(envMid)) {
		return nil, prev, hash, false
	}
	p += len(envMid)
	if _, err := hex.Decode(hash[:], b[p:p+64]); err != nil {
		return nil, prev, hash, false
	}
	p += 64
	if !bytes.Equal(b[p:p+len(envClose)], []byte(envClose)) {
		return nil, prev, hash, false
	}
	rest := b[p+len(envClose) : len(b)-1]
	switch {
	case len(rest) == 0:
		return nil, prev, hash, true
	case bytes.HasPrefix(rest, []byte(envMeta)):
		m := rest[len(envMeta):]
		return m[:len(m):len(m)], prev, hash, len(m) > 0
	case bytes.HasPrefix(rest, []byte(envMeta64)) && len(rest) > len(envMeta64) && rest[len(rest)-1] == '"':
		enc := rest[len(envMeta64) : len(rest)-1]
		m := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
		n, err := base64.StdEncoding.Decode(m, enc)
		if err != nil {
			return nil, prev, hash, false
		}
		return m[:n], prev, hash, true
	}
	return nil, prev, hash, false
}

// isJSON reports whether metadata can be embedded as JSON.
func isJSON(meta []byte) bool { return len(meta) > 0 && json.Valid(meta) }
