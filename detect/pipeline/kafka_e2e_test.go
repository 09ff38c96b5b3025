package pipeline_test

// End-to-end tests of the production path: a real in-process Kafka broker
// (kfake), produced to with a kafka-go Writer keyed organization.id|flow.id
// as a gateway does, consumed by the real ingest/kafka Source in a consumer
// group, through the Runner and a sink wrapped in sinks.Retry. Offsets are
// read back from the broker with OffsetFetch. Every wait polls for a state
// with a deadline; nothing asserts on durations.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mcpsoc/mcpsoc/detect/pipeline"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
	"github.com/mcpsoc/mcpsoc/sinks/deadletter"
)

// noLateness makes a sequence alert fire on its last step.
const noLateness = -1

// defaultLateness is production's allowed lateness (2m): a sequence alert
// fires once a later event moves the watermark past its last step.
const defaultLateness = 0

// TestKafkaCommitAfterDelivery checks that offsets are committed only after
// the sink accepted every alert derived from them and from everything
// before them on their partition: while the sink refuses one alert
// (a *sinks.BatchError) and while it is down (a plain error), commits stay
// at or below the first record whose alert is not accepted; once it recovers
// every alert is delivered exactly once and the commits reach the end.
func TestKafkaCommitAfterDelivery(t *testing.T) {
	const group = "g-commit"
	b := startBroker(t, 4)
	sink := newTestSink()
	m := startMember(t, b, group, sink, noLateness, nil)
	guard := guardCommits(t, b, group, sink)
	var want []string

	// 1. The sink accepts everything.
	s1 := mixed("ok", 12, testBase)
	b.produce(t, s1.values()...)
	want = append(want, s1.want...)
	tc := b.read(t, auditTopic)
	guard.expect(s1.want, tc)
	waitAlerts(t, want, sink)
	b.waitCommitted(t, group, tc.end)

	// 2. The sink refuses the alert of one record; sinks.Retry retries it
	// alone, the Runner waits.
	s2 := mixed("refuse", 12, s1.clock)
	refused := s2.evs[11] // the match call of flow 5
	if refused.tool != toolMatch {
		t.Fatalf("test bug: %s is a %s call", refused.id, refused.tool)
	}
	sink.set(func(s *testSink) { s.refuse[refused.id] = true })
	b.produce(t, s2.values()...)
	want = append(want, s2.want...)
	tc = b.read(t, auditTopic)
	guard.expect(s2.want, tc)
	at := tc.byID[refused.id]
	refusals := sink.counter(func(s *testSink) int { return s.refused })
	for n := 1; n <= 5; n++ {
		waitFor(t, say("the sink to refuse again"), func() bool { return refusals() >= n })
		committed, _ := guard.check()
		if committed[at.partition] > at.offset {
			t.Fatalf("partition %d committed at %d while the alert of record %d is refused", at.partition, committed[at.partition], at.offset)
		}
	}
	if have := keys(sink.snapshot()); have[alertKey(ruleMatch, refused.id)] {
		t.Fatalf("refused alert accepted")
	}
	sink.set(func(s *testSink) { clear(s.refuse) })
	waitAlerts(t, want, sink)
	b.waitCommitted(t, group, tc.end)

	// 3. The sink is down: every write fails.
	sink.set(func(s *testSink) { s.down = errors.New("connection refused") })
	s3 := mixed("down", 12, s2.clock)
	b.produce(t, s3.values()...)
	want = append(want, s3.want...)
	end2 := tc.end
	tc = b.read(t, auditTopic)
	guard.expect(s3.want, tc)
	failures := sink.counter(func(s *testSink) int { return s.failed })
	for n := 1; n <= 5; n++ {
		waitFor(t, say("the sink to fail again"), func() bool { return failures() >= n })
		committed, bound := guard.check()
		for p := range committed {
			if bound[p] < tc.end[p] && committed[p] >= tc.end[p] {
				t.Fatalf("partition %d committed to its end %d while the sink is down", p, tc.end[p])
			}
			if committed[p] < end2[p] {
				t.Fatalf("partition %d committed at %d, behind %d committed before", p, committed[p], end2[p])
			}
		}
	}
	sink.set(func(s *testSink) { s.down = nil })
	waitAlerts(t, want, sink)
	b.waitCommitted(t, group, tc.end)
	guard.close()

	checkExactlyOnce(t, want, sink)
	m.checkRunning(t)
	if st := m.run.Stats(); st.Alerts != uint64(len(want)) || st.Events != uint64(len(s1.evs)+len(s2.evs)+len(s3.evs)) {
		t.Errorf("Stats: %d alerts and %d events, want %d and %d", st.Alerts, st.Events, len(want), len(s1.evs)+len(s2.evs)+len(s3.evs))
	}
	if g := m.src.Stats().Generations; g != 1 {
		t.Errorf("%d generations, want 1: a rebalance happened", g)
	}
	t.Logf("%d alerts, %d commit samples checked", len(want), guard.sampled())
}

