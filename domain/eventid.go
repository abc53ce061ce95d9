package domain

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
)

// eventIDNamespace is the UUID namespace of socledger's derived event IDs
// (a random version 4 UUID fixed once: 2f1c6f0e-93a4-4d43-9b8e-5b7d7c1e0a61).
var eventIDNamespace = [16]byte{0x2f, 0x1c, 0x6f, 0x0e, 0x93, 0xa4, 0x4d, 0x43, 0x9b, 0x8e, 0x5b, 0x7d, 0x7c, 0x1e, 0x0a, 0x61}

// EventID returns the ID of the i-th event (from 0) that the command
// commandID records: a name-based UUID (version 5, SHA-1) of the command ID
// and the index, in canonical form. eventstore.Execute gives every event this
// ID, so running a command twice records it once, and a decider can name an
// event it records (a regulatory fact's ID) before the store sees it.
func EventID(commandID string, i int) string {
	h := sha1.New()
	h.Write(eventIDNamespace[:])
	h.Write([]byte(commandID))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, int64(i), 10))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return FormatUUID(u)
}

// FormatUUID formats a UUID in the canonical 8-4-4-4-12 form, lower case.
func FormatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
