package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

const thrRules = `
rules:
  - id: THR
    kind: threshold
    name: failures
    severity: medium
    condition: event.outcome == "failure"
    by: [organization.id, user.id]
    within: 5m
    count: 3
  - id: THRD
    kind: threshold
    name: distinct servers
    severity: medium
    condition: mcp.method.name == "tools/call"
    distinct: mcp.server.name
    within: 5m
    count: 3
`

func TestThreshold(t *testing.T) {
	fail := func(at time.Duration, id, u string) *event.Event {
		return ev(at, id, outcome("failure"), user(u))
	}
	call := func(at time.Duration, id, srv string) *event.Event {
		return ev(at, id, method("tools/call"), server(srv))
	}
	min, sec := time.Minute, time.Second
	var flood []*event.Event
	for i := range 25 { // every 30s from 0 to 12m
		flood = append(flood, fail(time.Duration(i)*30*sec, fmt.Sprintf("e%d", i), "u"))
	}
	tests := []matchCase{
		{
			name:   "count reached inside the window",
			events: []*event.Event{fail(0, "a", "u"), fail(min, "b", "u"), fail(2*min, "c", "u")},
			want:   []string{"THR acme|u [a b c] @2m0s"},
		},
		{
			name:   "span exactly within",
			events: []*event.Event{fail(0, "a", "u"), fail(2*min, "b", "u"), fail(5*min, "c", "u")},
			want:   []string{"THR acme|u [a b c] @5m0s"},
		},
		{
			name:   "span just past within",
			events: []*event.Event{fail(0, "a", "u"), fail(2*min, "b", "u"), fail(5*min+time.Nanosecond, "c", "u")},
		},
		{
			name:   "the window slides",
			events: []*event.Event{fail(0, "a", "u"), fail(4*min, "b", "u"), fail(6*min, "c", "u"), fail(8*min, "d", "u")},
			want:   []string{"THR acme|u [b c d] @8m0s"},
		},
		{
			name:   "a steady flood gives one match per window",
			events: flood,
			want: []string{
				"THR acme|u [e0 e1 e2] @1m0s",
				"THR acme|u [e11 e12 e13] @6m30s",
				"THR acme|u [e22 e23 e24] @12m0s",
			},
		},
		{
			name: "events of the quiet window count toward the next match",
			events: []*event.Event{
				fail(0, "a", "u"), fail(sec, "b", "u"), fail(2*sec, "c", "u"),
				fail(3*sec, "d", "u"), fail(4*sec, "e", "u"), fail(5*sec, "f", "u"),
				fail(5*min+3*sec, "g", "u"),
			},
			want: []string{"THR acme|u [a b c] @2s", "THR acme|u [e f g] @5m3s"},
		},
		{
			name:   "keys do not mix",
			events: []*event.Event{fail(0, "a", "u1"), fail(min, "b", "u2"), fail(2*min, "c", "u1")},
		},
		{
			name:   "distinct values",
			events: []*event.Event{call(0, "a1", "a"), call(min, "a2", "a"), call(2*min, "b", "b"), call(3*min, "c", "c")},
			want:   []string{"THRD acme|f1 [a2 b c] @3m0s distinct=a,b,c"},
		},
		{
			name:   "a repeated value counts once",
			events: []*event.Event{call(0, "a1", "a"), call(min, "a2", "a"), call(2*min, "a3", "a")},
		},
		{
			name: "a late event inside the key's window counts",
			opts: Options{AllowedLateness: time.Minute},
			// The watermark is at 2m when the failure of 1m30s arrives.
			events: []*event.Event{fail(0, "a", "u"), fail(3*min, "o", "other"), fail(90*sec, "b", "u"), fail(4*min, "c", "u")},
			want:   []string{"THR acme|u [a b c] @4m0s"},
			check: func(t *testing.T, c *Correlator) {
				if s := ruleStats(c, "THR"); s.Late != 1 || s.LateDropped != 0 {
					t.Errorf("Late, LateDropped = %d, %d; want 1, 0", s.Late, s.LateDropped)
				}
			},
		},
		{
			name: "a late event outside the key's window is dropped",
			opts: Options{AllowedLateness: time.Minute},
			events: []*event.Event{
				fail(0, "a", "u"), fail(6*min, "b", "u"), fail(10*min, "o", "other"),
				fail(30*sec, "late", "u"), fail(10*min, "c", "u"),
			},
			check: func(t *testing.T, c *Correlator) {
				if s := ruleStats(c, "THR"); s.Late != 1 || s.LateDropped != 1 {
					t.Errorf("Late, LateDropped = %d, %d; want 1, 1", s.Late, s.LateDropped)
				}
			},
		},
		{
			name:   "eviction restarts the count",
			opts:   Options{MaxKeys: 1},
			events: []*event.Event{fail(0, "a", "u1"), fail(sec, "x", "u2"), fail(2*sec, "b", "u1"), fail(3*sec, "c", "u1")},
			check: func(t *testing.T, c *Correlator) {
				// Flush has closed every window: no key is left.
				if s := ruleStats(c, "THR"); s.Evictions != 2 || s.Keys != 0 {
					t.Errorf("Evictions, Keys = %d, %d; want 2, 0", s.Evictions, s.Keys)
				}
			},
		},
	}
	runMatchCases(t, thrRules, tests)
}

func TestThresholdEvidence(t *testing.T) {
	// The triggering event is kept with its identity fields; the others are
	// stubs with @timestamp and event.id only.
	var ms []Match
	c, err := New(loadRules(t, thrRules), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, at := range []time.Duration{0, time.Minute, 2 * time.Minute} {
		c.Process(ev(at, fmt.Sprint("e", i), outcome("failure"), user("u"), tool("login"), result("secret text")), func(m Match) { ms = append(ms, m) })
	}
	c.Flush(func(m Match) { ms = append(ms, m) })
	if len(ms) != 1 {
		t.Fatalf("got %d matches, want 1", len(ms))
	}
	m := ms[0]
	last := m.Events[2]
	if last.GenAI.Tool.Name != "login" || last.User.ID != "u" || last.MCP.Result.Text != "" {
		t.Errorf("triggering event: tool %q user %q result %q; want login, u and no result text", last.GenAI.Tool.Name, last.User.ID, last.MCP.Result.Text)
	}
	if first := m.Events[0]; first.Event.ID != "e0" || !first.Timestamp.Equal(t0) || first.GenAI.Tool.Name != "" {
		t.Errorf("first event = %q at %v tool %q; want a stub e0 at t0", first.Event.ID, first.Timestamp, first.GenAI.Tool.Name)
	}
	if m.State.Count != 3 || m.State.Window != "5m0s" || m.State.Key != "acme|u" {
		t.Errorf("state = %+v", m.State)
	}
}
