package detect_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/internal/testevents"
	"github.com/mcpsoc/mcpsoc/rules"
)

// benchEvents returns the events of the demo traffic between 1 and 4 KiB,
// the size of real tool-call audit events.
func benchEvents(b *testing.B) [][]byte {
	b.Helper()
	out, err := testevents.Lines("../testdata/events/demo.jsonl", 1024, 4096)
	if err != nil || len(out) == 0 {
		b.Skip("no 1-4 KiB events in the demo traffic:", err)
	}
	return out
}

// passShift moves the events of the next pass over the demo traffic later
// than every window of the pass before (the traffic spans two days; the
// longest window of the pack is 2h), so that each pass is fresh traffic in
// event time rather than a replay of late events.
const passShift = 72 * time.Hour

// BenchmarkEngine measures decode and evaluation of the shipped rules over
// the demo traffic's 1-4 KiB events, separately and together. Evaluation
// runs the events pass after pass, each pass 72h later in event time, so
// that correlation sees a stream that moves on (windows close, sequences
// complete and fire again) as in production.
//
// The yardstick sub-benchmark is strings.ToLower of 4 KiB, which
// shared/research/performance-anchors.md §2.5 measured at 4.6 µs on the
// reference machine: divide a figure by the yardstick of the same run and
// multiply by 4.6 µs to compare it with the targets set on that machine.
//
//	go test -run='^$' -bench=Engine -benchmem -count=6 ./detect
func BenchmarkEngine(b *testing.B) {
	raw := benchEvents(b)
	set, err := rules.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	var size int
	for _, r := range raw {
		size += len(r)
	}
	avg := int64(size / len(raw))
	evs := decodeAll(b, raw)
	var alerts int
	count := func(*alert.Alert) { alerts++ }
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		if alerts > 0 {
			b.ReportMetric(float64(alerts)/float64(b.N), "alerts/event")
		}
	}
	b.Run("yardstick", func(b *testing.B) {
		s := "H" + strings.Repeat("the quarterly report lists revenue by region. ", 90)[:4095]
		b.SetBytes(int64(len(s)))
		for b.Loop() {
			yardstick = strings.ToLower(s)
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(avg)
		b.ReportAllocs()
		var ev event.Event
		dec := event.NewDecoder(event.Limits{}) // as each pipeline shard decodes
		for i := 0; b.Loop(); i++ {
			if err := dec.DecodeInto(&ev, raw[i%len(raw)]); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	// evaluate runs over every event; the others over part of the traffic:
	// tool calls are most of real traffic; tool definitions (a tools/list
	// answer, once per session) carry the costliest checks (content
	// scoring, definition hashes); "quiet" leaves out every event that is
	// evidence of an alert of the demo's attack stories, for the cost of
	// traffic that raises nothing.
	evidence := alertEvidence(b, set, evs)
	for _, kind := range []struct {
		name string
		keep func(*event.Event) bool
	}{
		{"evaluate", func(*event.Event) bool { return true }},
		{"evaluate-calls", func(ev *event.Event) bool { return ev.Event.Action == "tools/call" }},
		{"evaluate-definitions", func(ev *event.Event) bool { return ev.Event.Action == "mcp.tool.definition" }},
		{"evaluate-quiet", func(ev *event.Event) bool { return !evidence[ev.Event.ID] }},
	} {
		sub := copiesOf(evs, kind.keep)
		b.Run(kind.name, func(b *testing.B) {
			alerts = 0
			evaluatePasses(b, set, sub, count)
			report(b)
		})
	}
	b.Run("decode+evaluate", func(b *testing.B) {
		b.SetBytes(avg)
		b.ReportAllocs()
		eng, err := detect.New(set, detect.Options{})
		if err != nil {
			b.Fatal(err)
		}
		alerts = 0
		var ev event.Event
		dec := event.NewDecoder(event.Limits{})
		for i := 0; b.Loop(); i++ {
			if err := dec.DecodeInto(&ev, raw[i%len(raw)]); err != nil {
				b.Fatal(err)
			}
			ev.Timestamp = ev.Timestamp.Add(time.Duration(i/len(raw)) * passShift)
			eng.Process(&ev, count)
		}
		report(b)
	})
}

var yardstick string

// alertEvidence runs the rules once over evs and returns the ids of the
// events that are evidence of an alert.
func alertEvidence(b *testing.B, set *rules.Set, evs []*event.Event) map[string]bool {
	b.Helper()
	eng, err := detect.New(set, detect.Options{})
	if err != nil {
		b.Fatal(err)
	}
	out := make(map[string]bool)
	keep := func(a *alert.Alert) {
		for _, id := range a.MCP.Alert.EvidenceEventIDs {
			out[id] = true
		}
	}
	for _, ev := range evs {
		c := *ev
		eng.Process(&c, keep)
	}
	eng.Flush(keep)
	return out
}

// BenchmarkRuleCost measures what each enabled rule of the shipped pack
// costs on its own over the 1-4 KiB demo events (a set with only that rule
// enabled), and the pack's match rules, correlation rules and all rules
// together. It shows where evaluation time goes and which rules to look at
// first; the per-rule figures add up to more than "all", which shares the
// per-event cache of costly calls between rules.
//
//	go test -run='^$' -bench=RuleCost -benchmem ./detect
func BenchmarkRuleCost(b *testing.B) {
	raw := benchEvents(b)
	set, err := rules.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	evs := decodeAll(b, raw)
	// only returns set with the rules keep accepts enabled.
	only := func(keep func(*rules.Rule) bool) *rules.Set {
		s := *set
		s.Rules = make([]*rules.Rule, len(set.Rules))
		for i, r := range set.Rules {
			c := *r
			c.Enabled = r.Enabled && keep(r)
			s.Rules[i] = &c
		}
		return &s
	}
	type variant struct {
		name string
		keep func(*rules.Rule) bool
	}
	variants := []variant{
		{"all", func(*rules.Rule) bool { return true }},
		{"match", func(r *rules.Rule) bool { return r.Kind == rules.KindMatch }},
		{"correlation", func(r *rules.Rule) bool { return r.Kind != rules.KindMatch }},
	}
	for _, r := range set.Rules {
		if r.Enabled {
			id := r.ID
			variants = append(variants, variant{id, func(r *rules.Rule) bool { return r.ID == id }})
		}
	}
	discard := func(*alert.Alert) {}
	for _, v := range variants {
		sub := copiesOf(evs, func(*event.Event) bool { return true })
		s := only(v.keep)
		b.Run(v.name, func(b *testing.B) { evaluatePasses(b, s, sub, discard) })
	}
}

// decodeAll decodes the benchmark's events.
func decodeAll(b *testing.B, raw [][]byte) []*event.Event {
	b.Helper()
	evs := make([]*event.Event, len(raw))
	for i, r := range raw {
		var err error
		if evs[i], err = event.Decode(r, event.Limits{}); err != nil {
			b.Fatalf("event %d: %v", i, err)
		}
	}
	return evs
}

// copiesOf returns copies of the events keep accepts, for a sub-benchmark
// to move in time without touching the others' events.
func copiesOf(evs []*event.Event, keep func(*event.Event) bool) []*event.Event {
	var out []*event.Event
	for _, ev := range evs {
		if keep(ev) {
			c := *ev
			out = append(out, &c)
		}
	}
	return out
}

// evaluatePasses runs a fresh engine on set over evs, pass after pass,
// each pass passShift later than the one before, emitting to emit.
func evaluatePasses(b *testing.B, set *rules.Set, evs []*event.Event, emit func(*alert.Alert)) {
	b.ReportAllocs()
	eng, err := detect.New(set, detect.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		j := i % len(evs)
		if j == 0 && i > 0 {
			// The next pass, later than every window of this one.
			for _, ev := range evs {
				ev.Timestamp = ev.Timestamp.Add(passShift)
			}
		}
		eng.Process(evs[j], emit)
	}
}
