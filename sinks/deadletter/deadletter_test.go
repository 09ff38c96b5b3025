package deadletter

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/mcpsoc/mcpsoc/ingest"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func startBroker(t *testing.T) *kafka.Embedded {
	t.Helper()
	e, err := kafka.StartEmbedded(context.Background(), kafka.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

var fixedNow = time.Date(2026, 11, 25, 12, 0, 1, 500_000_000, time.UTC)

func newWriter(t *testing.T, cfg Config) *Writer {
	t.Helper()
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.now = func() time.Time { return fixedNow }
	t.Cleanup(func() {
		if err := w.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return w
}

// readTopic returns every record of topic, all partitions.
func readTopic(t *testing.T, addr, topic string) []kafkago.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := kafkago.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out []kafkago.Message
	for _, p := range parts {
		pc, err := kafkago.DialLeader(ctx, "tcp", addr, topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		last, err := pc.ReadLastOffset()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.Seek(0, kafkago.SeekAbsolute); err != nil {
			t.Fatal(err)
		}
		for off := int64(0); off < last; off++ {
			_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
			m, err := pc.ReadMessage(1 << 20)
			if err != nil {
				t.Fatalf("reading %s/%d@%d: %v", topic, p.ID, off, err)
			}
			out = append(out, m)
		}
		pc.Close()
	}
	return out
}

func headers(m kafkago.Message) map[string]string {
	h := make(map[string]string)
	for _, x := range m.Headers {
		h[x.Key] = string(x.Value)
	}
	return h
}

func TestWriteHeaders(t *testing.T) {
	t.Parallel()
	e := startBroker(t)
	w := newWriter(t, Config{Conn: kafka.Conn{Brokers: []string{e.Addr()}}})
	raw := []byte("{\"not\": json \xff\x00")
	rec := ingest.Record{
		Topic: "mcp.audit", Partition: 2, Offset: 18422,
		Key: []byte("org-1|flow-7"), Value: raw,
		Time: time.Date(2026, 11, 25, 12, 0, 0, 123_000_000, time.FixedZone("CET", 3600)),
	}
	if err := w.Write(context.Background(), rec, "decoding event: invalid character 'j'"); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got := readTopic(t, e.Addr(), DefaultTopic)
	if len(got) != 1 {
		t.Fatalf("read %d records from %s, want 1", len(got), DefaultTopic)
	}
	m := got[0]
	if string(m.Value) != string(raw) || string(m.Key) != "org-1|flow-7" {
		t.Fatalf("record key %q value %q, want %q %q", m.Key, m.Value, "org-1|flow-7", raw)
	}
	want := map[string]string{
		HeaderReason:          "decoding event: invalid character 'j'",
		HeaderSourceTopic:     "mcp.audit",
		HeaderSourcePartition: "2",
		HeaderSourceOffset:    "18422",
		HeaderSourceTimestamp: "2026-11-25T11:00:00.123Z",
		HeaderTime:            "2026-11-25T12:00:01.5Z",
	}
	h := headers(m)
	for k, v := range want {
		if h[k] != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("headers = %v, want exactly %v", h, want)
	}
}

func TestWriteBatchAndTruncation(t *testing.T) {
	t.Parallel()
	e := startBroker(t)
	w := newWriter(t, Config{Conn: kafka.Conn{Brokers: []string{e.Addr()}}, Topic: "dlq-batch", MaxValueBytes: 8, AutoCreateTopic: true})
	entries := []Entry{
		{Record: ingest.Record{Topic: "t", Offset: 1, Key: []byte("k1"), Value: []byte("short")}, Reason: "a"},
		{Record: ingest.Record{Topic: "t", Offset: 2, Key: []byte("k2"), Value: []byte("0123456789abcdef")}, Reason: strings.Repeat("é", 1000)},
	}
	if err := w.WriteBatch(context.Background(), entries); err != nil {
		t.Fatalf("WriteBatch: %v", err)
	}
	got := readTopic(t, e.Addr(), "dlq-batch")
	if len(got) != 2 {
		t.Fatalf("read %d records, want 2", len(got))
	}
	for _, m := range got {
		h := headers(m)
		switch string(m.Key) {
		case "k1":
			if string(m.Value) != "short" || h[HeaderValueSize] != "" || h[HeaderSourceTimestamp] != "" {
				t.Errorf("k1: value %q headers %v, want it whole, no size, no timestamp", m.Value, h)
			}
		case "k2":
			if string(m.Value) != "01234567" || h[HeaderValueSize] != "16" {
				t.Errorf("k2: value %q size header %q, want truncated to 8 and size 16", m.Value, h[HeaderValueSize])
			}
			if r := h[HeaderReason]; len(r) > MaxReasonBytes || !strings.HasPrefix(r, "éé") || strings.ContainsRune(r, '\uFFFD') {
				t.Errorf("k2: reason header of %d bytes, want at most %d whole runes", len(r), MaxReasonBytes)
			}
		default:
			t.Errorf("unexpected key %q", m.Key)
		}
	}
}

// TestWriteFailingBroker checks that a broker refusing writes makes Write
// fail (so the caller retries and holds the ack back), and that a retry
// succeeds once the broker recovers.
func TestWriteFailingBroker(t *testing.T) {
	t.Parallel()
	e := startBroker(t)
	w := newWriter(t, Config{Conn: kafka.Conn{Brokers: []string{e.Addr()}}})
	rec := ingest.Record{Topic: "mcp.audit", Key: []byte("k"), Value: []byte("v")}

	h := e.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: DefaultTopic, Err: kerr.NotEnoughReplicas, Count: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := w.Write(ctx, rec, "bad")
	if err == nil || errors.Is(err, ErrTooLarge) {
		t.Fatalf("Write to a failing broker = %v, want an error", err)
	}
	h.Remove()
	if err := w.Write(ctx, rec, "bad"); err != nil {
		t.Fatalf("Write after recovery: %v", err)
	}
	if got := readTopic(t, e.Addr(), DefaultTopic); len(got) != 1 {
		t.Fatalf("read %d records, want 1", len(got))
	}

	e.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: DefaultTopic, Err: kerr.MessageTooLarge, Count: 1})
	if err := w.Write(ctx, rec, "bad"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Write of a record too large = %v, want ErrTooLarge", err)
	}
}

func TestEnsureTopic(t *testing.T) {
	t.Parallel()
	e := startBroker(t)
	w := newWriter(t, Config{Conn: kafka.Conn{Brokers: []string{e.Addr()}}, Topic: "dlq-new"})
	ctx := context.Background()
	for range 2 { // the second call finds it existing
		if err := w.EnsureTopic(ctx, 2, -1); err != nil {
			t.Fatalf("EnsureTopic: %v", err)
		}
	}
	conn, err := kafkago.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ps, err := conn.ReadPartitions("dlq-new")
	if err != nil || len(ps) != 2 {
		t.Fatalf("ReadPartitions = %d, %v; want 2 partitions", len(ps), err)
	}
}

func TestClosedAndConfig(t *testing.T) {
	t.Parallel()
	w := newWriter(t, Config{Conn: kafka.Conn{Brokers: []string{"127.0.0.1:1"}}})
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(context.Background(), ingest.Record{}, "x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
	for _, cfg := range []Config{
		{},
		{Conn: kafka.Conn{Brokers: []string{"b:9092"}}, MaxValueBytes: -1},
		{Conn: kafka.Conn{Brokers: []string{"b:9092"}, SASL: kafka.SASL{Mechanism: "md5"}}},
	} {
		if _, err := New(cfg); err == nil || !strings.HasPrefix(err.Error(), "deadletter: config: ") {
			t.Errorf("New(%+v) = %v, want a config error", cfg, err)
		}
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 2, "ab"},
		{"aé", 2, "a"},
		{"aé", 3, "aé"},
		{"日本", 4, "日"},
		{"日本", 0, ""},
	}
	for _, tt := range tests {
		if got := truncateUTF8(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