// TestKafkaDeadLetters checks that records the decoder refuses (truncated
// JSON, a missing required field, an oversized record) are written to the
// dead-letter topic with their reason and source coordinates, and that the
// pipeline goes on and commits past them, but only once they are stored:
// while the dead-letter topic refuses writes, commits stay behind them.
func TestKafkaDeadLetters(t *testing.T) {
	const group = "g-dlq"
	b := startBroker(t, 4)
	dlq, err := deadletter.New(deadletter.Config{Conn: kafka.Conn{Brokers: []string{b.Addr()}}, Topic: dlqTopic})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dlq.Close(context.Background()) })
	sink := newTestSink()
	const maxEvent = 4096
	m := startMember(t, b, group, sink, noLateness, func(_ *kafka.Config, o *pipeline.Options) {
		o.DeadLetter = dlq.Write
		o.Limits.MaxEventBytes = maxEvent
	})

	s := mixed("dl", 8, testBase)
	good := s.values()
	truncated := bytes.Clone(good[3][:len(good[3])/2])
	noServer := bytes.Replace(ev{id: "dl-noserver", at: testBase, org: "acme", flow: "acme|dl-bad", tool: toolMatch}.json(),
		[]byte(`,"server":{"name":"db"}`), nil, 1)
	big := ev{id: "dl-big", at: testBase, org: "acme", flow: "acme|dl-bad", tool: toolMatch}.json()
	big = append(big[:len(big)-1], fmt.Appendf(nil, `,"labels":{"pad":%q}}`, bytes.Repeat([]byte("x"), 2*maxEvent))...)
	bad := map[string][]byte{"truncated": truncated, "no server": noServer, "oversized": big}

	var msgs []kafkago.Message
	for i, v := range good {
		msgs = append(msgs, gatewayMessage(v, ""))
		switch i {
		case 4:
			msgs = append(msgs, kafkago.Message{Key: []byte("acme|acme|dl-bad"), Value: truncated})
		case 9:
			msgs = append(msgs, kafkago.Message{Key: []byte("acme|acme|dl-bad"), Value: noServer})
		case 14:
			msgs = append(msgs, kafkago.Message{Key: []byte("acme|acme|dl-bad"), Value: big})
		}
	}
	// The dead-letter topic refuses writes at first: the records must not
	// be committed past until they are stored.
	dlqDown := b.Cluster().Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.Produce}, Topic: dlqTopic, Err: kerr.TopicAuthorizationFailed, Count: -1,
	})
	b.produceMessages(t, msgs...)
	tc := b.read(t, auditTopic)
	first := where(tc, truncated)
	waitFor(t, say("dead-lettering to be retried"), func() bool { return dlqDown.Hits() >= 3 })
	if got := b.committed(t, group)[first.partition]; got > first.offset {
		t.Fatalf("partition %d committed at %d past record %d, which could not be dead-lettered", first.partition, got, first.offset)
	}
	dlqDown.Remove()

	waitAlerts(t, s.want, sink)
	waitFor(t, say("3 bad events"), func() bool { return m.run.Stats().BadEvents == 3 })
	b.waitCommitted(t, group, tc.end)
	checkExactlyOnce(t, s.want, sink)

	var dead []kafkago.Message
	waitFor(t, func() string { return fmt.Sprintf("3 dead letters, have %d", len(dead)) }, func() bool {
		dead = slices.Concat(b.read(t, dlqTopic).msgs...)
		return len(dead) >= len(bad)
	})
	if len(dead) != len(bad) {
		t.Fatalf("%d dead letters, want %d", len(dead), len(bad))
	}
	for _, d := range dead {
		h := map[string]string{}
		for _, x := range d.Headers {
			h[x.Key] = string(x.Value)
		}
		name := ""
		for n, v := range bad {
			if bytes.Equal(d.Value, v) {
				name = n
			}
		}
		if name == "" {
			t.Errorf("dead letter %q is none of the bad records", d.Value[:min(len(d.Value), 80)])
			continue
		}
		w := where(tc, bad[name])
		t.Logf("%s: dead-lettered from %s/%s@%s: %s", name, h[deadletter.HeaderSourceTopic],
			h[deadletter.HeaderSourcePartition], h[deadletter.HeaderSourceOffset], h[deadletter.HeaderReason])
		if h[deadletter.HeaderReason] == "" {
			t.Errorf("%s: no %s header", name, deadletter.HeaderReason)
		}
		if h[deadletter.HeaderSourceTopic] != auditTopic ||
			h[deadletter.HeaderSourcePartition] != strconv.Itoa(w.partition) ||
			h[deadletter.HeaderSourceOffset] != strconv.FormatInt(w.offset, 10) {
			t.Errorf("%s: source headers %s/%s@%s, want %s/%d@%d", name, h[deadletter.HeaderSourceTopic],
				h[deadletter.HeaderSourcePartition], h[deadletter.HeaderSourceOffset], auditTopic, w.partition, w.offset)
		}
		if string(d.Key) != "acme|acme|dl-bad" {
			t.Errorf("%s: key %q, want the source record's", name, d.Key)
		}
	}
	if st := m.run.Stats(); st.Events != uint64(len(good)) {
		t.Errorf("%d events decoded, want %d", st.Events, len(good))
	}
}

