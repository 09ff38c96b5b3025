package correlate

import (
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// benchPack is a realistic pack: two sequences (a data flow and an
// absence), a threshold, a first_seen and a change rule over tool-call
// events.
const benchPack = `
lists:
  egress_kinds: [email, message, http, vcs_write]
rules:
  - id: B-FLOW
    kind: sequence
    name: External send of text read from an untrusted source
    severity: high
    within: 10m
    steps:
      - name: untrusted read
        condition: mcp.method.name == "tools/call" && mcp.data.trust == "untrusted"
      - name: external send
        condition: >
          mcp.method.name == "tools/call" && mcp.egress.kind in egress_kinds &&
          shares_text(steps[0].mcp.result.text, arg_text(gen_ai.tool.call.arguments), 24)
    until: mcp.method.name == "session/end"
  - id: B-APPROVAL
    kind: sequence
    name: Approval requested and never decided
    severity: medium
    within: 5m
    steps:
      - name: requested
        condition: event.action == "approval.requested"
      - name: decided
        condition: event.action == "approval.decided"
        not: true
  - id: B-FAIL
    kind: threshold
    name: Burst of failed tool calls in a flow
    severity: medium
    condition: mcp.method.name == "tools/call" && event.outcome == "failure"
    within: 1m
    count: 5
  - id: B-NEWSRV
    kind: first_seen
    name: Server never used by the user
    severity: low
    condition: mcp.method.name == "initialize"
    by: [organization.id, user.id]
    value: mcp.server.name
    learning: 1h
  - id: B-RUG
    kind: change
    name: Tool definition changed after it was first seen
    severity: critical
    condition: event.action == "mcp.tool.definition"
    by: [organization.id, mcp.server.name, gen_ai.tool.name]
    value: mcp.tool.definition_hash
    diff: mcp.tool.description
`

// benchCycle is the life of a flow: the kind of each of its events, in
// turn. One flow in four reads from an untrusted source, one in eight has
// two failed calls; every flow has an approval and a send.
var benchCycle = []string{
	"initialize", "definition", "definition2", "call", "untrusted", "call", "failure", "approval",
	"decided", "call", "send", "call", "call", "failure", "call", "end",
}

// benchWorld is a stream being replayed: the Correlator, the flows and how
// far the stream has got. It lives across the runs of one benchmark so the
// state stays warm.
type benchWorld struct {
	c      *Correlator
	flows  []string
	users  []string
	tpl    map[string]*event.Event
	ids    []string
	n      int // events fed so far
	base   float64
	prefed int
}

// worlds keeps each stream warm across the runs of its benchmark (b.N
// grows from run to run; the warm-up is paid once).
var worlds = map[int]*benchWorld{}

// benchStep is the event time between two events of the partition
// (20,000 events per second): with a million flows each flow gets an event
// every 50s.
const benchStep = 50 * time.Microsecond

func newBenchWorld(b *testing.B, flows int) *benchWorld {
	w := &benchWorld{tpl: map[string]*event.Event{}}
	for i := range flows {
		w.flows = append(w.flows, fmt.Sprintf("conv_%012x", i*2654435761%(1<<40)))
	}
	for i := range 1000 {
		w.users = append(w.users, fmt.Sprintf("user-%04d@example.com", i))
	}
	for i := range 4096 {
		w.ids = append(w.ids, fmt.Sprintf("evt_%016x", i*97))
	}
	untrusted := strings.Repeat("Quarterly numbers: revenue 4.2M, churn 3%, pipeline 11M. ", 8) // 456 bytes
	mk := func(kind string) *event.Event {
		e := &event.Event{}
		e.Organization.ID = "acme"
		e.MCP.Server.Name = "github"
		e.MCP.Client.Name = "claude-desktop"
		e.MCP.Session.ID = "sess-1"
		e.GenAI.Tool.Name = "search_issues"
		e.MCP.Method.Name = "tools/call"
		e.Event.Outcome = "success"
		e.MCP.Result.Text = strings.Repeat("issue #123 fix the build; ", 12)
		e.GenAI.Tool.Call.Arguments = map[string]any{"query": "is:open label:bug", "limit": 20.0}
		switch kind {
		case "initialize":
			e.MCP.Method.Name = "initialize"
			e.GenAI.Tool.Name = ""
		case "definition", "definition2":
			e.MCP.Method.Name = "tools/list"
			e.Event.Action = "mcp.tool.definition"
			e.GenAI.Tool.Name = "create_issue"
			e.MCP.Tool.Description = "Creates an issue.\nArguments: repo, title, body."
			e.MCP.Tool.DefinitionHash = "sha256:1f2e3d4c5b6a79880716253443526170"
			if kind == "definition2" {
				e.GenAI.Tool.Name = "search_issues"
				e.MCP.Tool.DefinitionHash = "sha256:aa2e3d4c5b6a79880716253443526170"
			}
		case "untrusted":
			e.GenAI.Tool.Name = "web_fetch"
			e.MCP.Server.Name = "fetch"
			e.MCP.Data.Trust = "untrusted"
			e.MCP.Result.Text = untrusted
		case "failure":
			e.Event.Outcome = "failure"
			e.Error.Type = "-32603"
		case "approval":
			e.Event.Action = "approval.requested"
		case "decided":
			e.Event.Action = "approval.decided"
			e.MCP.Approval.Decision = "approved"
		case "send":
			e.GenAI.Tool.Name = "send_email"
			e.MCP.Server.Name = "mail"
			e.MCP.Egress.Kind = "email"
			e.GenAI.Tool.Call.Arguments = map[string]any{"to": "cfo@example.com", "body": "Hi, see the notes from the meeting."}
		case "end":
			e.MCP.Method.Name = "session/end"
		}
		return e
	}
	for _, k := range benchCycle {
		w.tpl[k] = mk(k)
	}
	w.base = heap()
	c, err := New(loadRules(b, benchPack), Options{MaxKeys: 2 * flows, EvidenceText: 1024})
	if err != nil {
		b.Fatal(err)
	}
	w.c = c
	// Warm up: every flow lives a whole cycle.
	w.prefed = len(benchCycle) * flows
	w.feed(w.prefed)
	return w
}

// feed processes the next n events of the stream.
func (w *benchWorld) feed(n int) {
	emit := func(Match) {}
	for range n {
		i := w.n
		w.n++
		f := i % len(w.flows)
		round := i / len(w.flows)
		// Flows are spread over the cycle, as in a live partition
		// (independently of which flows read untrusted text or fail).
		kind := benchCycle[(round+f/8)%len(benchCycle)]
		// One flow in four reads untrusted text, one in eight has failed
		// calls; the others make a call.
		if kind == "untrusted" && f%4 != 0 || kind == "failure" && f%8 != 0 {
			kind = "call"
		}
		e := w.tpl[kind]
		e.Timestamp = t0.Add(time.Duration(i) * benchStep)
		e.Event.ID = w.ids[i%len(w.ids)]
		e.MCP.Flow.ID = w.flows[f]
		e.User.ID = w.users[f%len(w.users)]
		w.c.Process(e, emit)
	}
}

func BenchmarkCorrelate(b *testing.B) {
	for _, flows := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("flows=%d", flows), func(b *testing.B) {
			w := worlds[flows]
			if w == nil {
				w = newBenchWorld(b, flows)
				worlds[flows] = w
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			w.feed(b.N)
			cpu := cpuTime() - cpu0
			b.StopTimer()
			// Heap with the reorder buffer, then without: the buffer is per
			// partition (MaxBuffered), not per flow.
			withBuffer := heap()
			w.c.drainBuffer()
			state := heap() - w.base
			keys := 0
			for _, s := range w.c.Stats().Rules {
				keys += s.Keys
			}
			b.ReportMetric(state/float64(flows), "B/flow")
			b.ReportMetric(state/float64(keys), "B/key")
			b.ReportMetric(float64(keys)/float64(flows), "keys/flow")
			b.ReportMetric((withBuffer-w.base-state)/(1<<20), "bufferMB")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
			// CPU of the whole process (garbage collection included): on a
			// shared machine wall time overstates the cost.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/event")
		})
	}
}

