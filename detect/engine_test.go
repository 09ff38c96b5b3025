package detect

import (
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

const testRules = `
rules:
  - id: T-MATCH
    name: shell call
    severity: high
    tags: [atlas:AML.T0053, owasp-mcp:MCP05, attack:T1059]
    condition: mcp.method.name == "tools/call" && gen_ai.tool.name == "bash"
    reason: "{{ user.id }} ran {{ gen_ai.tool.name }}"
  - id: T-ANY
    name: any error
    severity: low
    condition: event.outcome == "failure"
  - id: T-SEQ
    kind: sequence
    name: read then send
    severity: medium
    within: 10m
    steps:
      - name: read
        condition: gen_ai.tool.name == "read"
      - name: send
        condition: gen_ai.tool.name == "send"
`

func ev(id, tool string, sec int) *event.Event {
	e := &event.Event{Timestamp: time.Date(2026, 11, 20, 10, 0, sec, 0, time.UTC)}
	e.Event.ID = id
	e.Event.Action = "tools/call"
	e.MCP.Method.Name = "tools/call"
	e.MCP.Server.Name = "srv"
	e.MCP.Flow.ID = "f1"
	e.Organization.ID = "acme"
	e.User.ID = "u1"
	e.GenAI.Tool.Name = tool
	return e
}

func newEngine(t *testing.T, src string) *Engine {
	t.Helper()
	set, err := rules.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(set, Options{Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func collect(out *[]*alert.Alert) func(*alert.Alert) {
	return func(a *alert.Alert) { *out = append(*out, a) }
}

func TestEngineMatch(t *testing.T) {
	e := newEngine(t, testRules)
	var got []*alert.Alert
	e.Process(ev("e1", "bash", 0), collect(&got))
	if len(got) != 1 {
		t.Fatalf("got %d alerts, want 1", len(got))
	}
	a := got[0]
	if a.Rule.ID != "T-MATCH" || a.MCP.Alert.Reason != "u1 ran bash" || a.Event.Severity != 73 || a.MCP.Alert.Severity != "high" {
		t.Errorf("alert = %+v", a)
	}
	if want := alert.ID("T-MATCH", "1", "acme", "e1"); a.Event.ID != want {
		t.Errorf("id = %s, want %s", a.Event.ID, want)
	}
	if len(a.Threat) != 3 || a.Threat[0].Framework != "MITRE ATLAS" || a.Threat[2].Technique.ID[0] != "MCP05" {
		t.Errorf("threat = %+v", a.Threat)
	}
	if ids := a.MCP.Alert.EvidenceEventIDs; len(ids) != 1 || ids[0] != "e1" {
		t.Errorf("evidence ids = %v", ids)
	}
	// The index must not hide the unindexed rule.
	got = nil
	f := ev("e2", "other", 1)
	f.Event.Outcome = "failure"
	e.Process(f, collect(&got))
	if len(got) != 1 || got[0].Rule.ID != "T-ANY" {
		t.Errorf("unindexed rule: got %v", got)
	}
	if indexed, always := e.Indexed(); indexed != 1 || always != 1 {
		t.Errorf("Indexed() = %d, %d, want 1, 1", indexed, always)
	}
}

func TestEngineSequenceAndFlush(t *testing.T) {
	e := newEngine(t, testRules)
	var got []*alert.Alert
	e.Process(ev("r1", "read", 0), collect(&got))
	e.Process(ev("s1", "send", 30), collect(&got))
	e.Flush(collect(&got))
	if len(got) != 1 || got[0].Rule.ID != "T-SEQ" {
		t.Fatalf("got %d alerts, want the sequence", len(got))
	}
	d := got[0].MCP.Alert
	if len(d.EvidenceEventIDs) != 2 || d.EvidenceEventIDs[0] != "r1" || d.Evidence[1].Step != "send" || !d.FirstSeen.Before(d.LastSeen) {
		t.Errorf("sequence alert detail = %+v", d)
	}
}

func TestEngineSwapKeepsCorrelationState(t *testing.T) {
	e := newEngine(t, testRules)
	var got []*alert.Alert
	e.Process(ev("r1", "read", 0), collect(&got))
	// Reload with a changed match rule: the pending sequence survives.
	set, err := rules.Parse("test.yaml", []byte(testRules+"\n  - id: T-NEW\n    name: new\n    severity: low\n    condition: gen_ai.tool.name == \"send\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	kept, err := e.Swap(set)
	if err != nil || !kept {
		t.Fatalf("Swap = %v, %v, want state kept", kept, err)
	}
	e.Process(ev("s1", "send", 30), collect(&got))
	e.Flush(collect(&got))
	ids := map[string]int{}
	for _, a := range got {
		ids[a.Rule.ID]++
	}
	if ids["T-SEQ"] != 1 || ids["T-NEW"] != 1 {
		t.Errorf("after swap got %v, want T-SEQ and T-NEW once", ids)
	}
	// A changed correlation rule drops the state.
	changed, err := rules.Parse("test.yaml", []byte(testRules[:len(testRules)-1]+"\n    until: gen_ai.tool.name == \"stop\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if kept, err := e.Swap(changed); err != nil || kept {
		t.Errorf("Swap with a changed sequence = %v, %v, want state dropped", kept, err)
	}
	// The new correlation state works, T-NEW is gone.
	got = nil
	e.Process(ev("r2", "read", 60), collect(&got))
	e.Process(ev("s2", "send", 90), collect(&got))
	e.Flush(collect(&got))
	if len(got) != 1 || got[0].Rule.ID != "T-SEQ" || got[0].MCP.Alert.EvidenceEventIDs[0] != "r2" {
		t.Errorf("after a swap that dropped the state got %d alerts, want the sequence r2, s2", len(got))
	}
}

func TestEvidenceTrimsAndMasks(t *testing.T) {
	e := newEngine(t, testRules)
	e.opts.EvidenceText = 16
	x := ev("e1", "bash", 0)
	x.GenAI.Tool.Call.Arguments = map[string]any{
		"command": "echo 0123456789abcdefghij",
		"nested":  map[string]any{"list": []any{"short", 42.0, true}},
	}
	x.MCP.Result.Text = "token ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789 end"
	ev := e.evidence(x, "")
	if got := ev.Arguments["command"].(string); got != "echo 0123456789a…[truncated]" {
		t.Errorf("command = %q", got)
	}
	if got := ev.Arguments["nested"].(map[string]any)["list"].([]any); len(got) != 3 || got[1] != 42.0 {
		t.Errorf("nested = %v", got)
	}
	if x.GenAI.Tool.Call.Arguments["command"].(string) != "echo 0123456789abcdefghij" {
		t.Error("evidence changed the event")
	}
	if ev.Result == x.MCP.Result.Text || len(ev.Result) > 16+len("…[truncated]") {
		t.Errorf("result = %q", ev.Result)
	}
}

// TestIndexFieldsAreRead: the index reads every field the rules package
// files conditions under; one it could not read would leave its rules
// evaluated for every event, without a word.
func TestIndexFieldsAreRead(t *testing.T) {
	for i, f := range rules.IndexFields {
		if fieldGetters[i] == nil {
			t.Errorf("index field %s is not a string field of event.Event", f)
		}
	}
}
