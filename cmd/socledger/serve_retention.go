package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/eventstore/embedded"
)

// Log retention in serve.
//
// Decisions:
//
//   - Only log streams expire: --retain log=90d gives every tenant's log
//     streams a maximum age, --retain log-acme=30d one tenant's (the longest
//     match wins), and log-acme=forever exempts a tenant. Alerts, incidents,
//     tenants, access tokens and audit streams are kept for good; a rule for
//     them is refused rather than ignored.
//   - Nothing expires unless a rule is given: deleting a client's records
//     is a decision its contract makes, not a default.
//   - Age counts from when the store recorded the event, not from the
//     log's own timestamp (which the source controls).
//   - Retention needs the sealer: every removal is first recorded in a
//     signed "audit.truncated" marker, so `socledger verify` still passes
//     and still catches removals nobody signed. So --retain with
//     --seal-interval 0 is refused.
//   - On a cluster (--store esdb) retention belongs to the cluster (stream
//     metadata $maxAge, and its scavenge): --retain is refused there.
//   - A pass runs a minute after start, then every --scavenge-interval, in
//     the background at --scavenge-rate; it never blocks appends. A failed
//     pass is logged and tried again at the next interval.

// retentionFlags are serve's retention settings.
type retentionFlags struct {
	rules    []embedded.RetentionRule
	interval time.Duration
	rate     int64
	envErr   error // a bad SOCLEDGER_RETAIN or SOCLEDGER_SCAVENGE_* value
}

// defaultScavengeInterval is how often serve runs a scavenge pass.
const defaultScavengeInterval = time.Hour

// firstScavengeDelay is how long after start the first pass runs (a
// variable for tests).
var firstScavengeDelay = time.Minute

func addRetentionFlags(flags *flag.FlagSet, getenv func(string) string, r *retentionFlags) {
	r.interval, r.rate = defaultScavengeInterval, embedded.DefaultScavengeRate
	var errs []error
	if v := getenv("SOCLEDGER_RETAIN"); v != "" {
		for _, rule := range strings.Split(v, ",") {
			if err := r.addRule(strings.TrimSpace(rule)); err != nil {
				errs = append(errs, fmt.Errorf("SOCLEDGER_RETAIN: %w", err))
			}
		}
	}
	flags.Func("retain", "log retention `rule` CATEGORY[-TENANT]=AGE, repeatable: log=90d expires every tenant's log events 90 days after they were recorded, "+
		"log-acme=30d one tenant's, log-acme=forever exempts one; ages in d, h, m; only log streams expire (env SOCLEDGER_RETAIN, comma-separated) (default: keep everything)",
		r.addRule)
	flags.Func("scavenge-interval", "how often to remove expired log events: a `duration` (env SOCLEDGER_SCAVENGE_INTERVAL) (default 1h)", func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration such as 1h, not %q", v)
		}
		r.interval = d
		return nil
	})
	flags.Func("scavenge-rate", "the most `bytes` per second a scavenge pass reads and writes, with a K, M or G suffix (env SOCLEDGER_SCAVENGE_RATE) (default 32M)", func(v string) error {
		n, err := parseRate(v)
		if err != nil {
			return err
		}
		r.rate = n
		return nil
	})
	if v := getenv("SOCLEDGER_SCAVENGE_INTERVAL"); v != "" {
		if err := flags.Set("scavenge-interval", v); err != nil {
			errs = append(errs, fmt.Errorf("SOCLEDGER_SCAVENGE_INTERVAL: %w", err))
		}
	}
	if v := getenv("SOCLEDGER_SCAVENGE_RATE"); v != "" {
		if err := flags.Set("scavenge-rate", v); err != nil {
			errs = append(errs, fmt.Errorf("SOCLEDGER_SCAVENGE_RATE: %w", err))
		}
	}
	r.envErr = errors.Join(errs...)
}

// addRule parses one --retain rule.
func (r *retentionFlags) addRule(v string) error {
	target, age, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("rule %q: want CATEGORY[-TENANT]=AGE, e.g. log=90d", v)
	}
	cat, tenant, hasTenant := strings.Cut(target, "-")
	if cat != "log" {
		return fmt.Errorf("rule %q: only log streams expire (alert, incident, tenant, access and audit streams are kept for good)", v)
	}
	prefix := "log-"
	if hasTenant {
		if err := domain.ValidateTenantID(tenant); err != nil {
			return fmt.Errorf("rule %q: tenant: %w", v, err)
		}
		prefix = "log-" + tenant + "."
	}
	d, err := parseAge(age)
	if err != nil {
		return fmt.Errorf("rule %q: %w", v, err)
	}
	for i, rule := range r.rules {
		if rule.Prefix == prefix {
			r.rules[i].MaxAge = d // a flag overrides the environment
			return nil
		}
	}
	r.rules = append(r.rules, embedded.RetentionRule{Prefix: prefix, MaxAge: d})
	return nil
}

// parseAge reads a maximum age: "forever", or a number of days ("90d") or
// a Go duration ("36h").
func parseAge(v string) (time.Duration, error) {
	if v == "forever" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100*365 {
			return 0, fmt.Errorf("age %q: want a number of days from 1 to 36500, such as 90d", v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("age %q: want days (90d), a duration (36h) or forever", v)
	}
	return d, nil
}

// parseRate reads a byte rate such as 32M.
func parseRate(v string) (int64, error) {
	mult := int64(1)
	num := v
	switch {
	case strings.HasSuffix(v, "K"):
		mult, num = 1<<10, v[:len(v)-1]
	case strings.HasSuffix(v, "M"):
		mult, num = 1<<20, v[:len(v)-1]
	case strings.HasSuffix(v, "G"):
		mult, num = 1<<30, v[:len(v)-1]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("rate %q: want a positive number of bytes per second such as 32M", v)
	}
	return n * mult, nil
}

// runScavenger runs a scavenge pass after firstDelay and then every
// interval until ctx ends, logging what each pass did.
func runScavenger(ctx context.Context, store *embedded.Store, ret embedded.Retention, firstDelay, interval time.Duration, logger zerolog.Logger) {
	logger = logger.With().Str("component", "retention").Logger()
	wait := firstDelay
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = interval
		start := time.Now()
		rep, err := store.Scavenge(ctx, ret)
		ev := logger.Info()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			ev = logger.Warn().Err(err)
		}
		ev.Int("segments", rep.Segments).Int("rewritten", rep.Rewritten).Int64("removed", rep.Removed).
			Int64("held", rep.Held).Int64("kept_as_head", rep.Heads).Int64("freed_bytes", rep.BytesFreed).
			Dur("took", time.Since(start)).Msg("scavenge pass")
	}
}
