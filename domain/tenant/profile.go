package tenant

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/socledger/socledger/domain"
)

// Regime is an incident-reporting regime.
type Regime string

// Regimes.
const (
	NIS2 Regime = "NIS2"
	DORA Regime = "DORA"
	GDPR Regime = "GDPR"
)

// Regimes lists every known regime.
var Regimes = []Regime{NIS2, DORA, GDPR}

// NIS2Class is an entity's class under NIS2 Art. 3.
type NIS2Class string

// NIS2 classes.
const (
	NIS2Essential NIS2Class = "essential"
	NIS2Important NIS2Class = "important"
	NIS2None      NIS2Class = "none"
)

// EntityType2690 is the entity type of Implementation Regulation (EU)
// 2024/2690 Art. 1 (empty when the entity is of none of them).
type EntityType2690 string

// Entity types of 2024/2690 (compliance-spec.md §1.3).
const (
	Entity2690DNS         EntityType2690 = "dns"
	Entity2690TLD         EntityType2690 = "tld_registry"
	Entity2690Cloud       EntityType2690 = "cloud"
	Entity2690DataCentre  EntityType2690 = "data_centre"
	Entity2690CDN         EntityType2690 = "cdn"
	Entity2690MSP         EntityType2690 = "msp"
	Entity2690MSSP        EntityType2690 = "mssp"
	Entity2690Marketplace EntityType2690 = "online_marketplace"
	Entity2690Search      EntityType2690 = "search_engine"
	Entity2690Social      EntityType2690 = "social_network"
	Entity2690TSP         EntityType2690 = "trust_service_provider"
)

// EntityTypes2690 lists the entity types of 2024/2690.
var EntityTypes2690 = []EntityType2690{Entity2690DNS, Entity2690TLD, Entity2690Cloud, Entity2690DataCentre,
	Entity2690CDN, Entity2690MSP, Entity2690MSSP, Entity2690Marketplace, Entity2690Search, Entity2690Social, Entity2690TSP}

// DORAEntityType is a financial entity's type under DORA Art. 2. The first
// four (and any entity with NIS2Class essential or important) get no
// weekend relief for initial notifications and intermediate reports
// (2025/301 Art. 5(5)).
type DORAEntityType string

// DORA entity types.
const (
	DORACreditInstitution   DORAEntityType = "credit_institution"
	DORACCP                 DORAEntityType = "central_counterparty"
	DORATradingVenue        DORAEntityType = "trading_venue_operator"
	DORAPaymentInstitution  DORAEntityType = "payment_institution"
	DORAEMoneyInstitution   DORAEntityType = "e_money_institution"
	DORAInvestmentFirm      DORAEntityType = "investment_firm"
	DORACryptoAssetProvider DORAEntityType = "crypto_asset_service_provider"
	DORAInsurance           DORAEntityType = "insurance_undertaking"
	DORAFundManager         DORAEntityType = "fund_manager"
	DORAOther               DORAEntityType = "other_financial_entity"
)

// DORAEntityTypes lists the DORA entity types.
var DORAEntityTypes = []DORAEntityType{DORACreditInstitution, DORACCP, DORATradingVenue, DORAPaymentInstitution,
	DORAEMoneyInstitution, DORAInvestmentFirm, DORACryptoAssetProvider, DORAInsurance, DORAFundManager, DORAOther}

// MonthRule says how "one month after" is computed (compliance-spec.md §4.3).
type MonthRule string

// Month rules.
const (
	// MonthSameInstant: same local clock time, same date next month,
	// clamped to the month's last day (the default and strictest reading).
	MonthSameInstant MonthRule = "SAME_LOCAL_TIME"
	// MonthEU1182EndOfDay: Regulation 1182/71 Art. 3(2)(c), the end of the
	// same-numbered day.
	MonthEU1182EndOfDay MonthRule = "EU1182_END_OF_DAY"
)

// Profile is a tenant's entity profile: what the compliance clocks need to
// know about the organisation (compliance-spec.md §5). An incident snapshots
// it when opened, so a later change never rewrites past deadlines.
type Profile struct {
	Regimes                []Regime       `json:"regimes"`
	NIS2Class              NIS2Class      `json:"nis2Class"`
	IsTSP                  bool           `json:"isTsp"`
	EntityType2690         EntityType2690 `json:"entityType2690,omitempty"`
	DORAEntityType         DORAEntityType `json:"doraEntityType,omitempty"`
	NIS2Art23Displaced     bool           `json:"nis2Art23Displaced"`
	WeekendReliefWithdrawn bool           `json:"weekendReliefWithdrawn"`
	NIS2WeekendRelief      bool           `json:"nis2WeekendRelief"`
	// MemberState is the ISO 3166-1 alpha-2 code of the entity's Member
	// State ("DE").
	MemberState string `json:"memberState"`
	// TZ is the IANA time zone of the entity ("Europe/Berlin"). The domain
	// checks its form only; the edge loads it.
	TZ string `json:"tz"`
	// HolidayCalendarRef names the bank-holiday calendar ("DE", or a
	// tenant-loaded calendar's name); empty means MemberState's.
	HolidayCalendarRef string    `json:"holidayCalendarRef,omitempty"`
	MonthRule          MonthRule `json:"monthRule"`
}

