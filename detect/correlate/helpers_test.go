package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// t0 is the time every test event is relative to.
var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// loadRules parses a rule file given inline.
func loadRules(t testing.TB, src string) []*rules.Rule {
	t.Helper()
	set, err := rules.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("rules.Parse: %v", err)
	}
	return set.Rules
}

// ev builds an event at t0+at with id and the given fields set.
func ev(at time.Duration, id string, set ...func(*event.Event)) *event.Event {
	e := &event.Event{Timestamp: t0.Add(at)}
	e.Event.ID = id
	e.Organization.ID = "acme"
	e.MCP.Flow.ID = "f1"
	for _, f := range set {
		f(e)
	}
	return e
}

func method(m string) func(*event.Event) { return func(e *event.Event) { e.MCP.Method.Name = m } }
func action(a string) func(*event.Event) { return func(e *event.Event) { e.Event.Action = a } }
func tool(n string) func(*event.Event)   { return func(e *event.Event) { e.GenAI.Tool.Name = n } }
func flow(f string) func(*event.Event)   { return func(e *event.Event) { e.MCP.Flow.ID = f } }
func user(u string) func(*event.Event)   { return func(e *event.Event) { e.User.ID = u } }
func server(s string) func(*event.Event) { return func(e *event.Event) { e.MCP.Server.Name = s } }
func outcome(o string) func(*event.Event) {
	return func(e *event.Event) { e.Event.Outcome = o }
}
func result(text string) func(*event.Event) {
	return func(e *event.Event) { e.MCP.Result.Text = text }
}
func desc(d string) func(*event.Event) { return func(e *event.Event) { e.MCP.Tool.Description = d } }

// run feeds the events, in the order given, to a new Correlator over the
// rules, flushes when asked, and returns the matches as lines.
func run(t testing.TB, rs []*rules.Rule, opts Options, flush bool, evs ...*event.Event) ([]string, *Correlator) {
	t.Helper()
	c, err := New(rs, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var got []string
	emit := func(m Match) { got = append(got, format(m)) }
	for _, e := range evs {
		c.Process(e, emit)
	}
	if flush {
		c.Flush(emit)
	}
	return got, c
}

// format renders a match as "RULE key [ids] @offset", with step names for
// sequences and the values for change rules.
func format(m Match) string {
	ids := make([]string, len(m.Events))
	for i, e := range m.Events {
		ids[i] = e.Event.ID
		if m.Steps != nil {
			ids[i] += ":" + m.Steps[i]
		}
	}
	s := fmt.Sprintf("%s %s [%s] @%s", m.Rule.ID, m.Key, strings.Join(ids, " "), m.Time.Sub(t0))
	switch {
	case m.Current != "":
		s += fmt.Sprintf(" %s->%s", m.Previous, m.Current)
	case m.State.Value != "":
		s += " value=" + m.State.Value
	case m.State.Distinct != nil:
		s += " distinct=" + strings.Join(m.State.Distinct, ",")
	}
	return s
}

func equalLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("matches:\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func ruleStats(c *Correlator, id string) RuleStats {
	for _, s := range c.Stats().Rules {
		if s.RuleID == id {
			return s
		}
	}
	return RuleStats{}
}
