package domaintest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/socledger/socledger/domain"
)

// Row is one given / when / then row of a decider's test: the command When,
// decided against the state the events Given leave, records the events Want
// (nil for none) or fails as WantErr and WantField say.
type Row[C, E any] struct {
	Name  string
	Given []E
	When  C
	Want  []E
	// WantErr is matched with errors.Is, except a
	// *domain.InvalidTransitionError, which the error must match with
	// errors.As on Aggregate, From and To.
	WantErr error
	// WantField, when set, is the Field of the *domain.FieldError the error
	// must be (matching domain.ErrInvalid).
	WantField string
}

// RunDecider runs every row as a parallel subtest named after it: it folds
// Given from d.Initial, decides When and checks the error and the events.
// A row with neither WantErr nor WantField wants no error.
func RunDecider[C, E, S any](t *testing.T, d domain.Decider[C, E, S], rows []Row[C, E]) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			got, err := d.Decide(tt.When, d.Fold(d.Initial, tt.Given))
			checkErr(t, err, tt.WantErr, tt.WantField)
			if !reflect.DeepEqual(got, tt.Want) {
				t.Fatalf("events:\n got %#v\nwant %#v", got, tt.Want)
			}
		})
	}
}

// checkErr fails t unless err is what wantErr and wantField describe (see
// Row); both empty means no error.
func checkErr(t *testing.T, err, wantErr error, wantField string) {
	t.Helper()
	if wantField != "" {
		var fe *domain.FieldError
		if !errors.As(err, &fe) || fe.Field != wantField || !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("error %v, want a *domain.FieldError on %s", err, wantField)
		}
	}
	var wantTr *domain.InvalidTransitionError
	switch {
	case errors.As(wantErr, &wantTr):
		var tr *domain.InvalidTransitionError
		if !errors.As(err, &tr) || tr.Aggregate != wantTr.Aggregate || tr.From != wantTr.From || tr.To != wantTr.To ||
			!errors.Is(err, domain.ErrInvalidTransition) {
			t.Fatalf("error %v, want %v", err, wantTr)
		}
	case wantErr != nil:
		if !errors.Is(err, wantErr) {
			t.Fatalf("error %v, want one matching %v", err, wantErr)
		}
	case wantField == "" && err != nil:
		t.Fatalf("unexpected error %v", err)
	}
}
