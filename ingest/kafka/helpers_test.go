package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"go.uber.org/goleak"

	"github.com/mcpsoc/mcpsoc/ingest"
	"github.com/mcpsoc/mcpsoc/internal/kafkatest"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(childEnv); addr != "" {
		// Re-executed by TestKilledMemberHandsOver as a second group member.
		os.Exit(runChildMember(addr))
	}
	goleak.VerifyTestMain(m)
}

const testTopic = "mcp.audit"

// testTimeout bounds every wait for an expected state in these tests.
const testTimeout = 30 * time.Second

// startBroker starts an embedded broker on a free port for one test.
func startBroker(t testing.TB, partitions int) *Embedded {
	t.Helper()
	e, err := StartEmbedded(context.Background(), Options{
		Addr:                   "127.0.0.1:0",
		Partitions:             partitions,
		GroupMinSessionTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

// testConfig returns a Source configuration with short timeouts for tests.
func testConfig(addr, group string) Config {
	return Config{
		Conn:           Conn{Brokers: []string{addr}},
		GroupID:        group,
		Topics:         []string{testTopic},
		CommitInterval: 50 * time.Millisecond,
		// Long enough that a loaded CI machine running -race does not
		// miss a heartbeat window; short enough for the SIGKILL test.
		SessionTimeout:    6 * time.Second,
		HeartbeatInterval: 300 * time.Millisecond,
		RebalanceTimeout:  10 * time.Second,
		DrainTimeout:      time.Second,
		MaxWait:           100 * time.Millisecond,
		Logger:            testLogger(),
	}
}

// testLogger logs to stderr when MCPSOC_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("MCPSOC_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newSource(t testing.TB, cfg Config) *Source {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { closeSource(t, s) })
	return s
}

func closeSource(t testing.TB, s *Source) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// flowKey returns the key of flow n; keyBalancer sends it to partition n
// modulo the partition count.
func flowKey(n int) []byte { return []byte("org-1|flow-" + strconv.Itoa(n)) }

var keyBalancer = kafkago.BalancerFunc(func(m kafkago.Message, partitions ...int) int {
	_, flow, _ := strings.Cut(string(m.Key), "|flow-")
	n, _ := strconv.Atoi(flow)
	return partitions[n%len(partitions)]
})

// produce writes perPartition records to each of partitions partitions of
// testTopic, keyed "org|flow" so that flow p lands on partition p. Record i
// of a partition has the time base+i minutes and the value {"p":P,"i":I}.
func produce(t testing.TB, addr string, partitions, perPartition int, base time.Time) {
	t.Helper()
	produceMessages(t, addr, testTopic, testMessages(partitions, perPartition, base))
}

func testMessages(partitions, perPartition int, base time.Time) []kafkago.Message {
	msgs := make([]kafkago.Message, 0, partitions*perPartition)
	for i := range perPartition {
		for p := range partitions {
			msgs = append(msgs, kafkago.Message{
				Key:   flowKey(p),
				Value: fmt.Appendf(nil, `{"p":%d,"i":%d}`, p, i),
				Time:  base.Add(time.Duration(i) * time.Minute),
			})
		}
	}
	return msgs
}

// transport returns the optional transport given to a helper, or a plain
// one and its cleanup.
func transport(trs []*kafkago.Transport) (*kafkago.Transport, func()) {
	if len(trs) > 0 {
		return trs[0], func() {}
	}
	tr := &kafkago.Transport{}
	return tr, tr.CloseIdleConnections
}

func newTestWriter(addr string, tr *kafkago.Transport) *kafkago.Writer {
	return &kafkago.Writer{
		Addr:         kafkago.TCP(addr),
		Topic:        testTopic,
		Balancer:     keyBalancer,
		RequiredAcks: kafkago.RequireAll,
		BatchTimeout: 2 * time.Millisecond,
		BatchSize:    1000,
		Transport:    tr,
	}
}

func produceMessages(t testing.TB, addr, topic string, msgs []kafkago.Message, trs ...*kafkago.Transport) {
	t.Helper()
	tr, done := transport(trs)
	defer done()
	w := newTestWriter(addr, tr)
	w.Topic = topic
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := kafkatest.Produce(ctx, w, msgs, 10000); err != nil {
		t.Fatal(err)
	}
}

// committed returns the group's committed offsets of testTopic, -1 where
// none.
func committed(t testing.TB, addr, group string, partitions int, trs ...*kafkago.Transport) []int64 {
	t.Helper()
	tr, done := transport(trs)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := kafkatest.Committed(ctx, addr, tr, group, testTopic, partitions)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond until it holds or testTimeout passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCommitted waits until the committed offsets equal want.
func waitCommitted(t testing.TB, addr, group string, want []int64, trs ...*kafkago.Transport) {
	t.Helper()
	var got []int64
	deadline := time.Now().Add(testTimeout)
	for {
		got = committed(t, addr, group, len(want), trs...)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("committed offsets = %v, want %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type readRecord struct {
	rec ingest.Record
	ack ingest.AckFunc
}

// readN reads n records from s, failing the test after testTimeout.
func readN(t testing.TB, s *Source, n int) []readRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	out := make([]readRecord, 0, n)
	for len(out) < n {
		rec, ack, err := s.Read(ctx)
		if err != nil {
			t.Fatalf("Read after %d of %d records: %v", len(out), n, err)
		}
		out = append(out, readRecord{rec, ack})
	}
	return out
}

// readNone checks that no record is available within a short wait. It is
// used only after the source has been seen to pause (a state), never to
// measure time.
func readNone(t testing.TB, s *Source) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if rec, _, err := s.Read(ctx); err == nil {
		t.Fatalf("Read returned %s/%d@%d, want no record", rec.Topic, rec.Partition, rec.Offset)
	}
}

func ack(t testing.TB, r readRecord, err error) {
	t.Helper()
	if e := r.ack(context.Background(), err); e != nil {
		t.Fatalf("ack %d/%d: %v", r.rec.Partition, r.rec.Offset, e)
	}
}

// seen records live deliveries per partition and offset, safe for
// concurrent use.
type seen struct {
	mu   sync.Mutex
	live map[[2]int64]int // partition, offset → live deliveries
}

// add notes r unless it is a warm-up record.
func (s *seen) add(r ingest.Record) {
	if !r.Warmup {
		s.addLive(r.Partition, r.Offset)
	}
}

func (s *seen) addLive(p int, off int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == nil {
		s.live = make(map[[2]int64]int)
	}
	s.live[[2]int64{int64(p), off}]++
}

func (s *seen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}
