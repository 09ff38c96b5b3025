package detect_test

import (
	"bufio"
	"bytes"
	"os"
	"testing"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// benchEvents returns the events of the demo traffic between 1 and 4 KiB,
// the size of real tool-call audit events.
func benchEvents(b *testing.B) [][]byte {
	b.Helper()
	f, err := os.Open("../testdata/events/demo.jsonl")
	if err != nil {
		b.Skip("no demo traffic:", err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) >= 1024 && len(line) <= 4096 {
			out = append(out, bytes.Clone(line))
		}
	}
	if len(out) == 0 {
		b.Skip("no 1-4 KiB events in the demo traffic")
	}
	return out
}

// BenchmarkEngine measures decode and evaluation of the shipped rules over
// the demo traffic's 1-4 KiB events, separately and together.
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
	evs := make([]*event.Event, len(raw))
	for i, r := range raw {
		if evs[i], err = event.Decode(r, event.Limits{}); err != nil {
			b.Fatalf("event %d: %v", i, err)
		}
	}
	discard := func(*alert.Alert) {}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	}

	b.Run("decode", func(b *testing.B) {
		b.SetBytes(avg)
		b.ReportAllocs()
		var ev event.Event
		for i := 0; b.Loop(); i++ {
			if err := event.DecodeInto(&ev, raw[i%len(raw)], event.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("evaluate", func(b *testing.B) {
		b.ReportAllocs()
		eng, err := detect.New(set, detect.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; b.Loop(); i++ {
			eng.Process(evs[i%len(evs)], discard)
		}
		report(b)
	})
	b.Run("decode+evaluate", func(b *testing.B) {
		b.SetBytes(avg)
		b.ReportAllocs()
		eng, err := detect.New(set, detect.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var ev event.Event
		for i := 0; b.Loop(); i++ {
			if err := event.DecodeInto(&ev, raw[i%len(raw)], event.Limits{}); err != nil {
				b.Fatal(err)
			}
			eng.Process(&ev, discard)
		}
		report(b)
	})
}
