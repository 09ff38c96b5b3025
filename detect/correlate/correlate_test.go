package correlate

import (
	"bytes"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// pack holds a rule of every kind; the property and fuzz tests use it.
const pack = `
rules:
  - id: P-SEQ
    kind: sequence
    name: read then send to the same server
    severity: high
    within: 10m
    steps:
      - name: read
        condition: mcp.method.name == "read"
      - name: send
        condition: mcp.method.name == "send" && steps[0].mcp.server.name == mcp.server.name
    until: mcp.method.name == "end"
  - id: P-ABS
    kind: sequence
    name: requested twice, never decided
    severity: medium
    within: 5m
    steps:
      - name: requested
        condition: event.action == "approval.requested"
        count: 2
      - name: decided
        condition: event.action == "approval.decided"
        not: true
  - id: P-THR
    kind: threshold
    name: failures
    severity: medium
    condition: event.outcome == "failure"
    within: 2m
    count: 3
  - id: P-THRD
    kind: threshold
    name: servers
    severity: medium
    by: [organization.id]
    distinct: mcp.server.name
    within: 3m
    count: 3
  - id: P-NEW
    kind: first_seen
    name: new server for the user
    severity: low
    by: [organization.id, user.id]
    value: mcp.server.name
    learning: 5m
  - id: P-CHG
    kind: change
    name: description changed
    severity: critical
    condition: event.action == "mcp.tool.definition"
    by: [organization.id, mcp.server.name]
    value: mcp.tool.description
    diff: mcp.tool.description
`

// genEvent builds a small random event from r at t0+at.
func genEvent(r *rand.Rand, at time.Duration, id string) *event.Event {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	e := ev(at, id, flow(pick("f1", "f2", "f3", "f4")), user(pick("u1", "u2")), server(pick("a", "b", "c", "d")))
	switch r.IntN(6) {
	case 0:
		e.MCP.Method.Name = pick("read", "send", "end", "other")
	case 1:
		e.Event.Action = pick("approval.requested", "approval.decided")
	case 2:
		e.Event.Outcome = pick("failure", "success")
	case 3:
		e.Event.Action = "mcp.tool.definition"
		e.MCP.Tool.Description = pick("v1", "v2", "line\nv3")
	default:
		e.MCP.Method.Name = "read"
		e.MCP.Result.Text = pick("some text", "")
	}
	return e
}

func TestCorrelatorBuffer(t *testing.T) {
	rs := loadRules(t, pack)
	t.Run("watermark trails the newest event time", func(t *testing.T) {
		_, c := run(t, rs, Options{}, false, ev(0, "a"), ev(5*time.Minute, "b"), ev(time.Minute, "c"))
		if got, want := c.Watermark(), t0.Add(3*time.Minute); !got.Equal(want) {
			t.Errorf("Watermark() = %v, want %v", got, want)
		}
	})
	t.Run("a full buffer forces the watermark forward", func(t *testing.T) {
		fail := outcome("failure")
		opts := Options{AllowedLateness: time.Hour, MaxBuffered: 2}
		_, c := run(t, rs, opts, false, ev(0, "a", fail), ev(time.Minute, "b", fail), ev(2*time.Minute, "c", fail), ev(-time.Minute, "late", fail))
		s := c.Stats()
		if s.Forced != 1 || s.Buffered != 2 || !s.Watermark.Equal(t0) {
			t.Errorf("Forced, Buffered, Watermark = %d, %d, %v; want 1, 2, %v", s.Forced, s.Buffered, s.Watermark, t0)
		}
		if got := ruleStats(c, "P-THR").Late; got != 1 {
			t.Errorf("Late = %d, want 1", got)
		}
	})
	t.Run("events without a usable timestamp are skipped", func(t *testing.T) {
		e := ev(0, "a", outcome("failure"))
		e.Timestamp = time.Time{}
		_, c := run(t, rs, Options{}, true, e)
		if s := c.Stats(); s.Skipped != 1 {
			t.Errorf("Skipped = %d, want 1", s.Skipped)
		}
	})
	t.Run("reset drops the state and keeps the counters", func(t *testing.T) {
		fail := outcome("failure")
		u1 := user("u1")
		skip := ev(0, "skip")
		skip.Timestamp = time.Time{}
		// z moves the watermark past a and b, which are applied; z stays
		// buffered.
		got, c := run(t, rs, Options{}, false,
			ev(0, "x", u1, server("s1")), ev(5*time.Minute, "a", fail, u1, server("s1")),
			ev(5*time.Minute+time.Second, "b", fail, u1, server("s1")), skip, ev(8*time.Minute, "z"))
		if s := ruleStats(c, "P-THR"); s.Keys != 1 {
			t.Fatalf("P-THR Keys = %d before Reset, want 1", s.Keys)
		}
		c.Reset()
		if !c.Watermark().IsZero() || c.Stats().Buffered != 0 {
			t.Errorf("after Reset: watermark %v, buffered %d", c.Watermark(), c.Stats().Buffered)
		}
		for _, s := range c.Stats().Rules {
			if s.Keys != 0 {
				t.Errorf("after Reset: rule %s holds %d keys", s.RuleID, s.Keys)
			}
		}
		// Kept state would make c the third failure of P-THR within 2m,
		// and d a new server after the 5m learning of P-NEW started at x;
		// it restarts at c instead.
		emit := func(m Match) { got = append(got, format(m)) }
		c.Process(ev(5*time.Minute+2*time.Second, "c", fail, u1, server("s1")), emit)
		c.Process(ev(10*time.Minute+time.Second, "d", u1, server("s2")), emit)
		c.Flush(emit)
		equalLines(t, got, nil)
		if s := c.Stats(); s.Skipped != 1 {
			t.Errorf("Skipped = %d after Reset, want 1", s.Skipped)
		}
	})
}

// TestReorderWithinLateness checks that events shuffled by less than the
// allowed lateness give exactly the matches of the sorted stream.
func TestReorderWithinLateness(t *testing.T) {
	rs := loadRules(t, pack)
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 7))
		var sorted []*event.Event
		for i := range 400 {
			sorted = append(sorted, genEvent(r, time.Duration(i)*7*time.Second+time.Duration(r.IntN(1000)), "e"+strconv.Itoa(i)))
		}
		// Shuffle inside blocks of 10 events (70s < 2m of lateness).
		shuffled := slices.Clone(sorted)
		for b := 0; b < len(shuffled); b += 10 {
			blk := shuffled[b:min(b+10, len(shuffled))]
			r.Shuffle(len(blk), func(i, j int) { blk[i], blk[j] = blk[j], blk[i] })
		}
		want, _ := run(t, rs, Options{}, true, sorted...)
		got, c := run(t, rs, Options{}, true, shuffled...)
		for _, s := range c.Stats().Rules {
			if s.Late != 0 {
				t.Fatalf("seed %d: rule %s saw %d late events", seed, s.RuleID, s.Late)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("seed %d: shuffled stream gives other matches:\n got %v\nwant %v", seed, got, want)
		}
		if len(want) == 0 {
			t.Fatalf("seed %d: no match at all; the test is vacuous", seed)
		}
	}
}

