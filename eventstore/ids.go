package eventstore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/socledger/socledger/domain"
)

// EventID is an event's UUID.
type EventID [16]byte

// NewEventID returns a random (version 4) UUID.
func NewEventID() EventID {
	var id EventID
	_, _ = rand.Read(id[:]) // never fails (crypto/rand.Read documents it)
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// IsZero reports whether id is the zero UUID.
func (id EventID) IsZero() bool { return id == EventID{} }

// String formats id in the canonical 8-4-4-4-12 form.
func (id EventID) String() string { return domain.FormatUUID(id) }

// ParseEventID parses a UUID in the canonical 8-4-4-4-12 form.
func ParseEventID(s string) (EventID, error) {
	var id EventID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, fmt.Errorf("eventstore: event ID %q: want the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return EventID{}, fmt.Errorf("eventstore: event ID %q: %w", s, err)
	}
	return id, nil
}

// Hash is a SHA-256 link of a stream's hash chain.
type Hash [32]byte

// String formats h in lower-case hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is the zero hash (the Prev of revision 0).
func (h Hash) IsZero() bool { return h == Hash{} }

// ChainHash computes the tamper-evidence hash of an event: SHA-256 over
// length-prefixed fields (each preceded by its length, 8 bytes big-endian):
// the event's type, data and metadata, then the stream name, the chain
// sequence (the event's revision, 8 bytes big-endian) and prev, the hash of
// the previous event of the stream (zero for revision 0). The content comes
// first so that a store can hash it before it assigns the revision; the
// chain links are computed where the revision is assigned, so concurrent
// appends cannot fork a chain.
func ChainHash(stream string, seq uint64, eventType string, data, metadata []byte, prev Hash) Hash {
	var c ChainHasher
	return c.Link(c.Content(nil, eventType, data, metadata), stream, seq, prev)
}

// ChainHasher computes ChainHash in two steps: Content hashes an event's
// content (type, data, metadata) into a saved state, and Link completes it
// with the stream, sequence and prev. The zero value is ready to use; it is
// not safe for concurrent use.
type ChainHasher struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

// ChainContent is the saved SHA-256 state after an event's content.
type ChainContent []byte

func (c *ChainHasher) reset() {
	if c.h == nil {
		c.h = sha256.New()
	}
	c.h.Reset()
}

func (c *ChainHasher) field(b []byte) {
	c.buf = binary.BigEndian.AppendUint64(c.buf[:0], uint64(len(b)))
	c.h.Write(c.buf)
	c.h.Write(b)
}

// Content hashes an event's content and appends the hash state to dst.
func (c *ChainHasher) Content(dst []byte, eventType string, data, metadata []byte) ChainContent {
	c.reset()
	c.buf = binary.BigEndian.AppendUint64(c.buf[:0], uint64(len(eventType)))
	c.buf = append(c.buf, eventType...)
	c.h.Write(c.buf)
	c.field(data)
	c.field(metadata)
	out, err := c.h.(encoding.BinaryAppender).AppendBinary(dst)
	if err != nil {
		panic("eventstore: sha256 state cannot be saved: " + err.Error()) // never: the standard digest supports it
	}
	return out
}

// Link completes the chain hash of an event whose content state is content.
func (c *ChainHasher) Link(content ChainContent, stream string, seq uint64, prev Hash) Hash {
	c.reset()
	if err := c.h.(encoding.BinaryUnmarshaler).UnmarshalBinary(content); err != nil {
		panic("eventstore: bad chain content state: " + err.Error()) // only from a ChainContent not made by Content
	}
	b := binary.BigEndian.AppendUint64(c.buf[:0], uint64(len(stream)))
	b = append(b, stream...)
	b = binary.BigEndian.AppendUint64(b, 8)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = binary.BigEndian.AppendUint64(b, uint64(len(prev)))
	b = append(b, prev[:]...)
	c.h.Write(b)
	c.buf = b
	c.sum = c.h.Sum(c.sum[:0]) // into a kept buffer: a local array would escape through the interface
	return Hash(c.sum)
}
