// Package ruletest runs the tests written in rule files: each test feeds its
// events, in order and in their own event time, through a fresh engine
// holding every rule of the set, closes every window at the end, and
// compares the alerts with the test's expectations. Time never comes from
// the wall clock, so stateful rules are tested offline and deterministically.
package ruletest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// Result is the outcome of one test.
type Result struct {
	Rule *rules.Rule
	Test *rules.Test
	// Failures explain each unmet expectation; empty when the test passed.
	Failures []string
	// Alerts are every alert the test's events raised, of any rule.
	Alerts []*alert.Alert
}

// Passed reports whether every expectation was met.
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// Name is "RULE-ID/test name".
func (r *Result) Name() string { return r.Rule.ID + "/" + r.Test.Name }

// Run runs the tests of every rule in set. A rule's tests run against the
// whole set, so a test can also expect that other rules stay quiet (count 0)
// or fire too.
func Run(set *rules.Set, opts detect.Options) []*Result {
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Unix(0, 0).UTC() }
	}
	var out []*Result
	for _, r := range set.Rules {
		for i := range r.Tests {
			out = append(out, runOne(set, r, &r.Tests[i], opts))
		}
	}
	return out
}

func runOne(set *rules.Set, r *rules.Rule, t *rules.Test, opts detect.Options) *Result {
	res := &Result{Rule: r, Test: t}
	eng, err := detect.New(set, opts)
	if err != nil {
		res.Failures = append(res.Failures, err.Error())
		return res
	}
	emit := func(a *alert.Alert) { res.Alerts = append(res.Alerts, a) }
	for i, raw := range t.Events {
		ev, err := event.Decode(raw, event.Limits{})
		if err != nil {
			where := fmt.Sprintf("event %d", i+1)
			if i < len(t.EventPos) {
				where = t.EventPos[i].String()
			}
			res.Failures = append(res.Failures, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		eng.Process(ev, emit)
	}
	eng.Flush(emit)
	for _, x := range t.Expect {
		res.Failures = append(res.Failures, check(x, res.Alerts)...)
	}
	return res
}

func check(x rules.Expectation, all []*alert.Alert) []string {
	var got []*alert.Alert
	for _, a := range all {
		if a.Rule.ID == x.Rule {
			got = append(got, a)
		}
	}
	var fails []string
	if len(got) != x.Count {
		fails = append(fails, fmt.Sprintf("%s: rule %s raised %d alerts, want %d%s", x.Pos, x.Rule, len(got), x.Count, describe(got)))
		return fails
	}
	if x.EvidenceEventIDs != nil {
		for _, a := range got {
			if ids := a.MCP.Alert.EvidenceEventIDs; !slices.Equal(ids, x.EvidenceEventIDs) {
				fails = append(fails, fmt.Sprintf("%s: rule %s evidence\n\tgot:  %s\n\twant: %s", x.Pos, x.Rule, strings.Join(ids, " "), strings.Join(x.EvidenceEventIDs, " ")))
			}
		}
	}
	if x.Severity != "" {
		for _, a := range got {
			if a.MCP.Alert.Severity != x.Severity {
				fails = append(fails, fmt.Sprintf("%s: rule %s severity %s, want %s", x.Pos, x.Rule, a.MCP.Alert.Severity, x.Severity))
			}
		}
	}
	return fails
}

// describe lists alerts for a failure message.
func describe(as []*alert.Alert) string {
	if len(as) == 0 {
		return ""
	}
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "\n\t%s evidence=[%s] reason=%q", a.Rule.ID, strings.Join(a.MCP.Alert.EvidenceEventIDs, " "), a.MCP.Alert.Reason)
	}
	return b.String()
}
