package state

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"go.uber.org/goleak"

	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/detect/facts"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
	"github.com/mcpsoc/mcpsoc/rules"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testTimeout bounds every wait for an expected state.
const testTimeout = 30 * time.Second

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func startBroker(t *testing.T) *kafka.Embedded {
	t.Helper()
	e, err := kafka.StartEmbedded(context.Background(), kafka.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

func open(t *testing.T, addr string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	s, err := Open(ctx, Config{Conn: kafka.Conn{Brokers: []string{addr}}, MaxWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func publish(t *testing.T, s *Store, fs ...correlate.Fact) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.Publish(ctx, fs); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

func seen(key, value string, at time.Duration) correlate.Fact {
	return correlate.Fact{Rule: "NEWSRV", Version: "1", Kind: rules.KindFirstSeen, Key: key, Value: value, Time: t0.Add(at)}
}

func def(value string, at time.Duration) correlate.Fact {
	return correlate.Fact{Rule: "RUG", Version: "1", Kind: rules.KindChange, Key: "acme|fs|read", Value: value, Text: "text of " + value, Time: t0.Add(at)}
}

func lines(fs []correlate.Fact) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s=%s@%s", facts.Key(f), f.Value, f.Time.Sub(t0))
	}
	slices.Sort(out)
	return out
}

// TestStoreRestartAndTail: facts published by one store are loaded by the
// next one to open the topic, and reach a running store through the tail.
func TestStoreRestartAndTail(t *testing.T) {
	b := startBroker(t)
	a := open(t, b.Addr())
	learning := correlate.Fact{Rule: "NEWSRV", Version: "1", Kind: rules.KindFirstSeen, Time: t0}
	publish(t, a, learning, seen("acme", "alpha", 0), seen("acme", "beta", time.Minute), def("v1", 0))
	publish(t, a, seen("acme", "alpha", 2*time.Minute), def("v1", 0)) // known: nothing written
	publish(t, a, def("v2", time.Hour))
	if got := a.Stats().Written; got != 5 {
		t.Errorf("Written = %d, want 5 (known facts are not written again)", got)
	}
	want := []string{
		"NEWSRV|1|acme|alpha=alpha@0s",
		"NEWSRV|1|acme|beta=beta@1m0s",
		"NEWSRV|1||=@0s",
		"RUG|1|acme|fs|read=v2@1h0m0s",
	}
	if got := lines(a.Snapshot()); !slices.Equal(got, want) {
		t.Errorf("Snapshot of the writer = %q, want %q", got, want)
	}

	// A restart: the topic is read whole before Open returns.
	c := open(t, b.Addr())
	if got := lines(c.Snapshot()); !slices.Equal(got, want) {
		t.Errorf("Snapshot after a restart = %q, want %q", got, want)
	}
	if st := c.Stats(); st.Loaded != 5 || st.Bad != 0 {
		t.Errorf("Loaded, Bad = %d, %d; want 5, 0", st.Loaded, st.Bad)
	}

	// An older change than the one known is not written.
	publish(t, c, def("v0", time.Minute))
	if got := c.Stats().Written; got != 0 {
		t.Errorf("Written = %d after publishing an older change, want 0", got)
	}

	// Facts published by one process reach the other's inboxes.
	in := c.Subscribe()
	defer in.Close()
	publish(t, a, seen("acme", "gamma", 2*time.Hour), def("v3", 2*time.Hour))
	var got []correlate.Fact
	deadline := time.Now().Add(testTimeout)
	for len(got) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the tail: got %q", lines(got))
		}
		var overflow bool
		if got, overflow = in.Drain(got); overflow {
			t.Fatal("inbox overflowed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if w := []string{"NEWSRV|1|acme|gamma=gamma@2h0m0s", "RUG|1|acme|fs|read=v3@2h0m0s"}; !slices.Equal(lines(got), w) {
		t.Errorf("tailed %q, want %q", lines(got), w)
	}

	// The writer's own facts come back through its tail but teach it
	// nothing new: they are not delivered twice.
	own := a.Subscribe()
	defer own.Close()
	publish(t, a, seen("acme", "delta", 3*time.Hour))
	waitFor(t, "the writer to tail its own fact", func() bool { return a.Stats().Tailed >= 5 })
	if fs, _ := own.Drain(nil); len(fs) != 1 {
		t.Errorf("the writer's inbox got %q, want the new fact once", lines(fs))
	}

	if err := a.Close(context.Background()); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := a.Publish(context.Background(), []correlate.Fact{seen("acme", "x", 0)}); err != ErrClosed {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
}

// TestStoreCreatesCompactedTopic: the topic Open creates has one partition
// and cleanup.policy=compact; an existing topic is used as it is.
func TestStoreCreatesCompactedTopic(t *testing.T) {
	b := startBroker(t)
	s := open(t, b.Addr())
	c := &kafkago.Client{Addr: kafkago.TCP(b.Addr()), Transport: &kafkago.Transport{}}
	defer c.Transport.(*kafkago.Transport).CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	resp, err := c.DescribeConfigs(ctx, &kafkago.DescribeConfigsRequest{Resources: []kafkago.DescribeConfigRequestResource{{
		ResourceType: kafkago.ResourceTypeTopic, ResourceName: s.Topic(), ConfigNames: []string{"cleanup.policy"},
	}}})
	if err != nil {
		t.Fatalf("DescribeConfigs: %v", err)
	}
	var policy string
	for _, r := range resp.Resources {
		for _, e := range r.ConfigEntries {
			if e.ConfigName == "cleanup.policy" {
				policy = e.ConfigValue
			}
		}
	}
	if policy != "compact" {
		t.Errorf("cleanup.policy = %q, want compact", policy)
	}
	md, err := c.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{s.Topic()}})
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	if n := len(md.Topics[0].Partitions); n != 1 {
		t.Errorf("partitions = %d, want 1", n)
	}
	open(t, b.Addr()) // the topic exists: no error
}

// TestStoreSkipsBadRecords: records that are not facts are counted and
// skipped, never fatal.
func TestStoreSkipsBadRecords(t *testing.T) {
	b := startBroker(t)
	s := open(t, b.Addr())
	publish(t, s, seen("acme", "alpha", 0))
	w := &kafkago.Writer{Addr: kafkago.TCP(b.Addr()), Topic: s.Topic(), RequiredAcks: kafkago.RequireAll, BatchTimeout: time.Millisecond, Transport: &kafkago.Transport{}}
	defer w.Transport.(*kafkago.Transport).CloseIdleConnections()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := w.WriteMessages(ctx,
		kafkago.Message{Key: []byte("x"), Value: []byte("not json")},
		kafkago.Message{Key: []byte("y"), Value: []byte(`{"rule":""}`)},
	); err != nil {
		t.Fatal(err)
	}
	r := open(t, b.Addr())
	if st := r.Stats(); st.Loaded != 3 || st.Bad != 2 || st.Facts != 1 {
		t.Errorf("Loaded, Bad, Facts = %d, %d, %d; want 3, 2, 1", st.Loaded, st.Bad, st.Facts)
	}
	if got := lines(r.Snapshot()); !strings.Contains(strings.Join(got, ","), "alpha") {
		t.Errorf("Snapshot = %q, want the good fact", got)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
