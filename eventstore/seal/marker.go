package seal

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/socledger/socledger/eventstore"
)

// TruncatedEventType is the type of a truncation marker event.
const TruncatedEventType = "audit.truncated"

// Run is a run of a stream's events that retention removed (or is about to
// remove): revisions From to To, inclusive. Prev is the chain link of
// revision From (the hash of revision From-1, zero when From is 0) and Hash
// the hash of revision To, which is the prev link of the first event kept
// after the run. It is eventstore.Truncation as a marker records it.
type Run struct {
	Stream  string          `json:"stream"`
	From    uint64          `json:"from"`
	To      uint64          `json:"to"`
	Prev    eventstore.Hash `json:"-"`
	PrevHex string          `json:"prev"`
	Hash    eventstore.Hash `json:"-"`
	HashHex string          `json:"hash"`
}

func (r Run) String() string {
	return fmt.Sprintf("%s revisions %d to %d", r.Stream, r.From, r.To)
}

// check reports what makes r impossible as a removed run, or "".
func (r *Run) check() string {
	switch {
	case r.Stream == "":
		return "no stream"
	case r.From > r.To:
		return fmt.Sprintf("from %d is after to %d", r.From, r.To)
	case r.To == math.MaxUint64:
		return "to is the largest revision"
	case r.From == 0 && !r.Prev.IsZero():
		return "starts at revision 0 with a non-zero prev link"
	}
	return ""
}

// Marker is the payload of an audit.truncated event: a signed record, in the
// audit stream of the streams it names, of runs of their events removed by
// retention. A marker is not part of its audit stream's seal chain (no
// sequence number, no link to the previous seal): that stream's hash chain
// and the system seals pin it.
type Marker struct {
	// Runs are the removed runs, sorted by stream and first revision. Every
	// run's stream has the marker's audit stream as its AuditStream.
	Runs []Run `json:"runs"`
	// KeyID is the first 8 bytes of SHA-256 of the signing public key, hex.
	KeyID string `json:"keyId"`
	// Signature is the Ed25519 signature of SignedBytes, hex.
	Signature string `json:"signature"`
}

// SignedBytes returns the bytes a marker's signature covers, each field
// preceded by its length (8 bytes, big-endian): the version tag
// "socledger-truncated-v1", the audit stream, the number of runs, then per
// run its stream, From and To (8 bytes big-endian each), Prev and Hash (32
// bytes each), and last the KeyID.
func (m *Marker) SignedBytes(auditStream string) []byte {
	var b bytes.Buffer
	field := func(p []byte) {
		b.Write(binary.BigEndian.AppendUint64(nil, uint64(len(p))))
		b.Write(p)
	}
	field([]byte("socledger-truncated-v1"))
	field([]byte(auditStream))
	field(binary.BigEndian.AppendUint64(nil, uint64(len(m.Runs))))
	for _, r := range m.Runs {
		field([]byte(r.Stream))
		field(binary.BigEndian.AppendUint64(nil, r.From))
		field(binary.BigEndian.AppendUint64(nil, r.To))
		field(r.Prev[:])
		field(r.Hash[:])
	}
	field([]byte(m.KeyID))
	return b.Bytes()
}

func (m *Marker) sign(auditStream string, key ed25519.PrivateKey) {
	m.KeyID = KeyID(key.Public().(ed25519.PublicKey))
	m.Signature = hex.EncodeToString(ed25519.Sign(key, m.SignedBytes(auditStream)))
}

// verifySignature checks the marker's signature with pub.
func (m *Marker) verifySignature(auditStream string, pub ed25519.PublicKey) error {
	if m.KeyID != KeyID(pub) {
		return fmt.Errorf("signed by key %s, not by the trusted key %s", m.KeyID, KeyID(pub))
	}
	sig, err := hex.DecodeString(m.Signature)
	if err != nil || !ed25519.Verify(pub, m.SignedBytes(auditStream), sig) {
		return errors.New("the Ed25519 signature does not match the marker's contents and the trusted key")
	}
	return nil
}

// decodeMarker parses a marker event's payload and its run hashes.
func decodeMarker(data []byte) (*Marker, error) {
	var m Marker
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("truncation marker payload: %w", err)
	}
	if len(m.Runs) == 0 {
		return nil, errors.New("truncation marker names no runs")
	}
	for i := range m.Runs {
		r := &m.Runs[i]
		for _, h := range []struct {
			hex string
			dst *eventstore.Hash
		}{{r.PrevHex, &r.Prev}, {r.HashHex, &r.Hash}} {
			b, err := hex.DecodeString(h.hex)
			if err != nil || len(b) != len(h.dst) {
				return nil, fmt.Errorf("truncation marker run %s: hash %q is not 32 bytes of hex", r, h.hex)
			}
			copy(h.dst[:], b)
		}
		if why := r.check(); why != "" {
			return nil, fmt.Errorf("truncation marker run %s: %s", r, why)
		}
	}
	return &m, nil
}

func encodeMarker(m *Marker) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode truncation marker: %w", err)
	}
	return b, nil
}