// TestDeterministic checks that the same input, with late events and
// evictions, always gives the same matches.
func TestDeterministic(t *testing.T) {
	rs := loadRules(t, pack)
	gen := func() []*event.Event {
		r := rand.New(rand.NewPCG(42, 42))
		var evs []*event.Event
		for i := range 3000 {
			at := time.Duration(i)*3*time.Second - time.Duration(r.IntN(int(5*time.Minute)))
			evs = append(evs, genEvent(r, at, "e"+strconv.Itoa(i)))
		}
		return evs
	}
	opts := Options{MaxKeys: 3, MaxBuffered: 50}
	first, c := run(t, rs, opts, true, gen()...)
	var late, evicted uint64
	for _, s := range c.Stats().Rules {
		late += s.Late
		evicted += s.Evictions
	}
	if late == 0 || evicted == 0 || len(first) == 0 {
		t.Fatalf("late %d, evicted %d, matches %d: the test does not exercise what it should", late, evicted, len(first))
	}
	for range 3 {
		again, _ := run(t, rs, opts, true, gen()...)
		if strings.Join(again, "\n") != strings.Join(first, "\n") {
			t.Fatalf("a replay gives other matches")
		}
	}
}

func TestNewRejects(t *testing.T) {
	prog := loadRules(t, pack)[0].Steps[0].Condition
	tests := []struct {
		name string
		rule *rules.Rule
	}{
		{"sequence without window", &rules.Rule{ID: "x", Kind: rules.KindSequence, Enabled: true, Steps: []*rules.Step{{Condition: prog}}}},
		{"sequence of absences", &rules.Rule{ID: "x", Kind: rules.KindSequence, Enabled: true, Within: time.Minute, Steps: []*rules.Step{{Condition: prog, Not: true}}}},
		{"threshold without window", &rules.Rule{ID: "x", Kind: rules.KindThreshold, Enabled: true, Count: 2}},
		{"first_seen without value", &rules.Rule{ID: "x", Kind: rules.KindFirstSeen, Enabled: true}},
		{"change without value", &rules.Rule{ID: "x", Kind: rules.KindChange, Enabled: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New([]*rules.Rule{tt.rule}, Options{}); err == nil {
				t.Errorf("New accepted %s", tt.name)
			}
		})
	}
	disabled := &rules.Rule{ID: "x", Kind: rules.KindSequence}
	if _, err := New([]*rules.Rule{disabled}, Options{}); err != nil {
		t.Errorf("New refused a disabled rule: %v", err)
	}
}

func TestErrorsAreCountedAndLoggedWithoutValues(t *testing.T) {
	rs := loadRules(t, `
rules:
  - id: ERR
    kind: threshold
    name: fails at run time
    severity: low
    condition: int(mcp.result.text) > 3
    within: 1m
    count: 2
`)
	var log bytes.Buffer
	opts := Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}
	_, c := run(t, rs, opts, true, ev(0, "a", result("SECRET-VALUE")), ev(time.Second, "b", result("SECRET-VALUE")))
	if got := ruleStats(c, "ERR").Errors; got != 2 {
		t.Errorf("Errors = %d, want 2", got)
	}
	if out := log.String(); !strings.Contains(out, "rule_id=ERR") || strings.Contains(out, "SECRET") || strings.Count(out, "\n") != 1 {
		t.Errorf("log = %q, want one line naming the rule and no value", out)
	}
}
