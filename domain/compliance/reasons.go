package compliance

// Reasons: Obligation.Reason says why an obligation is (or is not, or not
// yet) required. A not_required verdict carries the reason in this field
// ("not_required(reclassified)" in compliance-spec.md §4.5 is Verdict
// not_required with Reason ReasonReclassified).
const (
	// Required (yes).
	ReasonSignificant      = "significant_incident"        // NIS2 Art. 23(3)
	ReasonTSPTrustService  = "tsp_trust_service_affected"  // NIS2 Art. 23(4)(b): 24 h
	ReasonOngoing          = "ongoing_at_final_report_due" // NIS2 Art. 23(4)(e)
	ReasonMajor            = "major_incident"              // 2024/1772 Art. 8
	ReasonRecovered        = "regular_activities_recovered"
	ReasonReportSent       = "reclassified_after_report" // ITS 2025/302 Art. 5
	ReasonNotifiable       = "notifiable_breach"         // GDPR Art. 33(1)
	ReasonHighRisk         = "high_risk"                 // GDPR Art. 34(1)
	ReasonAuthorityRequest = "authority_request"

	// Conditional: may become required.
	ReasonNotSignificant  = "not_classified_significant"
	ReasonNotClassified   = "not_classified_major"
	ReasonNoRequest       = "no_request"
	ReasonNotRecovered    = "regular_activities_not_recovered"
	ReasonNotReclassified = "not_reclassified"
	ReasonNotAssessed     = "breach_not_assessed"
	ReasonHandlingOpen    = "handling_not_completed"

	// Not required.
	ReasonNonMajor          = "classified_non_major"
	ReasonReclassified      = "reclassified"
	ReasonDeclassified      = "declassified"
	ReasonHandlingCompleted = "handling_completed_before_final_report_due"
	ReasonNoReportSent      = "no_dora_report_sent"
	ReasonUnlikelyRisk      = "unlikely_to_result_in_risk"
	ReasonReassessed        = "reassessed_unlikely_to_result_in_risk"
	ReasonNoHighRisk        = "no_high_risk"
)

// Rule references (ruleRef of every obligation row).
const (
	RuleNIS2EarlyWarning   = "NIS2 Art. 23(4)(a)"
	RuleNIS2Notification   = "NIS2 Art. 23(4)(b)"
	RuleNIS2Intermediate   = "NIS2 Art. 23(4)(c)"
	RuleNIS2Final          = "NIS2 Art. 23(4)(d)"
	RuleNIS2Progress       = "NIS2 Art. 23(4)(e)"
	RuleNIS2Request        = "NIS2 Art. 23(4)"
	RuleDORAInitial        = "DORA RTS 2025/301 Art. 5(1)(a)"
	RuleDORAInitialLate    = "DORA RTS 2025/301 Art. 5(2)"
	RuleDORAIntermediate   = "DORA RTS 2025/301 Art. 5(1)(b)"
	RuleDORAFinal          = "DORA RTS 2025/301 Art. 5(1)(c)"
	RuleDORAReclass        = "DORA ITS 2025/302 Art. 5"
	RuleDORARequest        = "DORA Art. 19(4)"
	RuleGDPRAuthority      = "GDPR Art. 33(1)"
	RuleGDPRSubjects       = "GDPR Art. 34(1)"
	RuleGDPRSupplement     = "GDPR Art. 33(4)"
	RuleGDPRRequest        = "GDPR Art. 31"
	RuleDORACyberThreat    = "DORA Art. 19(2)"
	RuleDORAClientNotice   = "DORA Art. 19(3)"
	RuleNIS2RecipientNote  = "NIS2 Art. 23(1)"
	RuleNIS2CSIRTResponse  = "NIS2 Art. 23(5)"
	RuleGDPRDocumentBreach = "GDPR Art. 33(5)"
)