// where returns the position of the record whose value is v.
func where(tc topicContent, v []byte) pos {
	for p, ms := range tc.msgs {
		for _, m := range ms {
			if bytes.Equal(m.Value, v) {
				return pos{p, m.Offset}
			}
		}
	}
	panic("test bug: no such record")
}

// TestKafkaCrashMidChain SIGKILLs a pipeline process after step A of a
// sequence was consumed and committed and before step B is produced. A new
// process in the same group raises the sequence alert once B arrives,
// thanks to the warm-up re-read (Config.Rewind), and raises nothing for the
// records it re-reads: the alert the dead process delivered is not
// delivered again.
func TestKafkaCrashMidChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process and waits for its session to expire")
	}
	const group = "g-crash"
	b := startBroker(t, 4)
	s := newScenario("crash", testBase)
	flow := "acme|crash-flow"
	match := s.add(flow, toolMatch)
	a := s.add(flow, toolStepA)
	b.produce(t, match.json(), a.json())
	tc := b.read(t, auditTopic)
	at := tc.byID[a.id]

	c := startChild(t, b, group, defaultLateness)
	wantMatch := alertKey(ruleMatch, match.id)
	waitAlerts(t, []string{wantMatch}, c)
	waitFor(t, say("the child to commit step A"), func() bool {
		return b.committed(t, group)[at.partition] == at.offset+1
	})
	c.Kill(t)

	sink := newTestSink()
	m := startMember(t, b, group, sink, defaultLateness, nil)
	bStep := s.add(flow, toolStepB)
	s.clock = s.clock.Add(3 * time.Minute) // past the allowed lateness
	tick := s.add(flow, toolBenign)
	b.produce(t, bStep.json(), tick.json())
	wantSeq := alertKey(ruleSeq, bStep.id)
	waitAlerts(t, []string{wantSeq}, sink)
	tc = b.read(t, auditTopic)
	b.waitCommitted(t, group, tc.end)

	checkExactlyOnce(t, []string{wantMatch, wantSeq}, c, sink)
	st := m.run.Stats()
	if st.Warmup < 2 || st.MutedAlerts < 1 {
		t.Errorf("Stats: %d warm-up records and %d muted alerts, want the match call and step A re-read and their alert muted", st.Warmup, st.MutedAlerts)
	}
	if live := st.Records - st.Warmup; live != 2 {
		t.Errorf("%d live records after the restart, want 2 (step B and the tick)", live)
	}
}

