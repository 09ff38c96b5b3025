package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/detect/facts"
	"github.com/mcpsoc/mcpsoc/detect/pipeline"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
	"github.com/mcpsoc/mcpsoc/ingest/kafka/state"
	"github.com/mcpsoc/mcpsoc/rules"
)

// Rule ids of factRules.
const (
	ruleNewServer = "FACT-NEWSRV"
	ruleRugPull   = "FACT-RUG"
)

// factRules remember values for days, keyed by organization (first_seen)
// or by organization, server and tool (change): not by flow, so a value
// learnt on one partition matters on the others.
const factRules = `
rules:
  - id: FACT-NEWSRV
    kind: first_seen
    name: MCP server never seen in this organization
    severity: low
    condition: mcp.method.name == "initialize"
    by: [organization.id]
    value: mcp.server.name
    learning: 1h
  - id: FACT-RUG
    kind: change
    name: Tool definition changed after it was first seen (rug pull)
    severity: critical
    condition: event.action == "mcp.tool.definition"
    by: [organization.id, mcp.server.name, gen_ai.tool.name]
    value: mcp.tool.description
`

func initialize(id string, at time.Time, srv string) []byte {
	return fmt.Appendf(nil, `{"@timestamp":%q,"event":{"id":%q,"kind":"event","action":"initialize"},`+
		`"organization":{"id":"acme"},"user":{"id":"alice"},`+
		`"mcp":{"method":{"name":"initialize"},"server":{"name":%q},"flow":{"id":"acme|%s"}}}`,
		at.Format(time.RFC3339Nano), id, srv, id)
}

func definition(id string, at time.Time, tool, desc string) []byte {
	return fmt.Appendf(nil, `{"@timestamp":%q,"event":{"id":%q,"kind":"event","action":"mcp.tool.definition"},`+
		`"organization":{"id":"acme"},"user":{"id":"alice"},`+
		`"mcp":{"method":{"name":"tools/list"},"server":{"name":"fs"},"flow":{"id":"acme|%s"},"tool":{"description":%q}},`+
		`"gen_ai":{"tool":{"name":%q}}}`,
		at.Format(time.RFC3339Nano), id, id, desc, tool)
}

// onPartition is a record for a chosen partition (see produceTo).
type onPartition struct {
	partition int
	value     []byte
}

// produceTo writes each value to the partition it names, in order: the
// balancer reads the partition from the key.
func (b *broker) produceTo(t testing.TB, recs ...onPartition) {
	t.Helper()
	w := b.writer()
	w.Balancer = kafkago.BalancerFunc(func(m kafkago.Message, _ ...int) int {
		p, _ := strconv.Atoi(strings.TrimPrefix(string(m.Key), "p"))
		return p
	})
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	for _, r := range recs {
		if err := w.WriteMessages(ctx, kafkago.Message{Key: fmt.Appendf(nil, "p%d", r.partition), Value: r.value}); err != nil {
			t.Fatalf("producing: %v", err)
		}
	}
}

