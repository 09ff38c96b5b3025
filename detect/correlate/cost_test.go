package correlate

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// TestStateCost measures the heap one key costs in each kind of rule, with
// small events (ids and names, no free text). docs/correlation.md quotes
// it; the bounds only catch a regression by a large factor.
func TestStateCost(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100,000 keys per kind")
	}
	const keys = 100_000
	tests := []struct {
		name  string
		rule  string
		event func(i int) *event.Event
		max   float64
	}{
		{
			name: "sequence key with a pending match",
			rule: `{id: S, kind: sequence, name: s, severity: low, within: 1h, steps: [{condition: 'mcp.method.name == "read"'}, {condition: 'mcp.method.name == "send"'}]}`,
			event: func(i int) *event.Event {
				return ev(0, fmt.Sprintf("evt_%016x", i), method("read"), flow(fmt.Sprintf("conv_%012x", i)), user("user-0001@example.com"), server("github"), tool("search_issues"))
			},
			max: 1000,
		},
		{
			name: "threshold key with one event",
			rule: `{id: T, kind: threshold, name: t, severity: low, within: 1h, count: 5, condition: 'event.outcome == "failure"'}`,
			event: func(i int) *event.Event {
				return ev(0, fmt.Sprintf("evt_%016x", i), outcome("failure"), flow(fmt.Sprintf("conv_%012x", i)))
			},
			max: 500,
		},
		{
			name: "first_seen value",
			rule: `{id: F, kind: first_seen, name: f, severity: low, by: [organization.id], value: mcp.server.name}`,
			event: func(i int) *event.Event {
				return ev(0, fmt.Sprintf("evt_%016x", i), server(fmt.Sprintf("server-%08d", i)))
			},
			max: 300,
		},
		{
			name: "change key",
			rule: `{id: C, kind: change, name: c, severity: low, by: [organization.id, mcp.server.name], value: mcp.tool.definition_hash}`,
			event: func(i int) *event.Event {
				return ev(0, fmt.Sprintf("evt_%016x", i), server(fmt.Sprintf("server-%08d", i)), func(e *event.Event) {
					e.MCP.Tool.DefinitionHash = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
				})
			},
			max: 500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := make([]*event.Event, keys)
			for i := range evs {
				evs[i] = tt.event(i)
				evs[i].Timestamp = t0.Add(time.Duration(i) * time.Millisecond)
			}
			c, err := New(loadRules(t, "rules: ["+tt.rule+"]"), Options{MaxKeys: 2 * keys, AllowedLateness: -1})
			if err != nil {
				t.Fatal(err)
			}
			before := heap()
			for _, e := range evs {
				c.Process(e, func(Match) {})
			}
			c.drainBuffer()
			after := heap()
			runtime.KeepAlive(evs)
			n := c.Stats().Rules[0].Keys
			if n != keys {
				t.Fatalf("%d keys, want %d", n, keys)
			}
			per := (after - before) / keys
			t.Logf("%s: %.0f bytes per key", tt.name, per)
			if per > tt.max {
				t.Errorf("%s: %.0f bytes per key, more than %.0f", tt.name, per, tt.max)
			}
		})
	}
}
