package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/detect/pipeline"
	"github.com/mcpsoc/mcpsoc/ingest"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
	"github.com/mcpsoc/mcpsoc/internal/testevents"
	"github.com/mcpsoc/mcpsoc/rules"
	"github.com/mcpsoc/mcpsoc/sinks"
)

// benchEvents is the number of events each iteration of
// BenchmarkKafkaPipeline processes.
const benchEvents = 20000

// demoEvents returns the events of the demo traffic between 1 and 4 KiB,
// the size of real tool-call audit events.
func demoEvents(b *testing.B) [][]byte {
	b.Helper()
	lines, err := testevents.Lines("../../testdata/events/demo.jsonl", 1024, 4096)
	var out [][]byte
	for _, line := range lines {
		if _, err := event.Decode(line, event.Limits{}); err == nil {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		b.Skip("no 1-4 KiB events in the demo traffic:", err)
	}
	return out
}

// benchGroups numbers the consumer groups of the kafka case: each
// iteration of each round needs a group with no committed offsets.
var benchGroups atomic.Int64

// engineRates are the events/s of the engine-only runs so far; the ratios
// are to their median (with -count=N, go test runs engine-only N times
// before the other cases).
var engineRates []float64

func engineRate() float64 {
	if len(engineRates) == 0 {
		return 0
	}
	r := slices.Sorted(slices.Values(engineRates))
	if n := len(r); n%2 == 0 {
		return (r[n/2-1] + r[n/2]) / 2
	}
	return r[len(r)/2]
}

// BenchmarkKafkaPipeline measures events per second through the built-in
// rules to a discarding sink, from the same 20,000 demo events (1-4 KiB,
// keyed organization.id|flow.id, 4 partitions) produced once to an
// in-process kfake broker:
//
//   - engine-only: decode and detect.Engine.Process on one goroutine, one
//     engine per partition, partition after partition;
//   - memory-source: the Runner fed by an in-memory ingest.Source, records
//     of the partitions interleaved, production defaults (one shard per
//     core); memory-source/shards=1 the same on one shard;
//   - kafka: the Runner fed by the real Kafka Source, a new consumer group
//     per iteration, production defaults. Its events/s counts from the first
//     record read to the last one acknowledged (alerts delivered): joining
//     and leaving the group are in ns/op but not in events/s.
//
// kafka/engine (x-engine for memory-source) is the ratio of the rate to the
// median engine-only rate of the same process. cpu-ns/event is the CPU time
// of the whole process per event, which a shared machine disturbs less than
// the wall clock.
//
//	go test -run='^$' -bench=KafkaPipeline -count=6 ./detect/pipeline
func BenchmarkKafkaPipeline(b *testing.B) {
	raw := demoEvents(b)
	set, err := rules.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	br := startBroker(b, 4)
	values := make([][]byte, benchEvents)
	var size int
	for i := range values {
		values[i] = raw[i%len(raw)]
		size += len(values[i])
	}
	br.produce(b, values...)
	tc := br.read(b, auditTopic)
	var perPartition [][]ingest.Record
	for p, ms := range tc.msgs {
		var recs []ingest.Record
		for _, m := range ms {
			recs = append(recs, ingest.Record{Topic: m.Topic, Partition: p, Offset: m.Offset, Key: m.Key, Value: m.Value, Time: m.Time, Generation: 1})
		}
		perPartition = append(perPartition, recs)
	}
	var interleaved []ingest.Record
	for i := 0; len(interleaved) < benchEvents; i++ {
		for _, recs := range perPartition {
			if i < len(recs) {
				interleaved = append(interleaved, recs[i])
			}
		}
	}
	avg := int64(size / benchEvents)
	// rate reports events/s over the wall time d and the CPU time the
	// process used per event (every core, and in the kafka case the
	// in-process broker too): on a shared machine the second is the
	// steadier one.
	rate := func(b *testing.B, d, cpu time.Duration) float64 {
		n := float64(b.N * benchEvents)
		r := n / d.Seconds()
		b.ReportMetric(r, "events/s")
		b.ReportMetric(float64(d.Nanoseconds())/n, "ns/event")
		if cpu > 0 {
			b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/event")
		}
		return r
	}

	b.Run("engine-only", func(b *testing.B) {
		b.SetBytes(avg * benchEvents)
		var ev event.Event
		var alerts int
		emit := func(*alert.Alert) { alerts++ }
		cpu0 := cpuTime()
		for b.Loop() {
			for _, recs := range perPartition {
				eng, err := detect.New(set, detect.Options{})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range recs {
					if err := event.DecodeInto(&ev, r.Value, event.Limits{}); err != nil {
						b.Fatal(err)
					}
					eng.Process(&ev, emit)
				}
			}
		}
		engineRates = append(engineRates, rate(b, b.Elapsed(), cpuTime()-cpu0))
		b.ReportMetric(float64(alerts)/float64(b.N), "alerts/op")
	})

	b.Run("engine-only/interleaved", func(b *testing.B) {
		b.SetBytes(avg * benchEvents)
		var ev event.Event
		emit := func(*alert.Alert) {}
		cpu0 := cpuTime()
		for b.Loop() {
			engs := make([]*detect.Engine, len(perPartition))
			for i := range engs {
				if engs[i], err = detect.New(set, detect.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			for _, r := range interleaved {
				if err := event.DecodeInto(&ev, r.Value, event.Limits{}); err != nil {
					b.Fatal(err)
				}
				engs[r.Partition].Process(&ev, emit)
			}
		}
		r := rate(b, b.Elapsed(), cpuTime()-cpu0)
		if e := engineRate(); e > 0 {
			b.ReportMetric(r/e, "x-engine")
		}
	})

	for _, shards := range []int{1, 0} {
		name := "memory-source"
		if shards == 1 {
			// One shard: the pipeline's own cost, without running two
			// engines at once on the machine's cores.
			name += "/shards=1"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(avg * benchEvents)
			cpu0 := cpuTime()
			for b.Loop() {
				src := &sliceSource{recs: interleaved}
				run := pipeline.New(src, set, sinks.Discard{}, pipeline.Options{Shards: shards})
				if err := run.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
				if st := run.Stats(); st.Events != benchEvents {
					b.Fatalf("%d events, want %d", st.Events, benchEvents)
				}
			}
			r := rate(b, b.Elapsed(), cpuTime()-cpu0)
			if e := engineRate(); e > 0 {
				b.ReportMetric(r/e, "x-engine")
			}
		})
	}

	b.Run("kafka", func(b *testing.B) {
		b.SetBytes(avg * benchEvents)
		var busy, cpu time.Duration
		for b.Loop() {
			cfg := kafka.Config{
				Conn:              kafka.Conn{Brokers: []string{br.Addr()}},
				GroupID:           fmt.Sprintf("bench-%d", benchGroups.Add(1)),
				Topics:            []string{auditTopic},
				SessionTimeout:    6 * time.Second,
				HeartbeatInterval: 300 * time.Millisecond,
				RebalanceTimeout:  6 * time.Second,
			}
			src, err := kafka.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			timed := &timedSource{Source: src}
			run := pipeline.New(timed, set, sinks.Discard{}, pipeline.Options{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- run.Run(ctx) }()
			deadline := time.Now().Add(2 * time.Minute)
			for src.Stats().Acks < benchEvents {
				if time.Now().After(deadline) {
					b.Fatalf("timed out: %+v", src.Stats())
				}
				time.Sleep(time.Millisecond)
			}
			busy += time.Since(time.Unix(0, timed.first.Load()))
			cpu += cpuTime() - time.Duration(timed.firstCPU.Load())
			cancel()
			<-done
			closeCtx, cancelClose := context.WithTimeout(context.Background(), 30*time.Second)
			if err := src.Close(closeCtx); err != nil {
				b.Fatal(err)
			}
			cancelClose()
			if st := run.Stats(); st.Events != benchEvents {
				b.Fatalf("%d events, want %d", st.Events, benchEvents)
			}
		}
		r := rate(b, busy, cpu)
		if e := engineRate(); e > 0 {
			b.ReportMetric(r/e, "kafka/engine")
		}
	})
}

// sliceSource is an in-memory ingest.Source over records; it returns io.EOF
// at the end.
type sliceSource struct {
	recs []ingest.Record
	i    int
}

func (s *sliceSource) Read(ctx context.Context) (ingest.Record, ingest.AckFunc, error) {
	if s.i == len(s.recs) {
		return ingest.Record{}, nil, io.EOF
	}
	s.i++
	return s.recs[s.i-1], noAck, nil
}

func (s *sliceSource) Close(context.Context) error { return nil }

func noAck(context.Context, error) error { return nil }

// timedSource notes when its first record was read, and the process's
// CPU time then.
type timedSource struct {
	ingest.Source
	first    atomic.Int64 // unix nanoseconds
	firstCPU atomic.Int64
}

func (s *timedSource) Read(ctx context.Context) (ingest.Record, ingest.AckFunc, error) {
	rec, ack, err := s.Source.Read(ctx)
	if err == nil && s.first.Load() == 0 {
		s.firstCPU.Store(int64(cpuTime()))
		s.first.Store(time.Now().UnixNano())
	}
	return rec, ack, err
}
