package detect

import (
	"log/slog"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/detect/alert"
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
	// Logger receives rule evaluation errors (never payloads). Default: none.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.EvidenceText <= 0 {
		o.EvidenceText = 1024
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
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

	vm   vm.VM
	env  rules.Env
	cand []int
}

// New returns an Engine for the enabled rules of set.
func New(set *rules.Set, opts Options) *Engine {
	e := &Engine{opts: opts.withDefaults(), set: set}
	for _, r := range set.Rules {
		if !r.Enabled {
			continue
		}
		if r.Kind == rules.KindMatch {
			e.match = append(e.match, r)
		}
	}
	e.index = newRuleIndex(e.match)
	e.stats = make([]RuleStats, len(e.match))
	for i, r := range e.match {
		e.stats[i].RuleID = r.ID
	}
	return e
}

// Process evaluates the rules over ev and calls emit for each alert, in rule
// order. ev is not retained after Process returns (correlation state keeps
// trimmed copies), so the caller may reuse it.
func (e *Engine) Process(ev *event.Event, emit func(*alert.Alert)) {
	e.env = rules.Env{Event: ev}
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
		f := finding{rule: r, events: []*event.Event{ev}}
		emit(e.newAlert(&f, e.reason(&f)))
	}
	e.env = rules.Env{}
}

// Flush closes every open correlation window at the end of the input and
// emits what that completes.
func (e *Engine) Flush(emit func(*alert.Alert)) {}

// reason renders the rule's reason template for a finding, or its name when
// it has none.
func (e *Engine) reason(f *finding) string {
	r := f.rule
	if r.Reason == nil {
		return r.Name
	}
	env := rules.Env{Event: f.events[len(f.events)-1], State: f.state}
	if len(f.events) > 1 {
		env.Steps = f.events
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
