package incident

import (
	"slices"
	"strings"
)

// The criterion-code grammar (compliance-spec.md §1.2, §1.3, §2.2), as data.
//
// A code is "<act>:<reference>" where <act> is one of
//
//	NIS2:          Directive (EU) 2022/2555 ("NIS2:23(3)(a)", "NIS2:23(3)(b)")
//	IR2024/2690:   Implementing Regulation (EU) 2024/2690, Arts 3 to 14
//	               ("IR2024/2690:7(a)"; Art. 3 = its paragraph 1, points
//	               (a)-(g); Art. 4, the recurring-incidents rule, is the
//	               bare "IR2024/2690:4")
//	RTS2024/1772:  Delegated Regulation (EU) 2024/1772: the materiality
//	               thresholds 9(1)-9(6) ("RTS2024/1772:9(3)(b)", or the
//	               bare paragraph "RTS2024/1772:9(4)"; 9(5) needs its point
//	               because 9(5)(b) alone is enough under 8(1)(a)), the Art. 6
//	               gate ("RTS2024/1772:6(a)") and the Art. 8 rules
//	               ("RTS2024/1772:8(1)(b)")
//
// and the points each reference may carry are listed in criterionGrammar.
// Which family a field accepts: ClassifiedSignificantNIS2.Criteria takes
// NIS2 and 2024/2690 codes; ClassificationAssessedDORA.Thresholds takes the
// 9(1)-9(6) codes. The gate and rule codes are part of the grammar (for
// exports that cite them), but ClassificationAssessedDORA spells its Gate and
// Rule fields without the act prefix ("6(a)", "8(1)(b)"), as §5 does.

// CriterionFamily says what a criterion code names.
type CriterionFamily string

// Criterion families.
const (
	// CriterionNIS2 is a NIS2 Art. 23(3) test or a 2024/2690 criterion:
	// grounds for a significant NIS2 incident.
	CriterionNIS2 CriterionFamily = "nis2"
	// CriterionDORAThreshold is a 2024/1772 Art. 9 materiality threshold.
	CriterionDORAThreshold CriterionFamily = "dora_threshold"
	// CriterionDORAGate is a 2024/1772 Art. 6 critical-services gate.
	CriterionDORAGate CriterionFamily = "dora_gate"
	// CriterionDORARule is a 2024/1772 Art. 8 classification rule.
	CriterionDORARule CriterionFamily = "dora_rule"
)

// criterionRef is one reference of the grammar: prefix+ref alone (when bare)
// and prefix+ref+"(x)" for every point x in points.
type criterionRef struct {
	family CriterionFamily
	prefix string
	ref    string
	points string // one letter per valid point; "" = no points
	bare   bool   // the reference without a point is a code too
}

// criterionGrammar lists every reference a criterion code may name.
var criterionGrammar = []criterionRef{
	{CriterionNIS2, "NIS2:", "23(3)", "ab", false},
	{CriterionNIS2, "IR2024/2690:", "3", "abcdefg", false},
	{CriterionNIS2, "IR2024/2690:", "4", "", true},
	{CriterionNIS2, "IR2024/2690:", "5", "abc", false},                // DNS
	{CriterionNIS2, "IR2024/2690:", "6", "abc", false},                // TLD registries
	{CriterionNIS2, "IR2024/2690:", "7", "abcd", false},               // cloud
	{CriterionNIS2, "IR2024/2690:", "8", "abcd", false},               // data centres
	{CriterionNIS2, "IR2024/2690:", "9", "abcd", false},               // CDN
	{CriterionNIS2, "IR2024/2690:", "10", "abcd", false},              // MSP, MSSP
	{CriterionNIS2, "IR2024/2690:", "11", "abcd", false},              // online marketplaces
	{CriterionNIS2, "IR2024/2690:", "12", "abcd", false},              // search engines
	{CriterionNIS2, "IR2024/2690:", "13", "abcd", false},              // social networks
	{CriterionNIS2, "IR2024/2690:", "14", "abcde", false},             // trust services
	{CriterionDORAThreshold, "RTS2024/1772:", "9(1)", "abcdef", true}, // clients, counterparts, transactions
	{CriterionDORAThreshold, "RTS2024/1772:", "9(2)", "", true},       // reputational
	{CriterionDORAThreshold, "RTS2024/1772:", "9(3)", "ab", true},     // duration, downtime
	{CriterionDORAThreshold, "RTS2024/1772:", "9(4)", "", true},       // geographical spread
	{CriterionDORAThreshold, "RTS2024/1772:", "9(5)", "ab", false},    // data losses
	{CriterionDORAThreshold, "RTS2024/1772:", "9(6)", "", true},       // economic impact
	{CriterionDORAGate, "RTS2024/1772:", "6", "abc", false},
	{CriterionDORARule, "RTS2024/1772:", "8(1)", "ab", false},
	{CriterionDORARule, "RTS2024/1772:", "8(2)", "", true},
}

// criterionCodes maps every valid code to its family and to the materiality
// threshold it belongs to (the "9(n)" paragraph, except "9(5)(b)", which
// 8(1)(a) names on its own).
var criterionCodes = buildCriterionCodes()

type criterionInfo struct {
	family    CriterionFamily
	threshold string
}

func buildCriterionCodes() map[string]criterionInfo {
	m := map[string]criterionInfo{}
	for _, g := range criterionGrammar {
		if g.bare {
			m[g.prefix+g.ref] = criterionInfo{g.family, g.ref}
		}
		for _, p := range g.points {
			code := g.prefix + g.ref + "(" + string(p) + ")"
			th := g.ref
			if code == thresholdDataAccess {
				th = "9(5)(b)"
			}
			m[code] = criterionInfo{g.family, th}
		}
	}
	return m
}

// thresholdDataAccess is the 2024/1772 Art. 9(5)(b) threshold (a successful,
// malicious, unauthorised access that may result in data losses), enough on
// its own under Art. 8(1)(a).
const thresholdDataAccess = "RTS2024/1772:9(5)(b)"

// CriterionCodes returns every valid criterion code, sorted.
func CriterionCodes() []string {
	codes := make([]string, 0, len(criterionCodes))
	for c := range criterionCodes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// CriterionCodeFamily returns the family of a criterion code, and false
// when the code is not in the grammar.
func CriterionCodeFamily(code string) (CriterionFamily, bool) {
	info, ok := criterionCodes[code]
	return info.family, ok
}

// criterionActs lists the act prefixes, for error messages.
func criterionActs(f CriterionFamily) string {
	var acts []string
	for _, g := range criterionGrammar {
		if g.family == f && !slices.Contains(acts, g.prefix) {
			acts = append(acts, g.prefix)
		}
	}
	return strings.Join(acts, " or ")
}
