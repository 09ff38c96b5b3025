package correlate

import (
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

const seqRules = `
rules:
  - id: SEQ
    kind: sequence
    name: read then send
    severity: high
    within: 10m
    steps:
      - name: read
        condition: mcp.method.name == "read"
      - name: send
        condition: mcp.method.name == "send"
    until: mcp.method.name == "end"
`

const seqSameServer = `
rules:
  - id: FLOW
    kind: sequence
    name: read then send to the same server
    severity: high
    within: 10m
    steps:
      - name: read
        condition: mcp.method.name == "read"
      - name: send
        condition: mcp.method.name == "send" && steps[0].mcp.server.name == mcp.server.name
`

const seqCount = `
rules:
  - id: BRUTE
    kind: sequence
    name: three failures then a success
    severity: high
    within: 1m
    steps:
      - name: failure
        condition: event.outcome == "failure"
        count: 3
      - name: success
        condition: event.outcome == "success"
`

const seqAbsence = `
rules:
  - id: NOAPPROVAL
    kind: sequence
    name: approval requested, never decided
    severity: medium
    within: 5m
    steps:
      - name: requested
        condition: event.action == "approval.requested"
      - name: decided
        condition: event.action == "approval.decided"
        not: true
`

const seqMiddleNot = `
rules:
  - id: MIDNOT
    kind: sequence
    name: A then C without B between
    severity: medium
    within: 5m
    steps:
      - name: a
        condition: event.action == "a"
      - name: b
        condition: event.action == "b"
        not: true
      - name: c
        condition: event.action == "c"
`

const seqStepBy = `
rules:
  - id: STEPBY
    kind: sequence
    name: a user reads, then the same user sends from any flow
    severity: medium
    by: [organization.id, user.id]
    within: 5m
    steps:
      - name: read
        condition: mcp.method.name == "read"
      - name: send
        condition: mcp.method.name == "send"
        by: [organization.id, mcp.auth.subject]
`

func TestSequence(t *testing.T) {
	read := method("read")
	send := method("send")
	other := method("other")
	min := time.Minute
	subject := func(s string) func(*event.Event) { return func(e *event.Event) { e.MCP.Auth.Subject = s } }
	tests := []matchCase{
		{
			name:   "in order inside the window",
			rules:  seqRules,
			events: []*event.Event{ev(0, "r", read), ev(5*min, "s", send)},
			want:   []string{"SEQ acme|f1 [r:read s:send] @5m0s"},
		},
		{
			name:   "last step exactly at within",
			rules:  seqRules,
			events: []*event.Event{ev(0, "r", read), ev(10*min, "s", send)},
			want:   []string{"SEQ acme|f1 [r:read s:send] @10m0s"},
		},
		{
			name:   "last step just past within",
			rules:  seqRules,
			events: []*event.Event{ev(0, "r", read), ev(10*min+time.Nanosecond, "s", send)},
		},
		{
			name:   "until cancels the pending match",
			rules:  seqRules,
			events: []*event.Event{ev(0, "r", read), ev(min, "e", method("end")), ev(2*min, "s", send)},
			check: func(t *testing.T, c *Correlator) {
				if got := ruleStats(c, "SEQ").Cancelled; got != 1 {
					t.Errorf("Cancelled = %d, want 1", got)
				}
			},
		},
		{
			name:   "until before the start cancels nothing",
			rules:  seqRules,
			events: []*event.Event{ev(0, "e", method("end")), ev(min, "r", read), ev(2*min, "s", send)},
			want:   []string{"SEQ acme|f1 [r:read s:send] @2m0s"},
		},
		{
			name:   "latest start wins",
			rules:  seqRules,
			events: []*event.Event{ev(0, "r1", read), ev(min, "r2", read), ev(2*min, "s", send)},
			want:   []string{"SEQ acme|f1 [r2:read s:send] @2m0s"},
		},
		{
			name:  "latest start keeps the window open",
			rules: seqRules,
			// r1's window ends at 10m; r2's at 18m.
			events: []*event.Event{ev(0, "r1", read), ev(8*min, "r2", read), ev(15*min, "s", send)},
			want:   []string{"SEQ acme|f1 [r2:read s:send] @15m0s"},
		},
		{
			name:   "a match uses its events up and the key starts afresh",
			rules:  seqRules,
			events: []*event.Event{ev(0, "r", read), ev(min, "s1", send), ev(2*min, "s2", send)},
			want:   []string{"SEQ acme|f1 [r:read s1:send] @1m0s"},
		},
		{
			name:   "flows do not mix",
			rules:  seqRules,
			events: []*event.Event{ev(0, "r", read, flow("f1")), ev(min, "s", send, flow("f2"))},
		},
		{
			name:   "an event without a key value is skipped",
			rules:  seqRules,
			events: []*event.Event{ev(0, "r", read, flow("")), ev(min, "s", send, flow(""))},
			check: func(t *testing.T, c *Correlator) {
				if got := ruleStats(c, "SEQ").NoKey; got != 2 {
					t.Errorf("NoKey = %d, want 2", got)
				}
			},
		},
		{
			name:  "out of order within the lateness is put back in order",
			rules: seqRules,
			// send arrives first; the read 1m older is still within 2m.
			events: []*event.Event{ev(min, "s", send), ev(0, "r", read)},
			want:   []string{"SEQ acme|f1 [r:read s:send] @1m0s"},
		},
		{
			name:    "a late event still advances an open pending match",
			noFlush: true,
			rules:   seqRules,
			// The other event at 5m moves the watermark to 3m; the send at
			// 2m is late but the read's window is open until 10m.
			events: []*event.Event{ev(0, "r", read), ev(5*min, "o", other), ev(2*min, "s", send)},
			want:   []string{"SEQ acme|f1 [r:read s:send] @2m0s"},
			check: func(t *testing.T, c *Correlator) {
				if s := ruleStats(c, "SEQ"); s.Late != 1 || s.LateDropped != 0 {
					t.Errorf("Late, LateDropped = %d, %d; want 1, 0", s.Late, s.LateDropped)
				}
			},
		},
		{
			name:  "a late first step whose window has closed is dropped",
			rules: seqRules,
			// The watermark is at 18m when the read of 5m (window to 15m)
			// arrives.
			events: []*event.Event{ev(20*min, "o", other), ev(5*min, "r", read), ev(21*min, "s", send)},
			check: func(t *testing.T, c *Correlator) {
				if s := ruleStats(c, "SEQ"); s.Late != 1 || s.LateDropped != 1 {
					t.Errorf("Late, LateDropped = %d, %d; want 1, 1", s.Late, s.LateDropped)
				}
			},
		},
		{
			name:   "step condition reads the earlier step: different server",
			rules:  seqSameServer,
			events: []*event.Event{ev(0, "r", read, server("a")), ev(min, "s", send, server("b"))},
		},
		{
			name:   "step condition reads the earlier step: same server",
			rules:  seqSameServer,
			events: []*event.Event{ev(0, "r", read, server("a")), ev(min, "s1", send, server("b")), ev(2*min, "s2", send, server("a"))},
			want:   []string{"FLOW acme|f1 [r:read s2:send] @2m0s"},
		},
		{
			name:  "counted step slides within the window",
			rules: seqCount,
			events: []*event.Event{
				ev(0, "f0", outcome("failure")), ev(50*time.Second, "f50", outcome("failure")),
				ev(55*time.Second, "f55", outcome("failure")), ev(70*time.Second, "f70", outcome("failure")),
				ev(75*time.Second, "s75", outcome("success")),
			},
			want: []string{"BRUTE acme|f1 [f50:failure f55:failure f70:failure s75:success] @1m15s"},
		},
		{
			name:   "counted step needs all its events",
			rules:  seqCount,
			events: []*event.Event{ev(0, "f0", outcome("failure")), ev(time.Second, "f1", outcome("failure")), ev(2*time.Second, "s", outcome("success"))},
		},
		{
			name:    "absence fires when the watermark passes the window end",
			noFlush: true,
			rules:   seqAbsence,
			opts:    Options{AllowedLateness: time.Minute},
			// The event at 6m+1s moves the watermark to 5m+1s, past the
			// window end at 5m.
			events: []*event.Event{ev(0, "q", action("approval.requested")), ev(6*min+time.Second, "o", action("other"))},
			want:   []string{"NOAPPROVAL acme|f1 [q:requested] @5m0s"},
		},
		{
			name:    "absence waits while the watermark is at the window end",
			noFlush: true,
			rules:   seqAbsence,
			opts:    Options{AllowedLateness: time.Minute},
			events:  []*event.Event{ev(0, "q", action("approval.requested")), ev(6*min, "o", action("other"))},
		},
		{
			name:   "absence does not fire when the step occurs",
			rules:  seqAbsence,
			events: []*event.Event{ev(0, "q", action("approval.requested")), ev(4*min, "d", action("approval.decided")), ev(30*min, "o", action("other"))},
		},
		{
			name:   "absence step exactly at the window end still counts",
			rules:  seqAbsence,
			events: []*event.Event{ev(0, "q", action("approval.requested")), ev(5*min, "d", action("approval.decided"))},
		},
		{
			name:   "absence step just past the window end is too late",
			rules:  seqAbsence,
			events: []*event.Event{ev(0, "q", action("approval.requested")), ev(5*min+time.Nanosecond, "d", action("approval.decided"))},
			want:   []string{"NOAPPROVAL acme|f1 [q:requested] @5m0s"},
		},
		{
			name:   "absence fires at Flush",
			rules:  seqAbsence,
			events: []*event.Event{ev(0, "q", action("approval.requested"))},
			want:   []string{"NOAPPROVAL acme|f1 [q:requested] @5m0s"},
		},
		{
			name:    "absence is not decided before Flush",
			noFlush: true,
			rules:   seqAbsence,
			events:  []*event.Event{ev(0, "q", action("approval.requested"))},
		},
		{
			name:   "middle not step ends the pending match",
			rules:  seqMiddleNot,
			events: []*event.Event{ev(0, "a", action("a")), ev(min, "b", action("b")), ev(2*min, "c", action("c"))},
		},
		{
			name:   "middle not step absent",
			rules:  seqMiddleNot,
			events: []*event.Event{ev(0, "a", action("a")), ev(min, "x", action("x")), ev(2*min, "c", action("c"))},
			want:   []string{"MIDNOT acme|f1 [a:a c:c] @2m0s"},
		},
		{
			name:  "step keys line up with the rule's keys",
			rules: seqStepBy,
			events: []*event.Event{
				ev(0, "r", read, user("alice"), flow("f1")),
				ev(min, "s1", send, subject("bob"), flow("f2")),
				ev(2*min, "s2", send, subject("alice"), flow("f3")),
			},
			want: []string{"STEPBY acme|alice [r:read s2:send] @2m0s"},
		},
		{
			name:  "eviction loses the pending match and counts it",
			rules: seqRules,
			opts:  Options{MaxKeys: 2},
			events: []*event.Event{
				ev(0, "r1", read, flow("f1")), ev(time.Second, "r2", read, flow("f2")), ev(2*time.Second, "r3", read, flow("f3")),
				ev(3*time.Second, "s1", send, flow("f1")), ev(4*time.Second, "s3", send, flow("f3")),
			},
			want: []string{"SEQ acme|f3 [r3:read s3:send] @4s"},
			check: func(t *testing.T, c *Correlator) {
				s := ruleStats(c, "SEQ")
				if s.Evictions != 1 || s.LostPending != 1 {
					t.Errorf("Evictions, LostPending = %d, %d; want 1, 1", s.Evictions, s.LostPending)
				}
			},
		},
	}
	runMatchCases(t, "", tests)
}
