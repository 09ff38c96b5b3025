package detect

import (
	"log/slog"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// Options configures an Engine. Zero values mean the documented defaults.
type Options struct {
	// EvidenceText is how many bytes of each text (argument values, result
	// text, tool description) an alert's evidence keeps. Default 1024.
	EvidenceText int
	// Ruleset is written to rule.ruleset in alerts.
	Ruleset string
	// Now returns the wall-clock time written to event.created. Default
	// time.Now; tests fix it.
	Now func() time.Time
	// Correlate configures correlation rules: allowed lateness, state
	// bounds. Its Logger defaults to Logger.
	Correlate correlate.Options
	// OnFact, when set, receives every fact the correlation rules learn
	// (correlate.Correlator.SetOnFact), synchronously from Process, Idle and
	// Flush. The pipeline shares them between partitions and keeps them
	// across restarts (docs/state.md).
	OnFact func(correlate.Fact)
	// Logger receives rule evaluation errors (never payloads). Default: none.
	Logger *slog.Logger
}

// DefaultEvidenceText is the evidence text limit a zero
// Options.EvidenceText stands for.
const DefaultEvidenceText = 1024

func (o Options) withDefaults() Options {
	if o.EvidenceText <= 0 {
		o.EvidenceText = DefaultEvidenceText
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Correlate.Logger == nil {
		o.Correlate.Logger = o.Logger
	}
	return o
}

// RuleStats counts what one rule did in an Engine.
type RuleStats struct {
	RuleID    string
	Evaluated uint64
	Matched   uint64
	Errors    uint64
}

// Engine evaluates a rule set over one ordered stream of events. It is not
// safe for concurrent use: give each shard its own Engine.
type Engine struct {
	opts  Options
	set   *rules.Set
	match []*rules.Rule
	index ruleIndex
	stats []RuleStats

	corr *correlate.Correlator
	supp *correlate.Suppressor

	vm  vm.VM
	env rules.Env
	// cache keeps the costly helper values of the event being processed,
	// for the match rules and the correlation rules alike.
	cache   rules.Cache
	cand    []int
	emit    func(*alert.Alert)
	onMatch func(correlate.Match)
}

// New returns an Engine for the enabled rules of set.
func New(set *rules.Set, opts Options) (*Engine, error) {
	e := &Engine{opts: opts.withDefaults()}
	e.env.SetCache(&e.cache)
	e.onMatch = e.correlated
	if err := e.newCorrelation(set); err != nil {
		return nil, err
	}
	e.setMatch(set)
	return e, nil
}

// newCorrelation gives e a fresh Correlator and Suppressor for the rules of
// set; e is unchanged when the rules are refused.
func (e *Engine) newCorrelation(set *rules.Set) error {
	corr, err := correlate.New(set.Rules, e.opts.Correlate)
	if err != nil {
		return err
	}
	corr.SetOnFact(e.opts.OnFact)
	corr.SetCache(&e.cache)
	e.corr = corr
	e.supp = correlate.NewSuppressor(e.opts.Correlate.MaxKeys)
	return nil
}

// setMatch makes the enabled match rules of set the ones e evaluates, with
// their index and fresh counters.
func (e *Engine) setMatch(set *rules.Set) {
	e.set = set
	e.match = nil
	for _, r := range set.Rules {
		if r.Enabled && r.Kind == rules.KindMatch {
			e.match = append(e.match, r)
		}
	}
	e.index = newRuleIndex(e.match)
	e.stats = make([]RuleStats, len(e.match))
	for i, r := range e.match {
		e.stats[i].RuleID = r.ID
	}
}

// Process evaluates the rules over ev and calls emit for each alert, in rule
// order. ev is not retained after Process returns (correlation state keeps
// trimmed copies), so the caller may reuse it.
func (e *Engine) Process(ev *event.Event, emit func(*alert.Alert)) {
	e.cache.Begin(ev)
	defer e.cache.End()
	e.env.Event = ev
	e.cand = e.index.candidates(ev, e.cand)
	for _, i := range e.cand {
		r := e.match[i]
		st := &e.stats[i]
		st.Evaluated++
		ok, err := r.Condition.Eval(&e.vm, &e.env)
		if err != nil {
			st.Errors++
			e.opts.Logger.Debug("rule evaluation failed", "rule_id", r.ID, "event_id", ev.Event.ID, "err", err)
			continue
		}
		if !ok {
			continue
		}
		st.Matched++
		key, folded := e.fold(r, ev)
		if folded {
			continue
		}
		f := finding{rule: r, events: []*event.Event{ev}}
		e.admit(r, key, e.newAlert(&f, e.reason(&f)), emit)
	}
	e.env.Event = nil
	e.emit = emit
	e.corr.Process(ev, e.onMatch)
	e.emit = nil
	e.closeSuppressions(emit)
}

// fold returns the suppression key of an alert of rule r completed by
// trigger, and whether the alert is folded into an open suppression window
// (counted, not sent): then it need not be built at all.
func (e *Engine) fold(r *rules.Rule, trigger *event.Event) (key string, folded bool) {
	if r.Suppress == nil {
		return "", false
	}
	key = e.supp.Key(r, trigger)
	return key, e.supp.Fold(key, r.Suppress.For, trigger.Timestamp, r.Severity.Score())
}

// admit passes an alert through its rule's suppression (key from fold):
// emit receives the alert unless it is folded into an earlier one, and the
// summaries of the suppression windows it closes.
func (e *Engine) admit(r *rules.Rule, key string, a *alert.Alert, emit func(*alert.Alert)) {
	if r.Suppress == nil {
		emit(a)
		return
	}
	for _, out := range e.supp.Admit(a, key, r.Suppress.For, a.MCP.Alert.LastSeen) {
		emit(out)
	}
}

// correlated turns a correlation match into an alert.
func (e *Engine) correlated(m correlate.Match) {
	key, folded := e.fold(m.Rule, m.Events[len(m.Events)-1])
	if folded {
		return
	}
	f := finding{
		rule: m.Rule, key: m.Key, events: m.Events, steps: m.Steps, stepEvents: m.StepEvents, state: m.State,
		previous: m.Previous, current: m.Current, diff: m.Diff,
	}
	a := e.newAlert(&f, e.reason(&f))
	if a.Timestamp.Before(m.Time) {
		a.Timestamp = m.Time
	}
	e.admit(m.Rule, key, a, e.emit)
}

// Flush closes every open correlation window at the end of the input and
// emits what that completes. Call it at the end of a replay or a rule test,
// not when a live pipeline stops.
func (e *Engine) Flush(emit func(*alert.Alert)) {
	e.emit = emit
	e.corr.Flush(e.onMatch)
	e.emit = nil
	for _, a := range e.supp.Flush() {
		emit(a)
	}
}

// Idle releases the events held for reordering, as if the allowed lateness
// had passed, and emits what that completes. A live pipeline calls it when
// the stream has been quiet for a while (correlate.Correlator.Idle).
func (e *Engine) Idle(emit func(*alert.Alert)) {
	e.emit = emit
	e.corr.Idle(e.onMatch)
	e.emit = nil
	e.closeSuppressions(emit)
}

// closeSuppressions emits the summaries of the suppression windows that
// the correlation watermark has passed.
func (e *Engine) closeSuppressions(emit func(*alert.Alert)) {
	if wm := e.corr.Watermark(); !wm.IsZero() {
		for _, a := range e.supp.Advance(wm) {
			emit(a)
		}
	}
}

// Reset drops all correlation and suppression state, as when a Kafka
// partition is revoked.
func (e *Engine) Reset() {
	e.corr.Reset()
	e.supp.Reset()
}

// Restore puts a fact learnt elsewhere (another partition, an earlier run)
// into the correlation state without raising anything
// (correlate.Correlator.Restore). It reports whether a rule used it.
func (e *Engine) Restore(f correlate.Fact) bool { return e.corr.Restore(f) }

// CorrelationStats returns the correlation counters.
func (e *Engine) CorrelationStats() correlate.Stats { return e.corr.Stats() }

// reason renders the rule's reason template for a finding, or its name when
// it has none.
func (e *Engine) reason(f *finding) string {
	r := f.rule
	if r.Reason == nil {
		return r.Name
	}
	env := rules.Env{Event: f.events[len(f.events)-1], State: f.state}
	if r.Kind == rules.KindSequence {
		env.Steps = f.stepEvents
	}
	return r.Reason.Render(&e.vm, &env)
}

// Stats returns a copy of the per-rule counters of the match rules.
func (e *Engine) Stats() []RuleStats {
	out := make([]RuleStats, len(e.stats))
	copy(out, e.stats)
	return out
}

// Indexed reports how many match rules are indexed and how many run for
// every event.
func (e *Engine) Indexed() (indexed, always int) { return e.index.indexed() }
