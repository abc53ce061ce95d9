package sigma

import (
	"fmt"
	"strings"
)

// RuleError says why a rule document is invalid and where: the file, the
// 1-based line (0 when unknown) and column, and the attribute path
// ("detection.selection.Image|endswith", "tags"). Err holds the cause when
// there is one (a *ConditionError for a bad condition, a YAML syntax error).
type RuleError struct {
	File   string
	Line   int
	Column int
	Field  string
	Reason string
	Err    error
}

func (e *RuleError) Error() string {
	var b strings.Builder
	writePos(&b, e.File, e.Line)
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns the cause, if any.
func (e *RuleError) Unwrap() error { return e.Err }

// UnsupportedError says that a rule uses a construct this package recognises
// but does not evaluate (yet): a correlation or filter rule, an unknown
// modifier, a regular expression RE2 cannot compile, a placeholder without a
// value, an aggregation in a condition. The rule is valid Sigma, or may be;
// it is never evaluated partially. Construct names the construct
// (`modifier "foo"`, "correlation rule"); Detail adds the specifics.
type UnsupportedError struct {
	File      string
	Line      int
	Construct string
	Detail    string
}

func (e *UnsupportedError) Error() string {
	var b strings.Builder
	writePos(&b, e.File, e.Line)
	b.WriteString("unsupported ")
	b.WriteString(e.Construct)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// ConditionError says why a condition expression does not parse or does not
// resolve: Pos is the byte offset in Condition where the problem is.
type ConditionError struct {
	Condition string
	Pos       int
	Reason    string
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("condition %q: at offset %d: %s", e.Condition, e.Pos, e.Reason)
}

func writePos(b *strings.Builder, file string, line int) {
	if file == "" && line == 0 {
		return
	}
	if file != "" {
		b.WriteString(file)
		b.WriteByte(':')
	}
	if line > 0 {
		fmt.Fprintf(b, "%d:", line)
	}
	b.WriteByte(' ')
}
