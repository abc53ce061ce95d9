package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/eventstore"
)

// EventType is the type of a seal event.
const EventType = "audit.sealed"

// Category is the stream category of audit streams.
const Category = "audit"

// SystemStream is the audit stream of the streams that belong to no tenant
// and of the audit streams themselves.
var SystemStream = domain.StreamName(Category, domain.SystemTenant, "")

// Head is a stream's last revision and chain hash as of a seal.
type Head struct {
	Stream   string          `json:"stream"`
	Revision uint64          `json:"revision"`
	Hash     eventstore.Hash `json:"-"`
	HashHex  string          `json:"hash"`
}

// Seal is the payload of an audit.sealed event.
type Seal struct {
	// Seq numbers the seals of one audit stream from 1.
	Seq uint64 `json:"seq"`
	// From and To bound the global positions the seal covers: every event
	// after From up to To (inclusive) of the streams it names.
	From string `json:"from"`
	To   string `json:"to"`
	// Heads are the streams that changed in the range, sorted by name, with
	// their last revision and chain hash at To.
	Heads []Head `json:"heads"`
	// Prev is the hash (SHA-256 of signed bytes and signature) of the
	// previous seal in this audit stream; empty for the first.
	Prev string `json:"prev,omitempty"`
	// KeyID is the first 8 bytes of SHA-256 of the signing public key, hex.
	KeyID string `json:"keyId"`
	// Signature is the Ed25519 signature of SignedBytes, hex.
	Signature string `json:"signature"`
}

// KeyID returns the key ID of a public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// SignedBytes returns the bytes a seal's signature covers: a version tag,
// the audit stream, then every field but the signature, each length-prefixed.
func (s *Seal) SignedBytes(auditStream string) []byte {
	var b bytes.Buffer
	field := func(p []byte) {
		b.Write(binary.BigEndian.AppendUint64(nil, uint64(len(p))))
		b.Write(p)
	}
	field([]byte("socledger-seal-v1"))
	field([]byte(auditStream))
	field(binary.BigEndian.AppendUint64(nil, s.Seq))
	field([]byte(s.From))
	field([]byte(s.To))
	field(binary.BigEndian.AppendUint64(nil, uint64(len(s.Heads))))
	for _, h := range s.Heads {
		field([]byte(h.Stream))
		field(binary.BigEndian.AppendUint64(nil, h.Revision))
		field([]byte(h.HashHex))
	}
	field([]byte(s.Prev))
	field([]byte(s.KeyID))
	return b.Bytes()
}

// Hash returns the seal's own hash, which the next seal names as Prev.
func (s *Seal) Hash(auditStream string) string {
	h := sha256.New()
	h.Write(s.SignedBytes(auditStream))
	h.Write([]byte(s.Signature))
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Seal) sign(auditStream string, key ed25519.PrivateKey) {
	s.KeyID = KeyID(key.Public().(ed25519.PublicKey))
	s.Signature = hex.EncodeToString(ed25519.Sign(key, s.SignedBytes(auditStream)))
}

// verifySignature checks the seal's signature with pub.
func (s *Seal) verifySignature(auditStream string, pub ed25519.PublicKey) error {
	if s.KeyID != KeyID(pub) {
		return fmt.Errorf("signed by key %s, not by the trusted key %s", s.KeyID, KeyID(pub))
	}
	sig, err := hex.DecodeString(s.Signature)
	if err != nil || !ed25519.Verify(pub, s.SignedBytes(auditStream), sig) {
		return errors.New("the Ed25519 signature does not match the seal's contents and the trusted key")
	}
	return nil
}

// decode parses a seal event's payload and its head hashes.
func decode(data []byte) (*Seal, error) {
	var s Seal
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("seal payload: %w", err)
	}
	for i := range s.Heads {
		h := &s.Heads[i]
		b, err := hex.DecodeString(h.HashHex)
		if err != nil || len(b) != len(h.Hash) {
			return nil, fmt.Errorf("seal head %s: hash %q is not 32 bytes of hex", h.Stream, h.HashHex)
		}
		copy(h.Hash[:], b)
	}
	return &s, nil
}

func encode(s *Seal) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode seal: %w", err)
	}
	return b, nil
}

// AuditStream returns the audit stream whose seals cover stream:
// "audit-<tenant>" for a tenant's stream, SystemStream for streams of no
// tenant (access tokens) and for the audit streams themselves.
func AuditStream(stream string) string {
	cat := domain.StreamCategory(stream)
	if cat == Category || cat == "access" {
		return SystemStream
	}
	tenant, ok := domain.StreamTenant(stream)
	if !ok || domain.ValidateTenantID(tenant) != nil {
		return SystemStream
	}
	return domain.StreamName(Category, tenant, "")
}

// isAudit reports whether stream is an audit stream.
func isAudit(stream string) bool { return strings.HasPrefix(stream, Category+"-") }

func sortHeads(heads []Head) {
	slices.SortFunc(heads, func(a, b Head) int { return strings.Compare(a.Stream, b.Stream) })
}
