package rules

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// Pos is a position in a rule file. Line and Column start at 1.
type Pos struct {
	File   string
	Line   int
	Column int
}

// String formats the position as file:line:col.
func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Column)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Kind is what a rule correlates.
type Kind string

// The rule kinds.
const (
	// KindMatch rules look at one event at a time.
	KindMatch Kind = "match"
	// KindSequence rules look for ordered steps within a window per key.
	KindSequence Kind = "sequence"
	// KindThreshold rules count matching events (or distinct values) per key
	// in a sliding window.
	KindThreshold Kind = "threshold"
	// KindFirstSeen rules fire the first time a value appears for a key.
	KindFirstSeen Kind = "first_seen"
	// KindChange rules fire when a value differs from the one remembered for
	// a key.
	KindChange Kind = "change"
)

// Severity is how bad a finding is.
type Severity int

// The severities, in increasing order.
const (
	SeverityLow Severity = iota + 1
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

// String returns the severity's name as written in rule files.
func (s Severity) String() string {
	switch s {
	case SeverityLow:
		return "low"
	case SeverityMedium:
		return "medium"
	case SeverityHigh:
		return "high"
	case SeverityCritical:
		return "critical"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Score is the ECS event.severity number of the severity (21, 47, 73, 99),
// also the default risk score.
func (s Severity) Score() int {
	switch s {
	case SeverityLow:
		return 21
	case SeverityMedium:
		return 47
	case SeverityHigh:
		return 73
	case SeverityCritical:
		return 99
	}
	return 0
}

// ParseSeverity parses low, medium, high or critical.
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "low":
		return SeverityLow, nil
	case "medium":
		return SeverityMedium, nil
	case "high":
		return SeverityHigh, nil
	case "critical":
		return SeverityCritical, nil
	}
	return 0, fmt.Errorf("unknown severity %q: want low, medium, high or critical", s)
}

// Env is what a compiled condition, key or reason template sees: the event
// (its fields at the top level: mcp.method.name, gen_ai.tool.name, ...), the
// events of the earlier steps of a sequence, and the correlation state of the
// match. Helper functions (funcs.go) come on top.
type Env struct {
	*event.Event
	// Steps holds, in a sequence rule, the event that matched each earlier
	// step, by step index: steps[0] is the first step's event. Empty in other
	// rule kinds.
	Steps []*event.Event `expr:"steps"`
	// State describes the correlation when a reason template is rendered.
	State State `expr:"state"`

	// cache, when set, keeps costly helper values for the event (SetCache).
	cache *Cache
	// x is the scratch space of native evaluation.
	x scratch
}

// SetCache makes evaluations with env use c for the values of costly
// helper calls while c is caching env's event (Cache.Begin).
func (env *Env) SetCache(c *Cache) { env.cache = c }

// State is the correlation state a reason template can show.
type State struct {
	// Count is the number of events (threshold) or distinct values
	// (threshold with distinct) in the window, or the number of events in a
	// sequence match.
	Count int `expr:"count"`
	// Distinct lists the distinct values counted, for threshold rules with
	// distinct.
	Distinct []string `expr:"distinct"`
	// Key is the group key the rule correlated on.
	Key string `expr:"key"`
	// Value is the first-seen value, or the new value of a change rule.
	Value string `expr:"value"`
	// Previous is the remembered value of a change rule.
	Previous string `expr:"previous"`
	// Window is the rule's window, as text (10m0s).
	Window string `expr:"window"`
}

// Condition is a compiled boolean expr condition.
type Condition struct {
	Source  string
	Program *vm.Program
	Pos     Pos
	// Index holds the equality conjuncts found at the top level of the
	// condition (after macro expansion): for each indexable field
	// (IndexFields), the constant values one of which the field must equal
	// for the condition to be true. A field absent from Index constrains
	// nothing.
	Index map[string][]string

	native *native // see native.go; nil: the VM runs Program
	probe  probeInfo
}

// IndexFields are the event fields the engine indexes rules on, most
// selective first.
var IndexFields = []string{"gen_ai.tool.name", "event.action", "mcp.method.name", "mcp.server.name"}

// Expr is a compiled expr expression of any type: a group key, a distinct
// field, a watched value.
type Expr struct {
	Source  string
	Program *vm.Program
	Pos     Pos

	native *native // see native.go; nil: the VM runs Program
}

// Template is a reason template: literal text with {{ expr }} parts.
type Template struct {
	Source string
	Parts  []TemplatePart
	Pos    Pos
}

// TemplatePart is a literal or an expression of a template.
type TemplatePart struct {
	Literal string
	Expr    *vm.Program // nil for a literal

	native *native // see native.go; nil: the VM runs Expr
}

// Step is one step of a sequence rule.
type Step struct {
	Name      string
	Condition *Condition
	// By overrides the rule's keys for this step: the group key of the
	// step's event is computed from these expressions instead. It must yield
	// as many values as the rule's By.
	By []*Expr
	// Not makes the step an absence: the sequence matches when no event
	// matches this step between the previous step and the window's end (or
	// the next step).
	Not bool
	// Count is how many matching events the step needs (default 1).
	Count int
	Pos   Pos
}

// Suppress folds repeated alerts of a rule into the first one.
type Suppress struct {
	By  []*Expr
	For time.Duration
	Pos Pos
}

// Rule is a compiled detection rule.
type Rule struct {
	ID             string
	Name           string
	Description    string
	Version        string
	Kind           Kind
	Severity       Severity
	RiskScore      int
	Tags           []string
	References     []string
	FalsePositives []string
	// Response tells the analyst what to do.
	Response string
	Enabled  bool
	// Condition is the whole rule for KindMatch. For correlation kinds it is
	// the filter an event must pass to be counted or remembered (nil: every
	// event).
	Condition *Condition
	Reason    *Template
	Suppress  *Suppress

	// By are the group keys of a correlation rule (default: organization.id
	// and mcp.flow.id).
	By     []*Expr
	Within time.Duration
	// Steps and Until belong to sequence rules.
	Steps []*Step
	Until *Condition
	// Count is the threshold of a threshold rule; Distinct, when set, counts
	// distinct values of this expression instead of events.
	Count    int
	Distinct *Expr
	// Values are the watched value (or tuple of values) of first_seen and
	// change rules.
	Values []*Expr
	// Learning is the learning period of first_seen rules: values first seen
	// within it of the first event the rule saw are remembered silently.
	Learning time.Duration
	// Diff, for change rules, is the text whose old and new versions are
	// shown as a line diff in the alert (nil: old and new values only).
	Diff *Expr
	// MaxKeys bounds the keys a correlation rule remembers (0: the engine's
	// default).
	MaxKeys int

	Tests []Test
	Pos   Pos
	// Source is the file the rule came from.
	Source string
}

// Test is one rule test: events in, expected alerts out.
type Test struct {
	Name string
	// Events are the raw events, in order: inline objects from the rule file
	// or lines of the file named in the test.
	Events []json.RawMessage
	// EventPos is where each event of Events was written: the inline
	// mapping in the rule file, or file:line in EventsFile.
	EventPos []Pos
	// EventsFile is the NDJSON file the events came from, if any, as a path
	// of the file system the rules were loaded from.
	EventsFile string
	Expect     []Expectation
	Pos        Pos
}

// Expectation is an expected outcome of a test for one rule.
type Expectation struct {
	Rule  string
	Count int
	// EvidenceEventIDs, when set, must equal the evidence of the alerts, in
	// order (for one expected alert) .
	EvidenceEventIDs []string
	// Severity, when set, must equal the alerts' severity.
	Severity string
	Pos      Pos
}