// TestKafkaTwoMembersTakeover runs two members in one group on 4
// partitions. One dies after consuming step A of a sequence on one of its
// partitions; the other takes its partitions over and raises the sequence
// alert when step B arrives, once.
func TestKafkaTwoMembersTakeover(t *testing.T) {
	for _, how := range []string{"close", "sigkill"} {
		t.Run(how, func(t *testing.T) {
			if how == "sigkill" && testing.Short() {
				t.Skip("starts a child process and waits for its session to expire")
			}
			group := "g-split-" + how
			b := startBroker(t, 4)
			survivorSink := newTestSink()
			var (
				dyingSet   alertSet
				dyingParts func() []int
				die        func()
				dyingLog   func() string
			)
			if how == "close" {
				sink := newTestSink()
				dying := startMember(t, b, group, sink, defaultLateness, nil)
				dyingSet, dyingParts = sink, dying.owned
				dyingLog = func() string { return fmt.Sprintf("%+v", dying.src.Stats()) }
				die = func() {
					if err := dying.stop(t); !errors.Is(err, context.Canceled) {
						t.Errorf("Run: %v, want context.Canceled", err)
					}
				}
			} else {
				c := startChild(t, b, group, defaultLateness)
				dyingSet, dyingParts = c, c.ownedPartitions
				dyingLog = c.ownership
				die = func() { c.Kill(t) }
			}
			survivor := startMember(t, b, group, survivorSink, defaultLateness, nil)
			defer func() {
				if t.Failed() {
					t.Logf("dying member: %s", dyingLog())
					t.Logf("survivor: %+v", survivor.src.Stats())
				}
			}()
			waitFor(t, func() string {
				return fmt.Sprintf("the partitions to be split, have %v and %v", dyingParts(), survivor.owned())
			}, func() bool {
				d, s := dyingParts(), survivor.owned()
				all := slices.Sorted(slices.Values(slices.Concat(d, s)))
				return len(d) > 0 && len(s) > 0 && slices.Equal(all, []int{0, 1, 2, 3})
			})
			gone := dyingParts()
			t.Logf("dying member owns %v, survivor %v", gone, survivor.owned())

			// Traffic on every partition, and step A on one of the dying
			// member's partitions.
			s := mixed("split", 8, testBase)
			var flow string
			for i := 0; flow == ""; i++ {
				f := fmt.Sprintf("acme|split-chain-%d", i)
				if slices.Contains(gone, b.partitionOf(f)) {
					flow = f
				}
			}
			match := s.add(flow, toolMatch)
			a := s.add(flow, toolStepA)
			s.tick()
			b.produce(t, s.values()...)
			want := slices.Clone(s.want)
			tc := b.read(t, auditTopic)
			if p := tc.byID[a.id].partition; !slices.Contains(gone, p) {
				t.Fatalf("test bug: step A on partition %d, not one of %v", p, gone)
			}
			waitAlerts(t, want, dyingSet, survivorSink)
			b.waitCommitted(t, group, tc.end)
			if !keys(dyingSet.snapshot())[alertKey(ruleMatch, match.id)] {
				t.Fatalf("the match alert of the chain's flow was not raised by the dying member")
			}

			die()
			waitFor(t, func() string { return fmt.Sprintf("the survivor to own all partitions, has %v", survivor.owned()) },
				func() bool { return len(survivor.owned()) == 4 })
			bStep := s.add(flow, toolStepB)
			s.clock = s.clock.Add(3 * time.Minute)
			tick := s.add(flow, toolBenign)
			b.produce(t, bStep.json(), tick.json())
			want = append(want, alertKey(ruleSeq, bStep.id))
			waitAlerts(t, want, dyingSet, survivorSink)
			tc = b.read(t, auditTopic)
			b.waitCommitted(t, group, tc.end)

			checkExactlyOnce(t, want, dyingSet, survivorSink)
			if !keys(survivorSink.snapshot())[alertKey(ruleSeq, bStep.id)] {
				t.Errorf("the sequence alert was not raised by the survivor")
			}
			if st := survivor.run.Stats(); st.Warmup == 0 || st.MutedAlerts == 0 {
				t.Errorf("survivor: %d warm-up records, %d muted alerts; want the dead member's partitions re-read", st.Warmup, st.MutedAlerts)
			}
		})
	}
}

