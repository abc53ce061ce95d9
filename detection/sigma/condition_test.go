package sigma_test

import (
	"errors"
	"testing"

	"github.com/socledger/socledger/detection/sigma"
)

func TestParseCondition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		want string // canonical String
	}{
		{"selection", "selection"},
		{"a or b and c", "(a or (b and c))"},
		{"a and b or c", "((a and b) or c)"},
		{"a and b and c or d or e", "((a and b and c) or d or e)"},
		{"not a and b", "(not a and b)"},
		{"not a or not b", "(not a or not b)"},
		{"not (a or b)", "not (a or b)"},
		{"not not a", "not not a"},
		{"(a or b) and c", "((a or b) and c)"},
		{"((a))", "a"},
		{"1 of selection_*", "1 of selection_*"},
		{"all of them", "all of them"},
		{"1 of them", "1 of them"},
		{"ALL OF sel* AND NOT 1 Of filter*", "(all of sel* and not 1 of filter*)"},
		{"selection and not 1 of filter_main_* and not 1 of filter_optional_*",
			"(selection and not 1 of filter_main_* and not 1 of filter_optional_*)"},
		{"sel_parent and (sel_a or (sel_b and not f_b) or all of sel_c_*)",
			"(sel_parent and (sel_a or (sel_b and not f_b) or all of sel_c_*))"},
		{"  a\n  and\tb  ", "(a and b)"},
		{"sel-1 or sel.2", "(sel-1 or sel.2)"},
		{"1 of *", "1 of *"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			t.Parallel()
			e, err := sigma.ParseCondition(tt.give)
			if err != nil {
				t.Fatalf("ParseCondition(%q): %v", tt.give, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("ParseCondition(%q) = %s, want %s", tt.give, got, tt.want)
			}
			again, err := sigma.ParseCondition(e.String())
			if err != nil || again.String() != e.String() {
				t.Errorf("re-parsing %q gave %v, %v", e.String(), again, err)
			}
		})
	}
}

func TestParseConditionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		pos  int
	}{
		{"", 0},
		{"   ", 3},
		{"a and", 5},
		{"a b", 2},
		{"(a or b", 7},
		{"a)", 1},
		{"not", 3},
		{"1 of", 4},
		{"1 of (a)", 5},
		{"all a", 4},
		{"3 of sel*", 0},
		{"sel*", 0},
		{"a and or b", 6},
		{"them", 0},
		{"a & b", 2},
		{"a and (b or c))", 14},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			t.Parallel()
			_, err := sigma.ParseCondition(tt.give)
			ce, ok := errors.AsType[*sigma.ConditionError](err)
			if !ok {
				t.Fatalf("ParseCondition(%q) error = %v, want a *ConditionError", tt.give, err)
			}
			if ce.Pos != tt.pos || ce.Condition != tt.give {
				t.Errorf("ParseCondition(%q) error at offset %d (%v), want offset %d", tt.give, ce.Pos, ce, tt.pos)
			}
		})
	}
}

func TestParseConditionDepth(t *testing.T) {
	t.Parallel()
	deep := ""
	for range 10000 {
		deep += "("
	}
	if _, err := sigma.ParseCondition(deep + "a"); errorKind(err) != "condition" {
		t.Errorf("deeply nested condition: error %v, want a *ConditionError", err)
	}
}