// openState opens the Kafka state store of the tests on the broker.
func openState(t testing.TB, b *broker) *state.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	s, err := state.Open(ctx, state.Config{Conn: kafka.Conn{Brokers: []string{b.Addr()}}, MaxWait: 50 * time.Millisecond, Logger: testLogger("state")})
	if err != nil {
		t.Fatalf("state.Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// startFactMember starts a member running factRules with store, without
// warm-up (first_seen and change rules have no window: production's
// warmupSpan is 0 for them), so what survives a restart is what the store
// kept.
func startFactMember(t testing.TB, b *broker, group string, sink *testSink, store pipeline.FactStore) *member {
	t.Helper()
	cfg := sourceConfig(b.Addr(), group)
	cfg.Rewind = 0
	opts := pipelineOptions(-1)
	opts.Facts = store
	src, err := kafka.New(cfg)
	if err != nil {
		t.Fatalf("kafka.New: %v", err)
	}
	set, err := rules.Parse("facts.yaml", []byte(factRules))
	if err != nil {
		t.Fatalf("parsing the rules: %v", err)
	}
	m := &member{src: src, sink: sink, done: make(chan error, 1)}
	m.run = pipeline.New(src, set, sink.retried(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() { m.done <- m.run.Run(ctx) }()
	t.Cleanup(func() { m.stop(t) })
	return m
}

// TestKafkaFactsSurviveRestart: what first_seen and change rules learnt
// before a restart (the learning period's start, known servers, a tool's
// definition) is known after it, across partitions.
func TestKafkaFactsSurviveRestart(t *testing.T) {
	b := startBroker(t, 2)
	const group = "facts-restart"
	t1 := testBase
	t2 := t1.Add(2 * time.Hour) // after the 1h learning period

	store := openState(t, b)
	sink1 := newTestSink()
	m1 := startFactMember(t, b, group, sink1, store)
	b.produceTo(t,
		onPartition{0, initialize("i-alpha-1", t1, "alpha")},     // learning starts; alpha learnt silently
		onPartition{1, definition("d-read-1", t1, "read", "v1")}, // first definition learnt
	)
	b.waitCommitted(t, group, []int64{1, 1})
	if err := m1.stop(t); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if err := store.Close(context.Background()); err != nil {
		t.Fatalf("closing the state store: %v", err)
	}
	if got := sink1.snapshot(); len(got) != 0 {
		t.Fatalf("alerts before the restart: %v, want none", got)
	}

	// A new process: the state comes from the topic only.
	sink2 := newTestSink()
	startFactMember(t, b, group, sink2, openState(t, b))
	b.produceTo(t,
		onPartition{1, initialize("i-alpha-2", t2, "alpha")},                // known: nothing
		onPartition{1, initialize("i-beta-1", t2.Add(time.Minute), "beta")}, // new, after learning
		onPartition{0, definition("d-read-2", t2, "read", "v2")},            // a rug pull
	)
	want := []string{alertKey(ruleNewServer, "i-beta-1"), alertKey(ruleRugPull, "d-read-2")}
	waitAlerts(t, want, sink2)
	b.waitCommitted(t, group, []int64{2, 3})
	checkExactlyOnce(t, want, sink2)
}

// TestKafkaRugPullAcrossPartitions: a tool's first definition arrives on
// partition 0, the changed one on partition 1 (another shard): the rug pull
// is raised once, and partition 0 learns the new definition too.
func TestKafkaRugPullAcrossPartitions(t *testing.T) {
	b := startBroker(t, 2)
	const group = "facts-rug"
	sink := newTestSink()
	store := openState(t, b)
	startFactMember(t, b, group, sink, store)

	b.produceTo(t, onPartition{0, definition("d1", testBase, "read", "v1")})
	// Its offset is committed once its fact is published, so the other
	// partition knows it from then on.
	b.waitCommitted(t, group, []int64{1, 0})
	b.produceTo(t, onPartition{1, definition("d2", testBase.Add(time.Minute), "read", "v2")})
	want := []string{alertKey(ruleRugPull, "d2")}
	waitAlerts(t, want, sink)
	b.waitCommitted(t, group, []int64{1, 1})

	// Both partitions now hold v2: repeating it raises nothing.
	b.produceTo(t,
		onPartition{0, definition("d3", testBase.Add(2*time.Minute), "read", "v2")},
		onPartition{1, definition("d4", testBase.Add(3*time.Minute), "read", "v2")},
	)
	b.waitCommitted(t, group, []int64{2, 2})
	checkExactlyOnce(t, want, sink)
	if st := store.Stats(); st.Written != 2 {
		t.Errorf("facts written = %d, want 2 (v1 and v2)", st.Written)
	}
}

// gateStore is a FactStore whose Publish fails or blocks on demand.
type gateStore struct {
	*facts.Memory
	mu      sync.Mutex
	mode    string // "fail", "block" or "" (works)
	calls   int
	release chan struct{}
}

func (s *gateStore) Publish(ctx context.Context, fs []correlate.Fact) error {
	s.mu.Lock()
	s.calls++
	mode := s.mode
	s.mu.Unlock()
	switch mode {
	case "fail":
		return errors.New("state topic unavailable")
	case "block":
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.Memory.Publish(ctx, fs)
}

func (s *gateStore) set(mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = mode
}

func (s *gateStore) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// TestKafkaFactsHoldTheOffset: a record whose facts are not published yet
// is not acknowledged, so its offset is not committed, whatever happened to
// its alerts; it is once the store accepts them.
func TestKafkaFactsHoldTheOffset(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		attempt int // Publish calls to wait for before checking
	}{
		{name: "Publish fails", mode: "fail", attempt: 2},
		{name: "Publish blocks", mode: "block", attempt: 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startBroker(t, 1)
			group := fmt.Sprintf("facts-hold-%d", i)
			store := &gateStore{Memory: facts.NewMemory(0), release: make(chan struct{})}
			sink := newTestSink()
			m := startFactMember(t, b, group, sink, store)

			// A record that teaches nothing is committed at once.
			b.produceTo(t, onPartition{0, initialize("noise", testBase, "")})
			b.waitCommitted(t, group, []int64{1})

			store.set(tt.mode)
			b.produceTo(t, onPartition{0, definition("d1", testBase, "read", "v1")})
			waitFor(t, say("Publish to be called"), func() bool { return store.attempts() >= tt.attempt })
			st := m.src.Stats()
			if len(st.Partitions) != 1 || st.Partitions[0].Pending != 1 {
				t.Fatalf("source partitions = %+v, want 1 record pending (unacknowledged)", st.Partitions)
			}
			if got := b.committed(t, group); got[0] != 1 {
				t.Fatalf("committed offset = %d while the facts are not published, want 1", got[0])
			}

			store.set("")
			close(store.release)
			b.waitCommitted(t, group, []int64{2})
			if n := len(store.Snapshot()); n != 1 {
				t.Errorf("store holds %d facts, want 1", n)
			}
			if tt.mode == "fail" && m.run.Stats().FactErrors == 0 {
				t.Error("FactErrors = 0, want the failed attempts counted")
			}
		})
	}
}
