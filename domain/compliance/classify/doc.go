// Package classify holds the classification helpers of the compliance
// engine (compliance-spec.md §1.2, §1.3, §2.2): from the facts an analyst
// assessed about an incident, it says whether the incident is major under
// DORA (Delegated Regulation (EU) 2024/1772, Arts 6, 8 and 9) or significant
// under NIS2 (Directive (EU) 2022/2555 Art. 23(3) and Implementing
// Regulation (EU) 2024/2690, Arts 3 to 14), by which rule, and which
// criteria are met, and it finds recurring incidents that count as one
// (2024/1772 Art. 8(2), 2024/2690 Art. 4). It is pure: no clock, no I/O.
//
// Its criterion codes are those of incident.CriterionCodes, so a result can
// be recorded as it is: DORAClassification fills an
// incident.AssessClassificationDORA, NIS2Classification an
// incident.ClassifySignificantNIS2.
//
// Decisions where the law and the spec are silent or open:
//
//   - "More than" is strict everywhere: exactly 24 h is not more than 24 h,
//     exactly 10 % is not more than 10 %, exactly EUR 100 000 does not
//     exceed EUR 100 000.
//   - "X % or N, whichever is smaller" (2024/2690, Art. 3(1)(a)) is met when
//     the value is above either limb: more than min(a, b) is more than a or
//     more than b. A limb whose base is unknown (a zero prior-year turnover,
//     a zero Percent) cannot be met; the other limb still can.
//   - A Share holds the count and the percentage as given (ShareOf computes
//     the percentage from a count and its base); percentages of clients,
//     counterparts, users and domain names are at most 100, percentages of
//     daily average transactions may exceed it.
//   - Money is held in euro cents, so boundaries are exact.
//   - DORA: a 9(5)(b) access (a successful, malicious, unauthorised access
//     that may result in data losses) is also the Art. 6(c) gate, so 9(5)(b)
//     alone makes an incident major (8(1)(a)), as §2.2 says. Gate facts are
//     plain assessments (no estimate mark). When 9(5)(b) and two other
//     thresholds are met, the rule is 8(1)(a). Thresholds are counted per
//     9(n) paragraph: 9(1)(a) and 9(1)(b) are one threshold.
//   - NIS2: for an entity type of 2024/2690 the regulation's criteria are
//     the test (it "further specifies the cases" of Art. 23(3)); the general
//     23(3) assessments are used only for the other entities. Art. 3(1)(g)
//     is cited by its specific article point ("IR2024/2690:7(a)"), not as
//     "3(g)"; the recurring rule by the bare "IR2024/2690:4". Art. 3(2)
//     (Scheduled) applies to 2024/2690 entities only and makes the incident
//     not significant whatever else is met. "Completely unavailable" with no
//     duration limit (Arts 6(a), 8(a)) is met by any outage longer than zero.
//     A trust service's weekly unavailability (Art. 14(b)) is at least its
//     longest complete outage.
//   - Recurring incidents (2024/1772 Art. 8(2), 2024/2690 Art. 4): the same
//     apparent root cause is the same text once trimmed, lower-cased and
//     with runs of white space collapsed. "Within 6 months": the last
//     member is detected no later than six calendar months (UTC, clamped to
//     the month's last day) after the first. Incidents that are
//     individually major or significant, that name no root cause or that
//     are scheduled maintenance (NIS2) are left out. Groups do not overlap:
//     per root cause, in order of detection, a group starts at the earliest
//     incident left and ends at the first later incident with which the
//     group, taken together, meets the rule; so a group is complete at the
//     earliest detection at which the rule is met (the detection of its last
//     member is the DORA template's field 2.2). Combined values (CombineDORA):
//     counts, percentages, amounts, durations and downtimes are summed (the
//     incidents count as one incident, so their impacts add up), flags and
//     gate points are or-ed, Member States are united by code (counts given
//     without codes: the largest count). Art. 8(2) is assessed monthly and
//     does not apply to microenterprises or to the entities of DORA Art.
//     16(1); Art. 4 of 2024/2690 applies to its entity types only.
package classify
