package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// factRules are the first_seen rules of the first_seen tests (one with a
// learning period, one without) and a change rule with a diff.
const factRules = firstSeenRules + `
  - id: RUG
    kind: change
    name: tool definition changed after it was first seen
    severity: critical
    condition: event.action == "mcp.tool.definition"
    by: [organization.id, mcp.server.name, gen_ai.tool.name]
    value: mcp.tool.description
    diff: mcp.tool.description
`

func factLine(f Fact) string {
	s := fmt.Sprintf("%s/%s %s key=%s value=%s @%s", f.Rule, f.Version, f.Kind, f.Key, f.Value, f.Time.Sub(t0))
	if f.Text != "" {
		s += " text=" + f.Text
	}
	return s
}

func TestOnFact(t *testing.T) {
	tests := []struct {
		name   string
		events []*event.Event
		want   []string
	}{
		{
			name:   "first_seen reports the learning start and every new value, learning or not",
			events: []*event.Event{initialize(0, "a0", "a"), initialize(time.Minute, "a1", "a"), initialize(2*time.Hour, "b0", "b")},
			want: []string{
				"NEWSRV/1 first_seen key= value= @0s",
				"NEWSRV/1 first_seen key=acme value=a @0s",
				"NEWSRV/1 first_seen key=acme value=b @2h0m0s",
			},
		},
		{
			name:   "without a learning period there is no learning fact; tuples are joined",
			events: []*event.Event{toolCall(0, "c1", "alice", "a"), toolCall(time.Minute, "c2", "alice", "a")},
			want:   []string{"NEWPAIR/1 first_seen key=acme value=alice|a @0s"},
		},
		{
			name:   "change reports the first value and each change, not repeats",
			events: []*event.Event{definition(0, "d1", "read", "v1"), definition(time.Minute, "d2", "read", "v1"), definition(2*time.Minute, "d3", "read", "v2")},
			want: []string{
				"RUG/1 change key=acme|fs|read value=v1 @0s text=v1",
				"RUG/1 change key=acme|fs|read value=v2 @2m0s text=v2",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(loadRules(t, factRules), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			c.SetOnFact(func(f Fact) { got = append(got, factLine(f)) })
			for _, e := range tt.events {
				c.Process(e, func(Match) {})
			}
			c.Flush(func(Match) {})
			equalLines(t, got, tt.want)
		})
	}
}

func TestRestore(t *testing.T) {
	fact := func(rule string, kind rules.Kind, key, value string, at time.Duration) Fact {
		return Fact{Rule: rule, Version: "1", Kind: kind, Key: key, Value: value, Text: value, Time: t0.Add(at)}
	}
	learning := fact("NEWSRV", rules.KindFirstSeen, "", "", 0)
	type step struct {
		restore *Fact
		event   *event.Event
	}
	tests := []struct {
		name     string
		steps    []step
		want     []string
		restored []bool // what Restore returned, in order
	}{
		{
			name: "a restored value is known, a new one fires",
			steps: []step{
				{restore: new(fact("NEWPAIR", rules.KindFirstSeen, "acme", "alice|a", 0))},
				{event: toolCall(time.Hour, "c1", "alice", "a")},
				{event: toolCall(2*time.Hour, "c2", "bob", "a")},
			},
			want:     []string{"NEWPAIR acme [c2] @2h0m0s value=bob|a"},
			restored: []bool{true},
		},
		{
			name: "a restored learning start ends the learning period early",
			steps: []step{
				{restore: &learning},
				{restore: new(fact("NEWSRV", rules.KindFirstSeen, "acme", "a", 0))},
				{event: initialize(2*time.Hour, "a1", "a")},
				{event: initialize(2*time.Hour+time.Minute, "b1", "b")},
			},
			want:     []string{"NEWSRV acme [b1] @2h1m0s value=b"},
			restored: []bool{true, true},
		},
		{
			name: "the earliest learning start wins",
			steps: []step{
				{restore: new(fact("NEWSRV", rules.KindFirstSeen, "", "", 2*time.Hour))},
				{restore: &learning},
				{restore: new(fact("NEWSRV", rules.KindFirstSeen, "", "", time.Hour))},
				{event: initialize(2*time.Hour+time.Minute, "b1", "b")},
			},
			want:     []string{"NEWSRV acme [b1] @2h1m0s value=b"},
			restored: []bool{true, true, true},
		},
		{
			name: "a restored change value is the previous one",
			steps: []step{
				{restore: new(fact("RUG", rules.KindChange, "acme|fs|read", "v1", 0))},
				{event: definition(time.Minute, "d2", "read", "v2")},
			},
			want:     []string{"RUG acme|fs|read [d2] @1m0s v1->v2"},
			restored: []bool{true},
		},
		{
			name: "a restored change value newer than the remembered one replaces it",
			steps: []step{
				{event: definition(0, "d1", "read", "v0")},
				{event: definition(3*time.Minute, "x", "read", "v0")}, // releases d1
				{restore: new(fact("RUG", rules.KindChange, "acme|fs|read", "v1", 5*time.Minute))},
				{event: definition(6*time.Minute, "d3", "read", "v1")},
			},
			restored: []bool{true},
		},
		{
			name: "a restored change value older than the remembered one is ignored",
			steps: []step{
				{event: definition(5*time.Minute, "d1", "read", "v1")},
				{event: definition(8*time.Minute, "x", "read", "v1")}, // releases d1
				{restore: new(fact("RUG", rules.KindChange, "acme|fs|read", "v0", 0))},
				{event: definition(9*time.Minute, "d3", "read", "v1")},
			},
			restored: []bool{false},
		},
		{
			name: "facts of unknown rules, versions or kinds are ignored",
			steps: []step{
				{restore: new(fact("GONE", rules.KindFirstSeen, "acme", "alice|a", 0))},
				{restore: &Fact{Rule: "NEWPAIR", Version: "2", Kind: rules.KindFirstSeen, Key: "acme", Value: "alice|a", Time: t0}},
				{restore: new(fact("NEWPAIR", rules.KindChange, "acme", "alice|a", 0))},
				{restore: &Fact{Rule: "NEWPAIR", Version: "1", Kind: rules.KindFirstSeen, Key: "acme", Value: "alice|a"}}, // no time
				{event: toolCall(time.Hour, "c1", "alice", "a")},
			},
			want:     []string{"NEWPAIR acme [c1] @1h0m0s value=alice|a"},
			restored: []bool{false, false, false, false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(loadRules(t, factRules), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var restored []bool
			var reported []string
			emit := func(m Match) { got = append(got, format(m)) }
			for _, s := range tt.steps {
				if s.restore != nil {
					c.SetOnFact(func(f Fact) { reported = append(reported, factLine(f)) })
					restored = append(restored, c.Restore(*s.restore))
					c.SetOnFact(nil)
					if len(reported) > 0 {
						t.Errorf("Restore(%s) reported %q, want nothing", factLine(*s.restore), reported)
					}
					continue
				}
				c.Process(s.event, emit)
			}
			c.Flush(emit)
			equalLines(t, got, tt.want)
			if fmt.Sprint(restored) != fmt.Sprint(tt.restored) {
				t.Errorf("Restore returned %v, want %v", restored, tt.restored)
			}
		})
	}
}

// TestFactsRoundTrip checks that the facts one Correlator reports, restored
// into another, make it know what the first knew.
func TestFactsRoundTrip(t *testing.T) {
	rs := loadRules(t, factRules)
	a, err := New(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var facts []Fact
	a.SetOnFact(func(f Fact) { facts = append(facts, f) })
	feed := []*event.Event{
		initialize(0, "i1", "a"),
		toolCall(time.Minute, "c1", "alice", `we|ird\`),
		definition(2*time.Minute, "d1", "read", "v1"),
	}
	for _, e := range feed {
		a.Process(e, func(Match) {})
	}
	a.Flush(func(Match) {})

	b, err := New(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range facts {
		if !b.Restore(f) {
			t.Errorf("Restore(%s) = false, want true", factLine(f))
		}
	}
	var got []string
	emit := func(m Match) { got = append(got, format(m)) }
	for _, e := range feed {
		e.Timestamp = e.Timestamp.Add(3 * time.Hour)
		b.Process(e, emit)
	}
	b.Process(definition(3*time.Hour+5*time.Minute, "d2", "read", "v2"), emit)
	b.Flush(emit)
	want := []string{"RUG acme|fs|read [d2] @3h5m0s v1->v2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after restoring %d facts: matches %q, want %q", len(facts), got, want)
	}
}
