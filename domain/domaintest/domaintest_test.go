package domaintest_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/domaintest"
)

// renamed is at schema 2: schema 1 called the name "title".
type renamed struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

type closed struct {
	At time.Time `json:"at"`
}

func (renamed) EventType() string { return "test.renamed" }
func (closed) EventType() string  { return "test.closed" }

func newCodec() *domain.Codec[domain.Event] {
	return domain.NewCodec[domain.Event]().
		Register(renamed{}, 2).
		Register(closed{}, 1).
		Upcast("test.renamed", 1, func(data json.RawMessage) (json.RawMessage, error) {
			var v1 map[string]any
			if err := json.Unmarshal(data, &v1); err != nil {
				return nil, err
			}
			v1["name"] = v1["title"]
			delete(v1, "title")
			return json.Marshal(v1)
		})
}

// TestCheckSamples: the samples at the current schemas come back decoded;
// the older one of test.renamed passes because it upcasts.
func TestCheckSamples(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	got := domaintest.CheckSamples(t, newCodec(), filepath.Join("testdata", "events"))
	if len(got) != 2 || got["test.renamed"] != (renamed{Name: "Acme", At: at}) || got["test.closed"] != (closed{At: at.Add(30 * time.Minute)}) {
		t.Fatalf("samples %#v", got)
	}
	domaintest.CheckRoundTrip[domain.Event](t, newCodec(), renamed{Name: "x", At: at}, closed{})
}

// A counter: Add adds a positive amount, and nothing is added to a closed
// counter.
type (
	add     struct{ N int }
	closeIt struct{}
	counter struct {
		Sum    int
		Closed bool
	}
)

var errClosed = errors.New("closed")

var counterDecider = domain.Decider[any, any, counter]{
	Decide: func(c any, s counter) ([]any, error) {
		switch c := c.(type) {
		case add:
			switch {
			case c.N <= 0:
				return nil, &domain.FieldError{Field: "n", Reason: "must be positive"}
			case s.Closed:
				return nil, &domain.InvalidTransitionError{Aggregate: "counter", From: "closed", To: "closed"}
			}
			return []any{c.N}, nil
		case closeIt:
			if s.Closed {
				return nil, nil
			}
			return []any{"closed"}, nil
		}
		return nil, errClosed
	},
	Evolve: func(s counter, e any) counter {
		switch e := e.(type) {
		case int:
			s.Sum += e
		case string:
			s.Closed = true
		}
		return s
	},
}

func TestRunDecider(t *testing.T) {
	t.Parallel()
	domaintest.RunDecider(t, counterDecider, []domaintest.Row[any, any]{
		{Name: "add", Given: []any{1}, When: add{N: 2}, Want: []any{2}},
		{Name: "no-op", Given: []any{"closed"}, When: closeIt{}},
		{Name: "field error", When: add{N: 0}, WantField: "n"},
		{Name: "field error matching ErrInvalid", When: add{N: -1}, WantErr: domain.ErrInvalid, WantField: "n"},
		{Name: "transition", Given: []any{"closed"}, When: add{N: 1},
			WantErr: &domain.InvalidTransitionError{Aggregate: "counter", From: "closed", To: "closed"}},
		{Name: "sentinel", When: 42, WantErr: errClosed},
	})
}