// TestKafkaBackpressure blocks the sink: the source stops fetching at
// MaxInFlight records per partition, the Runner reads no more, and nothing
// is committed. Released, everything is delivered and committed.
func TestKafkaBackpressure(t *testing.T) {
	const group = "g-backpressure"
	const maxInFlight = 8
	b := startBroker(t, 4)
	release := make(chan struct{})
	sink := newTestSink()
	sink.block = release
	m := startMember(t, b, group, sink, noLateness, func(c *kafka.Config, _ *pipeline.Options) {
		c.MaxInFlight = maxInFlight
	})
	s := newScenario("bp", testBase)
	for i := range 200 {
		s.add(fmt.Sprintf("acme|bp-flow-%d", i%40), toolMatch) // every record raises an alert
	}
	b.produce(t, s.values()...)
	tc := b.read(t, auditTopic)
	bound, full := 0, 0
	for p := range tc.msgs {
		bound += min(len(tc.msgs[p]), maxInFlight)
		if len(tc.msgs[p]) > maxInFlight {
			full++
		}
	}
	if full == 0 {
		t.Fatalf("test bug: no partition holds more than %d records: %v", maxInFlight, tc.end)
	}

	blocked := sink.counter(func(s *testSink) int { return s.blocked })
	var most uint64
	records := func() uint64 {
		n := m.run.Stats().Records
		most = max(most, n)
		return n
	}
	waitFor(t, func() string { return fmt.Sprintf("the Runner to read %d records, has %d", bound, most) }, func() bool {
		if n := records(); n > uint64(bound) {
			t.Fatalf("the Runner read %d records with the sink blocked, want at most %d (%d per partition)", n, bound, maxInFlight)
		}
		return most == uint64(bound) && blocked() > 0
	})
	waitFor(t, say("the source to pause"), func() bool { return m.src.Stats().PausedWaits >= int64(full) })
	// Keep sampling for a while: the count must not move.
	for range 50 {
		records()
		time.Sleep(5 * time.Millisecond)
	}
	if most != uint64(bound) {
		t.Fatalf("the Runner read %d records with the sink blocked, want at most %d (%d per partition)", most, bound, maxInFlight)
	}
	if got := b.committed(t, group); !slices.Equal(got, []int64{-1, -1, -1, -1}) {
		t.Fatalf("committed %v with the sink blocked, want nothing", got)
	}
	if n := sink.counter(func(s *testSink) int { return s.writes })(); n != 0 {
		t.Fatalf("%d writes went through a blocked sink", n)
	}

	sink.set(func(s *testSink) { s.block = nil })
	close(release)
	waitAlerts(t, s.want, sink)
	b.waitCommitted(t, group, tc.end)
	checkExactlyOnce(t, s.want, sink)
	if st := m.src.Stats(); st.Generations != 1 {
		t.Errorf("%d generations, want 1", st.Generations)
	}
}