// heap returns the bytes of live heap after a collection.
func heap() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc)
}

// drainBuffer processes every buffered event as if the watermark had
// reached it, without closing windows.
func (c *Correlator) drainBuffer() {
	for c.buf.len() > 0 {
		it := c.buf.pop()
		c.advance(it.ts, func(Match) {})
		c.apply(it, false, func(Match) {})
		c.wm = max(c.wm, it.ts)
	}
	c.buf = reorder{} // its arrays are the buffer's, not the flows'
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRec measures the copy the Correlator keeps of a tool call (a
// rec): encoding it on arrival and decoding it, objects included, for a
// step condition applied later or the evidence of a match.
func BenchmarkRec(b *testing.B) {
	e := &event.Event{Timestamp: t0}
	e.Event.ID = "evt_0000000000000001"
	e.Organization.ID = "acme"
	e.MCP.Flow.ID = "conv_7f3a"
	e.MCP.Method.Name = "tools/call"
	e.MCP.Server.Name = "github-mcp-server"
	e.GenAI.Tool.Name = "create_pull_request"
	e.MCP.Result.Text = strings.Repeat("issue #123 fix the build; ", 40)
	e.GenAI.Tool.Call.Arguments = map[string]any{
		"owner": "acme", "repo": "public-site", "title": "Add author README",
		"body": strings.Repeat("About the author: \"quoted\" text.\n", 8), "draft": false, "reviewers": []any{"alice", "bob"}, "number": 41.0,
	}
	tr := newTrimmer(DefaultEvidenceText)
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tr.full(e)
		}
	})
	r := tr.full(e)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tr.event(r)
		}
	})
}
