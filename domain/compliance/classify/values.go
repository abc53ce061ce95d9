package classify

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
)

// Flag is a yes/no fact of an assessment; Estimated marks a fact that is
// an estimate or a likelihood rather than established.
type Flag struct {
	Yes       bool
	Estimated bool
}

// Span is a length of time (a duration, a downtime).
type Span struct {
	Duration  time.Duration
	Estimated bool
}

// Share is how many were affected (clients, users, transactions, domain
// names): a count and the percentage of the relevant base, as the entity
// assessed them. Either may be zero when unknown; a criterion that needs the
// unknown one is then not met.
type Share struct {
	Count int64
	// Percent is the share of the base in percent (12.5 means 12.5 %).
	Percent   float64
	Estimated bool
}

// ShareOf returns the share of count in base (base ≤ 0: percentage
// unknown). The percentage is exact whenever it is a whole number, so the
// boundaries ("more than 10 %") compare exactly.
func ShareOf(count, base int64) Share {
	s := Share{Count: count}
	if base > 0 {
		s.Percent = float64(count) * 100 / float64(base)
	}
	return s
}

// Money is an amount in euro cents.
type Money struct {
	Cents     int64
	Estimated bool
}

// EUR returns whole euros as Money.
func EUR(euros int64) Money { return Money{Cents: euros * 100} }

// Outage is a period of complete or limited unavailability of a service:
// its longest continuous duration and the users it affected.
type Outage struct {
	Duration time.Duration
	// Estimated marks Duration as an estimate (Users carries its own).
	Estimated bool
	Users     Share
}

// percentOver reports whether p is more than limit percent.
func percentOver(p, limit float64) bool { return p > limit }

// overEither reports whether s is above either limb of "more than limitPct
// % or more than limitCount, whichever is smaller".
func overEither(s Share, limitPct float64, limitCount int64) bool {
	return s.Count > limitCount || percentOver(s.Percent, limitPct)
}

// fmtDuration formats d without trailing zero units ("3h", "45m",
// "24h0m1s").
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// fmtMoney formats m as "EUR 150000" or "EUR 150000.50".
func fmtMoney(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	if cents%100 == 0 {
		return fmt.Sprintf("EUR %s%d", sign, cents/100)
	}
	return fmt.Sprintf("EUR %s%d.%02d", sign, cents/100, cents%100)
}

// fmtPercent formats p as "12.5 %".
func fmtPercent(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) + " %" }

// fmtShare formats a share's count and percentage, whichever are known.
func fmtShare(s Share, unit string) string {
	switch {
	case s.Count > 0 && s.Percent > 0:
		return fmt.Sprintf("%d %s (%s)", s.Count, unit, fmtPercent(s.Percent))
	case s.Percent > 0:
		return fmtPercent(s.Percent) + " of " + unit
	}
	return fmt.Sprintf("%d %s", s.Count, unit)
}

// Validation of the inputs: every problem is a *domain.FieldError (which
// matches domain.ErrInvalid).

func checkSpan(field string, s Span) error {
	if s.Duration < 0 {
		return &domain.FieldError{Field: field, Value: s.Duration.String(), Reason: "negative"}
	}
	return nil
}

func checkMoney(field string, m Money) error {
	if m.Cents < 0 {
		return &domain.FieldError{Field: field, Value: fmtMoney(m.Cents), Reason: "negative"}
	}
	return nil
}

// checkShare checks a share; capped shares (of a population) are at most
// 100 %.
func checkShare(field string, s Share, capped bool) error {
	switch {
	case s.Count < 0:
		return &domain.FieldError{Field: field + ".count", Value: strconv.FormatInt(s.Count, 10), Reason: "negative"}
	case math.IsNaN(s.Percent) || math.IsInf(s.Percent, 0) || s.Percent < 0:
		return &domain.FieldError{Field: field + ".percent", Value: fmtPercent(s.Percent), Reason: "want a percentage of at least 0"}
	case capped && s.Percent > 100:
		return &domain.FieldError{Field: field + ".percent", Value: fmtPercent(s.Percent), Reason: "more than 100 %"}
	}
	return nil
}

func checkOutage(field string, o Outage) error {
	if o.Duration < 0 {
		return &domain.FieldError{Field: field + ".duration", Value: o.Duration.String(), Reason: "negative"}
	}
	return checkShare(field+".users", o.Users, true)
}

var memberStatePattern = regexp.MustCompile(`^[A-Z]{2}$`)

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sortedUnique returns the sorted distinct strings of s.
func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