// TestKafkaGracefulShutdown cancels the Runner's context: what was delivered
// is committed by the final commit (the commit interval is too long to do
// it), what was not is left for the next process. Restarts resume without
// raising again what was delivered, and finish a sequence begun before the
// restart.
func TestKafkaGracefulShutdown(t *testing.T) {
	const group = "g-shutdown"
	b := startBroker(t, 4)
	rareCommits := func(c *kafka.Config, o *pipeline.Options) {
		c.CommitInterval = time.Hour // only the final commit commits
		o.ShutdownTimeout = 500 * time.Millisecond
	}

	// 1. Deliver, stop, check the final commit.
	s := newScenario("stop", testBase)
	for i := range 16 {
		f := fmt.Sprintf("acme|stop-flow-%d", i)
		s.add(f, toolBenign)
		s.add(f, toolMatch)
	}
	chainFlow := "acme|stop-chain"
	s.add(chainFlow, toolStepA)
	b.produce(t, s.values()...)
	tc := b.read(t, auditTopic)
	sink1 := newTestSink()
	m1 := startMember(t, b, group, sink1, defaultLateness, rareCommits)
	want1 := slices.Clone(s.want)
	waitAlerts(t, want1, sink1)
	waitFor(t, say("every record to be read"), func() bool { return m1.run.Stats().Records == uint64(len(s.evs)) })
	if got := b.committed(t, group); !slices.Equal(got, []int64{-1, -1, -1, -1}) {
		t.Fatalf("committed %v before the shutdown, want nothing yet", got)
	}
	if err := m1.stop(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	if got := b.committed(t, group); !sameOffsets(got, tc.end) {
		t.Fatalf("committed %v after the shutdown, want %v", got, tc.end)
	}

	// 2. Restart: step B completes the chain; nothing of part 1 again.
	n1, w1 := len(s.evs), len(s.want)
	bStep := s.add(chainFlow, toolStepB)
	for i := range 8 {
		s.add(fmt.Sprintf("acme|stop-flow-%d", i), toolMatch)
	}
	s.clock = s.clock.Add(3 * time.Minute)
	s.add(chainFlow, toolBenign)
	want2 := append(slices.Clone(s.want[w1:]), alertKey(ruleSeq, bStep.id))
	sink2 := newTestSink()
	m2 := startMember(t, b, group, sink2, defaultLateness, rareCommits)
	b.produce(t, s.values()[n1:]...)
	tc = b.read(t, auditTopic)
	waitAlerts(t, want2, sink2)
	waitFor(t, say("every record to be read"), func() bool {
		st := m2.run.Stats()
		return st.Records-st.Warmup == uint64(len(s.evs)-n1)
	})
	st := m2.run.Stats()
	if st.Warmup == 0 || st.MutedAlerts == 0 {
		t.Errorf("restart: %d warm-up records, %d muted alerts; want part 1 re-read without alerts", st.Warmup, st.MutedAlerts)
	}

	// 3. The sink goes down; stop with alerts undelivered: their records
	// are not committed.
	end2 := tc.end
	sink2.set(func(s *testSink) { s.down = errors.New("connection refused") })
	n2, w2 := len(s.evs), len(s.want)
	for i := range 8 {
		s.add(fmt.Sprintf("acme|stop-flow-%d", i), toolMatch)
	}
	want3 := slices.Clone(s.want[w2:])
	b.produce(t, s.values()[n2:]...)
	tc = b.read(t, auditTopic)
	waitFor(t, say("the sink to fail"), func() bool { return sink2.counter(func(s *testSink) int { return s.failed })() >= 3 })
	if err := m2.stop(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	if got := b.committed(t, group); !sameOffsets(got, end2) {
		t.Fatalf("committed %v after a shutdown with undelivered alerts, want %v (what was delivered)", got, end2)
	}

	// 4. Restart with the sink back: the undelivered alerts, once.
	sink3 := newTestSink()
	startMember(t, b, group, sink3, defaultLateness, nil)
	waitAlerts(t, want3, sink3)
	b.waitCommitted(t, group, tc.end)
	checkExactlyOnce(t, slices.Concat(want1, want2, want3), sink1, sink2, sink3)
}

// TestKafkaRebalanceDuringOutage adds a second member while the first one's
// sink is down, so that the first member's generation ends with alerts in
// flight. Those records are read again (by the new owner, or by the first
// member in its new generation) while the first member still holds their
// alerts: at-least-once needs the duplicates. Nothing is lost, every
// duplicate carries the same alert id (the sinks' idempotency key), and the
// commits reach the end.
func TestKafkaRebalanceDuringOutage(t *testing.T) {
	const group = "g-outage-rebalance"
	b := startBroker(t, 4)
	first, second := newTestSink(), newTestSink()
	first.set(func(s *testSink) { s.down = errors.New("connection refused") })
	m1 := startMember(t, b, group, first, noLateness, func(c *kafka.Config, _ *pipeline.Options) {
		c.DrainTimeout = 200 * time.Millisecond // give up on the stuck alerts quickly
	})
	s := mixed("reb", 12, testBase)
	b.produce(t, s.values()...)
	tc := b.read(t, auditTopic)
	failures := first.counter(func(s *testSink) int { return s.failed })
	waitFor(t, say("the first sink to fail"), func() bool { return failures() >= 3 })

	m2 := startMember(t, b, group, second, noLateness, nil)
	waitFor(t, func() string {
		return fmt.Sprintf("the partitions to be split, have %v and %v", m1.owned(), m2.owned())
	}, func() bool {
		return len(m1.owned()) > 0 && len(m2.owned()) > 0 && len(m1.owned())+len(m2.owned()) == 4
	})
	first.set(func(s *testSink) { s.down = nil })
	waitAlerts(t, s.want, first, second)
	b.waitCommitted(t, group, tc.end)

	dups := checkAtLeastOnce(t, s.want, first, second)
	t.Logf("%d alerts, %d delivered again with the same id; first member had %d generations", len(s.want), dups, m1.src.Stats().Generations)
}

// TestKafkaStopMidStream stops a member while records are flowing through a
// slow sink: the Runner drains what it read, the final commit covers only
// records whose alerts were accepted, and the next member delivers the
// rest. Every alert is delivered exactly once over the two.
func TestKafkaStopMidStream(t *testing.T) {
	const group = "g-midstream"
	b := startBroker(t, 4)
	first, second := newTestSink(), newTestSink()
	first.set(func(s *testSink) { s.delay = 10 * time.Millisecond })
	s := newScenario("mid", testBase)
	for i := range 600 {
		s.add(fmt.Sprintf("acme|mid-flow-%d", i%50), toolMatch)
	}
	b.produce(t, s.values()...)
	tc := b.read(t, auditTopic)
	guard := guardCommits(t, b, group, first)
	guard.expect(s.want, tc)
	m1 := startMember(t, b, group, first, noLateness, func(c *kafka.Config, o *pipeline.Options) {
		c.MaxInFlight = 16 // the Runner holds at most 64 records: it stops with most unread
		o.BatchSize = 8
	})
	waitFor(t, say("some alerts"), func() bool { return len(first.snapshot()) >= 40 })
	if err := m1.stop(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled (everything read drained)", err)
	}
	committed, _ := guard.check()
	guard.close()
	delivered := len(first.snapshot())
	if st := m1.run.Stats(); st.Records != uint64(delivered) {
		t.Errorf("first member read %d records and delivered %d alerts; want every record read drained", st.Records, delivered)
	}
	if delivered == len(s.want) {
		t.Logf("the first member delivered everything before it stopped: the test proves less than it should")
	}
	t.Logf("first member delivered %d of %d alerts, committed %v", delivered, len(s.want), committed)

	startMember(t, b, group, second, noLateness, nil)
	waitAlerts(t, s.want, first, second)
	b.waitCommitted(t, group, tc.end)
	checkExactlyOnce(t, s.want, first, second)
}

// TestKafkaIdleReleaseSurvivesRestart: with the default allowed lateness, a
// sequence whose last step is the last event before a quiet spell is raised
// by the idle release (Options.IdleRelease), on the wall clock, after step B
// was acknowledged and committed (it raised nothing when processed).
//
//   - A restart before the idle release (here a graceful one; a crash or a
//     rebalance is the same) must not lose the alert: the new process
//     re-reads A and B in its warm-up and must raise it.
//   - A restart after it may raise it again (what an idle release emits
//     holds no offset, so nothing proves it was delivered), with the same
//     id: at-least-once, idempotent downstream.
func TestKafkaIdleReleaseSurvivesRestart(t *testing.T) {
	for _, tt := range []struct {
		name        string
		firstIdle   time.Duration
		beforeStop  int // alerts the first process delivers
		exactlyOnce bool
	}{
		{"restart before the idle release", time.Minute, 0, true},
		{"restart after the idle release", 100 * time.Millisecond, 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			group := "g-idle-" + strconv.Itoa(int(tt.firstIdle.Milliseconds()))
			b := startBroker(t, 4)
			s := newScenario("idle", testBase)
			_, bStep := s.chain("acme|idle-flow")
			b.produce(t, s.values()...)
			tc := b.read(t, auditTopic)
			at := tc.byID[bStep.id]
			want := []string{alertKey(ruleSeq, bStep.id)}

			first := newTestSink()
			m1 := startMember(t, b, group, first, defaultLateness, func(_ *kafka.Config, o *pipeline.Options) {
				o.IdleRelease = tt.firstIdle
			})
			waitFor(t, say("step B to be committed"), func() bool {
				return b.committed(t, group)[at.partition] == at.offset+1
			})
			if tt.beforeStop > 0 {
				waitAlerts(t, want, first)
			}
			if err := m1.stop(t); !errors.Is(err, context.Canceled) {
				t.Fatalf("Run: %v", err)
			}
			if n := len(first.snapshot()); n != tt.beforeStop {
				t.Fatalf("%d alerts before the restart, want %d", n, tt.beforeStop)
			}

			second := newTestSink()
			m2 := startMember(t, b, group, second, defaultLateness, func(_ *kafka.Config, o *pipeline.Options) {
				o.IdleRelease = 100 * time.Millisecond
			})
			waitFor(t, say("the sequence alert, or its idle release muted"), func() bool {
				return len(second.snapshot()) > 0 || m2.run.Stats().MutedAlerts > 0
			})
			if tt.exactlyOnce {
				if len(second.snapshot()) == 0 {
					// The only alert A and B can raise is the sequence's.
					t.Fatalf("the sequence alert is lost: the first process committed step B before its idle release raised it, "+
						"and the second one muted it (%d muted) as if it had been delivered", m2.run.Stats().MutedAlerts)
				}
				checkExactlyOnce(t, want, first, second)
				return
			}
			dups := checkAtLeastOnce(t, want, first, second)
			t.Logf("raised again after the restart: %d (muted %d)", dups, m2.run.Stats().MutedAlerts)
		})
	}
}

// TestKafkaIdleReleaseQuietPartition: IdleRelease is documented (config
// detection.idle_release) as "when a partition has been quiet this long".
// A partition whose last events (a complete sequence) are held for
// reordering must be released even while another partition of the same
// shard keeps receiving records.
func TestKafkaIdleReleaseQuietPartition(t *testing.T) {
	const group = "g-idle-quiet"
	b := startBroker(t, 4)
	// With 2 shards, partitions 0 and 2 share shard 0.
	flowOn := func(p int) string {
		for i := 0; ; i++ {
			if f := fmt.Sprintf("acme|quiet-%d", i); b.partitionOf(f) == p {
				return f
			}
		}
	}
	quiet, busy := flowOn(0), flowOn(2)
	sink := newTestSink()
	m := startMember(t, b, group, sink, defaultLateness, func(_ *kafka.Config, o *pipeline.Options) {
		o.Shards = 2
		o.IdleRelease = 200 * time.Millisecond
	})
	s := newScenario("quiet", testBase)
	_, bStep := s.chain(quiet)
	b.produce(t, s.values()...)
	want := alertKey(ruleSeq, bStep.id)

	// The busy partition gets a record every 50ms, with event times that
	// do not move the quiet partition's watermark (each partition has its
	// own engine).
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := b.writer()
		defer w.Close()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			e := ev{id: fmt.Sprintf("busy-%d", i), at: testBase.Add(time.Duration(i) * time.Second), org: "acme", flow: busy, tool: toolBenign}
			_ = w.WriteMessages(context.Background(), gatewayMessage(e.json(), ""))
		}
	}()
	defer func() { close(stop); <-done }()
	deadline := time.Now().Add(10 * time.Second) // 50 idle periods
	for !keys(sink.snapshot())[want] {
		if time.Now().After(deadline) {
			t.Fatalf("the sequence on quiet partition 0 was not released after 50 idle periods while partition 2, on the same shard, "+
				"kept receiving records (%d records read): IdleRelease is per shard, not per partition", m.run.Stats().Records)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
