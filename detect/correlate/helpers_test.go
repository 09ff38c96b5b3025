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

// initialize, toolCall and definition build the events of the first_seen
// and change tests: an initialize of server srv, a tool call by user u on
// server srv, and the definition of tool tl of server fs with description
// d.
func initialize(at time.Duration, id, srv string) *event.Event {
	return ev(at, id, method("initialize"), server(srv))
}

func toolCall(at time.Duration, id, u, srv string) *event.Event {
	return ev(at, id, method("tools/call"), user(u), server(srv))
}

func definition(at time.Duration, id, tl, d string) *event.Event {
	return ev(at, id, action("mcp.tool.definition"), server("fs"), tool(tl), desc(d))
}

// matchCase is a row of a table test: events fed in the order given to a
// new Correlator, the matches wanted, and further checks of its counters.
type matchCase struct {
	name    string
	rules   string // the rule file; "" for the table's
	opts    Options
	events  []*event.Event
	noFlush bool // end without Flush: open windows and the buffer stay
	want    []string
	check   func(t *testing.T, c *Correlator)
}

// runMatchCases runs each case as a subtest, over the case's rules or
// src.
func runMatchCases(t *testing.T, src string, cases []matchCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			rs := src
			if tt.rules != "" {
				rs = tt.rules
			}
			got, c := run(t, loadRules(t, rs), tt.opts, !tt.noFlush, tt.events...)
			equalLines(t, got, tt.want)
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

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