// Has reports whether p includes regime r.
func (p Profile) Has(r Regime) bool { return slices.Contains(p.Regimes, r) }

// Equal reports whether p and q hold the same facts. Both must be
// normalized (Normalize): Regimes are compared in order.
func (p Profile) Equal(q Profile) bool {
	if !slices.Equal(p.Regimes, q.Regimes) {
		return false
	}
	p.Regimes, q.Regimes = nil, nil
	return reflect.DeepEqual(p, q)
}

var (
	memberStatePattern = regexp.MustCompile(`^[A-Z]{2}$`)
	tzPattern          = regexp.MustCompile(`^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$`)
	calendarPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
)

// Normalize fills defaults: NIS2Class none, MonthRule same local time, TZ
// UTC, and sorts and deduplicates Regimes.
func (p Profile) Normalize() Profile {
	if p.NIS2Class == "" {
		p.NIS2Class = NIS2None
	}
	if p.MonthRule == "" {
		p.MonthRule = MonthSameInstant
	}
	if p.TZ == "" {
		p.TZ = "UTC"
	}
	p.Regimes = slices.Clone(p.Regimes)
	slices.Sort(p.Regimes)
	p.Regimes = slices.Compact(p.Regimes)
	return p
}

// Validate checks every field of a normalized profile and returns the first
// problem as a *domain.FieldError whose Field is prefixed with prefix.
func (p Profile) Validate(prefix string) error {
	f := func(name string) string { return prefix + name }
	for i, r := range p.Regimes {
		if err := domain.OneOf(f(fmt.Sprintf("regimes[%d]", i)), r, Regimes...); err != nil {
			return err
		}
	}
	if err := domain.OneOf(f("nis2Class"), p.NIS2Class, NIS2Essential, NIS2Important, NIS2None); err != nil {
		return err
	}
	if p.EntityType2690 != "" {
		if err := domain.OneOf(f("entityType2690"), p.EntityType2690, EntityTypes2690...); err != nil {
			return err
		}
	}
	if p.DORAEntityType != "" {
		if err := domain.OneOf(f("doraEntityType"), p.DORAEntityType, DORAEntityTypes...); err != nil {
			return err
		}
	}
	if p.Has(DORA) && p.DORAEntityType == "" {
		return &domain.FieldError{Field: f("doraEntityType"), Reason: "required when regimes include DORA"}
	}
	if p.Has(NIS2) && p.NIS2Class == NIS2None {
		return &domain.FieldError{Field: f("nis2Class"), Value: string(p.NIS2Class), Reason: "must be essential or important when regimes include NIS2"}
	}
	if p.IsTSP && p.EntityType2690 != "" && p.EntityType2690 != Entity2690TSP {
		return &domain.FieldError{Field: f("isTsp"), Reason: fmt.Sprintf("contradicts entityType2690 %q", p.EntityType2690)}
	}
	if !memberStatePattern.MatchString(p.MemberState) {
		return &domain.FieldError{Field: f("memberState"), Value: p.MemberState, Reason: "want an ISO 3166-1 alpha-2 code such as DE"}
	}
	if !tzPattern.MatchString(p.TZ) {
		return &domain.FieldError{Field: f("tz"), Value: p.TZ, Reason: "want an IANA time zone such as Europe/Berlin"}
	}
	if p.HolidayCalendarRef != "" && !calendarPattern.MatchString(p.HolidayCalendarRef) {
		return &domain.FieldError{Field: f("holidayCalendarRef"), Value: p.HolidayCalendarRef, Reason: "want a calendar name such as DE"}
	}
	if err := domain.OneOf(f("monthRule"), p.MonthRule, MonthSameInstant, MonthEU1182EndOfDay); err != nil {
		return err
	}
	return nil
}

// HolidayCalendar returns the calendar to use: HolidayCalendarRef, else the
// Member State's.
func (p Profile) HolidayCalendar() string {
	if p.HolidayCalendarRef != "" {
		return p.HolidayCalendarRef
	}
	return strings.ToUpper(p.MemberState)
}
