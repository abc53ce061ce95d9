package esdb

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/socledger/socledger/eventstore"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	t.Parallel()
	prev := eventstore.Hash{1, 2, 3}
	hash := eventstore.Hash{0xff, 0xee}
	for _, tt := range []struct {
		name string
		give []byte
	}{
		{name: "nil"},
		{name: "object", give: []byte(`{"tenant":"acme","actor":"analyst:jdoe"}`)},
		{name: "spaced object", give: []byte(" \n{ \"tenant\" : \"acme\" }\t")},
		{name: "null", give: []byte(`null`)},
		{name: "string", give: []byte(`"x"`)},
		{name: "binary", give: []byte{0, 0xff, '{', '"'}},
		{name: "broken JSON", give: []byte(`{"tenant":`)},
		{name: "looks like an envelope", give: []byte(`{"socledger":{"v":1,"prev":"00"}}`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			js := isJSON(tt.give)
			env := wrapMeta(nil, tt.give, js, prev, hash)
			if len(env) != envelopeSize(tt.give, js) {
				t.Errorf("envelope is %d bytes, envelopeSize says %d", len(env), envelopeSize(tt.give, js))
			}
			if !json.Valid(env) {
				t.Errorf("envelope %q is not valid JSON", env)
			}
			meta, p, h, ok := unwrapMeta(env)
			if !ok || p != prev || h != hash {
				t.Fatalf("unwrapMeta(%q) = prev %s, hash %s, ok %v", env, p, h, ok)
			}
			if !bytes.Equal(meta, tt.give) {
				t.Fatalf("metadata %q reads back as %q", tt.give, meta)
			}
		})
	}
}

func TestUnwrapForeignMetadata(t *testing.T) {
	t.Parallel()
	for _, b := range []string{
		"", "{}", `{"tenant":"acme"}`, `{"socledger":{"v":2}}`,
		envHead + "zz",
		string(wrapMeta(nil, nil, false, eventstore.Hash{}, eventstore.Hash{}))[:envLinks],
	} {
		if _, _, _, ok := unwrapMeta([]byte(b)); ok {
			t.Errorf("unwrapMeta(%q) accepted metadata that is not an envelope", b)
		}
	}
}

func FuzzEnvelope(f *testing.F) {
	f.Add([]byte(`{"tenant":"acme"}`))
	f.Add([]byte{})
	f.Add([]byte("\x00\x01"))
	f.Fuzz(func(t *testing.T, meta []byte) {
		js := isJSON(meta)
		env := wrapMeta(nil, meta, js, eventstore.Hash{9}, eventstore.Hash{8})
		got, prev, hash, ok := unwrapMeta(env)
		if !ok || !bytes.Equal(got, meta) || prev != (eventstore.Hash{9}) || hash != (eventstore.Hash{8}) {
			t.Fatalf("metadata %q: envelope %q reads back as %q, ok %v", meta, env, got, ok)
		}
		_, _, _, _ = unwrapMeta(meta) // never panics on anything
	})
}
