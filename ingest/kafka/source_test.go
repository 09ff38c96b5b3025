package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestSourceCommitsContiguousAcks reads 4 partitions, acknowledges out of
// order with a gap and a nack, and checks that the committed offsets never
// pass an unacknowledged record, survive Close, and are where a new Source
// resumes.
func TestSourceCommitsContiguousAcks(t *testing.T) {
	t.Parallel()
	const parts, per = 4, 25
	e := startBroker(t, parts)
	produce(t, e.Addr(), parts, per, time.Now())
	cfg := testConfig(e.Addr(), "g-acks")
	s := newSource(t, cfg)

	recs := readN(t, s, parts*per)
	byPart := make(map[int][]readRecord)
	for _, r := range recs {
		if r.rec.Topic != testTopic || r.rec.Generation != 1 || r.rec.Warmup {
			t.Fatalf("record %s/%d@%d: generation %d, warmup %v; want %s, 1, false",
				r.rec.Topic, r.rec.Partition, r.rec.Offset, r.rec.Generation, r.rec.Warmup, testTopic)
		}
		byPart[r.rec.Partition] = append(byPart[r.rec.Partition], r)
	}
	for p := range parts {
		rs := byPart[p]
		if len(rs) != per {
			t.Fatalf("partition %d: %d records, want %d", p, len(rs), per)
		}
		for i, r := range rs {
			if r.rec.Offset != int64(i) {
				t.Fatalf("partition %d: record %d has offset %d: not in order", p, i, r.rec.Offset)
			}
			if want := fmt.Sprintf(`{"p":%d,"i":%d}`, p, i); string(r.rec.Value) != want {
				t.Fatalf("partition %d offset %d: value %s, want %s", p, i, r.rec.Value, want)
			}
			if want := string(flowKey(p)); string(r.rec.Key) != want {
				t.Fatalf("partition %d offset %d: key %s, want %s", p, i, r.rec.Key, want)
			}
		}
	}

	// Stage 1: partition 2 acked except its first record; partition 3
	// acked 0..9 in reverse. Both are in every commit request, so once
	// partition 3's commit is seen, partition 2 must still have none.
	for i := per - 1; i >= 1; i-- {
		ack(t, byPart[2][i], nil)
	}
	for i := 9; i >= 0; i-- {
		ack(t, byPart[3][i], nil)
	}
	waitFor(t, "partition 3 committed at 10", func() bool { return committed(t, e.Addr(), cfg.GroupID, parts)[3] == 10 })
	if got := committed(t, e.Addr(), cfg.GroupID, parts); got[2] != -1 || got[0] != -1 || got[1] != -1 {
		t.Fatalf("committed = %v, want no commit for partitions 0-2 (first records unacked)", got)
	}

	// Stage 2: hold back partition 0 offset 10, nack partition 1 offset 5,
	// ack the rest in reverse order.
	held := byPart[0][10]
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		switch {
		case r.rec.Partition == 0 && r.rec.Offset == 10:
		case r.rec.Partition == 1 && r.rec.Offset == 5:
			ack(t, r, errors.New("sink gave up"))
		case r.rec.Partition == 2 && r.rec.Offset != 0, r.rec.Partition == 3 && r.rec.Offset < 10:
			// acked in stage 1; a second ack must be harmless
			ack(t, r, nil)
		default:
			ack(t, r, nil)
		}
	}
	want := []int64{10, 5, per, per}
	waitCommitted(t, e.Addr(), cfg.GroupID, want)
	st := s.Stats()
	if st.Nacks != 1 || len(st.Partitions) != parts || !st.Partitions[1].Nacked || st.Partitions[0].Pending != 1 {
		t.Fatalf("Stats() = %+v, want 1 nack on partition 1 and 1 pending on partition 0", st)
	}

	closeSource(t, s)
	if got := committed(t, e.Addr(), cfg.GroupID, parts); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after Close: committed = %v, want %v", got, want)
	}
	// Acknowledging after the assignment ended is ignored.
	ack(t, held, nil)
	if got := s.Stats().StaleAcks; got != 1 {
		t.Fatalf("StaleAcks = %d, want 1", got)
	}
	if _, _, err := s.Read(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: %v, want ErrClosed", err)
	}

	// A new Source of the group resumes at the committed offsets.
	s2 := newSource(t, cfg)
	recs2 := readN(t, s2, (per-10)+(per-5))
	next := map[int]int64{0: 10, 1: 5}
	for _, r := range recs2 {
		if r.rec.Offset != next[r.rec.Partition] || r.rec.Generation != 1 || r.rec.Warmup {
			t.Fatalf("after reopening: got %d@%d (generation %d, warmup %v), want offset %d",
				r.rec.Partition, r.rec.Offset, r.rec.Generation, r.rec.Warmup, next[r.rec.Partition])
		}
		next[r.rec.Partition]++
		ack(t, r, nil)
	}
	waitCommitted(t, e.Addr(), cfg.GroupID, []int64{per, per, per, per})
	readNone(t, s2)
}

// TestSourceWarmup commits an offset for a group, then starts a Source
// with a Rewind and checks which records come back as warm-up.
func TestSourceWarmup(t *testing.T) {
	t.Parallel()
	e := startBroker(t, 1)
	base := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const n, commitAt = 20, 10
	produce(t, e.Addr(), 1, n, base) // record i has time base+i min

	tests := []struct {
		name     string
		rewind   time.Duration
		wantFrom int64 // first warm-up offset; commitAt = none
	}{
		{"no rewind", 0, commitAt},
		{"rewind within the log", 3*time.Minute + 30*time.Second, 6},
		{"rewind to an exact timestamp", 2 * time.Minute, 7},
		{"rewind shorter than the gap", 30 * time.Second, 9},
		{"rewind past the start of the log", time.Hour, 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(e.Addr(), fmt.Sprintf("g-warm-%d", i))
			cfg.Rewind = tt.rewind
			commitOffsets(t, e.Addr(), cfg.GroupID, map[int]int64{0: commitAt})
			s := newSource(t, cfg)
			recs := readN(t, s, int(n-tt.wantFrom))
			for j, r := range recs {
				wantOff := tt.wantFrom + int64(j)
				wantWarm := wantOff < commitAt
				if r.rec.Offset != wantOff || r.rec.Warmup != wantWarm || r.rec.Generation != 1 {
					t.Fatalf("record %d: offset %d warmup %v generation %d, want %d %v 1",
						j, r.rec.Offset, r.rec.Warmup, r.rec.Generation, wantOff, wantWarm)
				}
				if wantWarm {
					ack(t, r, errors.New("ignored")) // no-op: must not hold anything back
				} else {
					ack(t, r, nil)
				}
			}
			waitCommitted(t, e.Addr(), cfg.GroupID, []int64{n})
			if got, want := s.Stats().WarmupRecords, commitAt-tt.wantFrom; got != want {
				t.Fatalf("WarmupRecords = %d, want %d", got, want)
			}
		})
	}
}

// commitOffsets commits offsets for an empty group, as a tool would.
func commitOffsets(t testing.TB, addr, group string, offsets map[int]int64, trs ...*kafkago.Transport) {
	t.Helper()
	tr, done := transport(trs)
	defer done()
	c := &kafkago.Client{Addr: kafkago.TCP(addr), Transport: tr, Timeout: 5 * time.Second}
	var parts []kafkago.OffsetCommit
	for p, off := range offsets {
		parts = append(parts, kafkago.OffsetCommit{Partition: p, Offset: off})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.OffsetCommit(ctx, &kafkago.OffsetCommitRequest{
		GroupID:      group,
		GenerationID: -1,
		Topics:       map[string][]kafkago.OffsetCommit{testTopic: parts},
	})
	if err != nil {
		t.Fatalf("OffsetCommit: %v", err)
	}
	for _, ps := range resp.Topics {
		for _, p := range ps {
			if p.Error != nil {
				t.Fatalf("OffsetCommit partition %d: %v", p.Partition, p.Error)
			}
		}
	}
}

// TestSourceBackpressure checks that a partition with MaxInFlight records
// above its mark stops delivering, and resumes by exactly what the mark
// frees.
func TestSourceBackpressure(t *testing.T) {
	t.Parallel()
	e := startBroker(t, 1)
	produce(t, e.Addr(), 1, 20, time.Now())
	cfg := testConfig(e.Addr(), "g-bp")
	cfg.MaxInFlight = 5
	s := newSource(t, cfg)

	recs := readN(t, s, 5)
	waitFor(t, "the partition to pause", func() bool { return s.Stats().PausedWaits >= 1 })
	readNone(t, s)

	ack(t, recs[3], nil) // behind unacked 0: frees nothing
	readNone(t, s)
	if st := s.Stats(); st.Partitions[0].InFlight != 5 || st.Partitions[0].Pending != 4 {
		t.Fatalf("partition stats = %+v, want 5 in flight, 4 pending", st.Partitions[0])
	}

	ack(t, recs[0], nil) // mark 0: frees one
	recs = append(recs, readN(t, s, 1)...)
	if got := recs[5].rec.Offset; got != 5 {
		t.Fatalf("next record offset = %d, want 5", got)
	}
	readNone(t, s)

	ack(t, recs[1], nil)
	ack(t, recs[2], nil) // mark 3: 4 and 5 left in flight, 3 free
	recs = append(recs, readN(t, s, 3)...)
	readNone(t, s)
	if got := recs[len(recs)-1].rec.Offset; got != 8 {
		t.Fatalf("last record offset = %d, want 8", got)
	}
	waitCommitted(t, e.Addr(), cfg.GroupID, []int64{4})
}

// consumeAll reads s until it is closed or ctx ends, acking every record at
// once and noting it in seen.
func consumeAll(ctx context.Context, s *Source, seen *seen) error {
	for {
		rec, ack, err := s.Read(ctx)
		if err != nil {
			if errors.Is(err, ErrClosed) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		seen.add(rec)
		if err := ack(ctx, nil); err != nil {
			return err
		}
	}
}

func owned(s *Source) []int {
	var out []int
	for _, p := range s.Stats().Partitions {
		out = append(out, p.Partition)
	}
	return out
}

// TestSourceGroupHandsOver runs two Sources in one group: they split the
// partitions, and when one closes the other takes them all, with the
// generation bumped and no record lost or delivered twice (records are
// acknowledged at once, and an ending assignment drains before its last
// commit).
func TestSourceGroupHandsOver(t *testing.T) {
	t.Parallel()
	const parts, per = 4, 50
	e := startBroker(t, parts)
	produce(t, e.Addr(), parts, per, time.Now())
	cfg := testConfig(e.Addr(), "g-handover")

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var all seen
	start := func(s *Source) {
		wg.Go(func() {
			if err := consumeAll(ctx, s, &all); err != nil {
				t.Errorf("consuming: %v", err)
			}
		})
	}

	a := newSource(t, cfg)
	start(a)
	waitFor(t, "a to read everything", func() bool { return all.count() == parts*per })
	waitCommitted(t, e.Addr(), cfg.GroupID, []int64{per, per, per, per})

	b := newSource(t, cfg)
	start(b)
	waitFor(t, "a and b to own 2 partitions each", func() bool {
		return len(owned(a)) == 2 && len(owned(b)) == 2
	})
	produce(t, e.Addr(), parts, per, time.Now())
	waitFor(t, "a and b to read the second batch", func() bool { return all.count() == 2*parts*per })
	for _, s := range []*Source{a, b} {
		for _, p := range s.Stats().Partitions {
			if p.Generation < 1 {
				t.Fatalf("partition %d generation %d", p.Partition, p.Generation)
			}
		}
	}
	bOwned := owned(b)

	closeSource(t, b)
	waitFor(t, "a to own all partitions", func() bool { return len(owned(a)) == parts })
	produce(t, e.Addr(), parts, per, time.Now())
	waitFor(t, "a to read the third batch", func() bool { return all.count() == 3*parts*per })
	waitCommitted(t, e.Addr(), cfg.GroupID, []int64{3 * per, 3 * per, 3 * per, 3 * per})

	// a had each partition once at first; the ones it kept through both
	// rebalances were assigned 3 times, the ones b held twice.
	for _, p := range a.Stats().Partitions {
		want := 3
		for _, bp := range bOwned {
			if bp == p.Partition {
				want = 2
			}
		}
		if p.Generation != want {
			t.Errorf("partition %d: generation %d, want %d (b owned %v)", p.Partition, p.Generation, want, bOwned)
		}
	}
	all.mu.Lock()
	defer all.mu.Unlock()
	var dups []string
	for k, n := range all.live {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%d@%d×%d", k[0], k[1], n))
		}
	}
	if len(dups) > 0 {
		t.Errorf("records delivered more than once despite prompt acks: %s", strings.Join(dups, " "))
	}
}

func TestConfigValidation(t *testing.T) {
	good := Config{Conn: Conn{Brokers: []string{"127.0.0.1:1"}}}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string // "" = valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"no brokers", func(c *Config) { c.Brokers = nil }, "no brokers"},
		{"empty broker", func(c *Config) { c.Brokers = []string{" "} }, "empty broker"},
		{"sasl plain", func(c *Config) { c.SASL = SASL{Mechanism: "plain", Username: "u", Password: "p"} }, ""},
		{"sasl scram-sha-256", func(c *Config) { c.SASL = SASL{Mechanism: "scram-sha-256", Username: "u", Password: "p"} }, ""},
		{"sasl scram-sha-512 upper case", func(c *Config) { c.SASL = SASL{Mechanism: "SCRAM-SHA-512", Username: "u", Password: "p"} }, ""},
		{"sasl unknown mechanism", func(c *Config) { c.SASL = SASL{Mechanism: "gssapi", Username: "u", Password: "p"} }, `unknown mechanism "gssapi"`},
		{"sasl without username", func(c *Config) { c.SASL = SASL{Mechanism: "plain", Password: "p"} }, "username and password are required"},
		{"sasl without password", func(c *Config) { c.SASL = SASL{Mechanism: "scram-sha-256", Username: "u"} }, "username and password are required"},
		{"sasl credentials without mechanism", func(c *Config) { c.SASL = SASL{Username: "u", Password: "p"} }, "without a mechanism"},
		{"negative max in flight", func(c *Config) { c.MaxInFlight = -1 }, "negative max in flight"},
		{"negative commit interval", func(c *Config) { c.CommitInterval = -time.Second }, "negative commit interval"},
		{"negative rewind", func(c *Config) { c.Rewind = -time.Second }, "negative rewind"},
		{"heartbeat not below session", func(c *Config) { c.HeartbeatInterval = time.Minute }, "heartbeat interval"},
		{"bad start offset", func(c *Config) { c.StartOffset = "middle" }, `start offset "middle"`},
		{"start offset last", func(c *Config) { c.StartOffset = "LAST" }, ""},
		{"empty topic", func(c *Config) { c.Topics = []string{""} }, "empty topic"},
		{"duplicate topic", func(c *Config) { c.Topics = []string{"a", "a"} }, "listed twice"},
		{"min above max bytes", func(c *Config) { c.MinBytes, c.MaxBytes = 10, 5 }, "min bytes"},
		{"negative dial timeout", func(c *Config) { c.DialTimeout = -1 }, "negative dial timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			_, err := cfg.withDefaults()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("withDefaults() = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("withDefaults() = %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.wantErr != "" {
				if _, err := New(cfg); err == nil || !strings.HasPrefix(err.Error(), "kafka: config: ") {
					t.Fatalf("New() = %v, want a kafka: config: error", err)
				}
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{Conn: Conn{Brokers: []string{"b:9092"}}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.GroupID != "mcpsoc" || fmt.Sprint(c.Topics) != "[mcp.audit]" || c.MaxInFlight != 4096 ||
		c.CommitInterval != time.Second || c.StartOffset != StartFirst || c.Rewind != 0 ||
		c.DrainTimeout != DefaultDrainTimeout || c.Logger == nil {
		t.Fatalf("withDefaults() = %+v", c)
	}
	c, err = Config{Conn: Conn{Brokers: []string{"b:9092"}}, DrainTimeout: -1, RebalanceTimeout: 4 * time.Second}.withDefaults()
	if err != nil || c.DrainTimeout != 0 {
		t.Fatalf("negative DrainTimeout: %v, %v, want 0", c.DrainTimeout, err)
	}
	c, _ = Config{Conn: Conn{Brokers: []string{"b:9092"}}, RebalanceTimeout: 4 * time.Second}.withDefaults()
	if c.DrainTimeout != 2*time.Second {
		t.Fatalf("DrainTimeout = %v, want capped at half the rebalance timeout", c.DrainTimeout)
	}
}

// TestSourceCloseDrains checks that Close waits for records already handed
// out to be acknowledged, commits them, and commits nothing that was
// fetched but never handed out.
func TestSourceCloseDrains(t *testing.T) {
	t.Parallel()
	e := startBroker(t, 1)
	produce(t, e.Addr(), 1, 20, time.Now())
	cfg := testConfig(e.Addr(), "g-drain")
	cfg.DrainTimeout = time.Minute // capped at RebalanceTimeout/2
	s := newSource(t, cfg)
	recs := readN(t, s, 10)
	waitFor(t, "the rest to be fetched", func() bool {
		st := s.Stats()
		return len(st.Partitions) == 1 && st.Partitions[0].InFlight == 20
	})

	closed := make(chan error, 1)
	go func() { closed <- s.Close(context.Background()) }()
	// Read reports ErrClosed once Close has begun (until then it may hand
	// out more records); Close itself waits for the records handed out.
	for {
		rec, ack, err := s.Read(context.Background())
		if errors.Is(err, ErrClosed) {
			break
		}
		if err != nil {
			t.Fatalf("Read during Close: %v", err)
		}
		recs = append(recs, readRecord{rec, ack})
	}
	for _, r := range recs {
		ack(t, r, nil)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := committed(t, e.Addr(), cfg.GroupID, 1); got[0] != int64(len(recs)) {
		t.Fatalf("committed = %v, want [%d]: the handed-out records and nothing after", got, len(recs))
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestSourceCloseContext checks that Close honours its context.
func TestSourceCloseContext(t *testing.T) {
	t.Parallel()
	e := startBroker(t, 1)
	produce(t, e.Addr(), 1, 5, time.Now())
	cfg := testConfig(e.Addr(), "g-closectx")
	s := newSource(t, cfg)
	recs := readN(t, s, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close(cancelled) = %v, want context.Canceled", err)
	}
	// The shutdown went on: drain ends at once (the cancelled context had
	// no deadline, so DrainTimeout applies), the group is left.
	for _, r := range recs {
		ack(t, r, nil)
	}
	closeSource(t, s)
}

func TestSourceSASL(t *testing.T) {
	t.Parallel()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(1, testTopic),
		kfake.GroupMinSessionTimeout(500*time.Millisecond),
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", "plain-pass"),
		kfake.Superuser("SCRAM-SHA-256", "scram256-user", "scram256-pass"),
		kfake.Superuser("SCRAM-SHA-512", "scram512-user", "scram512-pass"),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]

	// Produce with SCRAM through the same Conn settings.
	pc := Conn{Brokers: []string{addr}, SASL: SASL{Mechanism: "scram-sha-512", Username: "scram512-user", Password: "scram512-pass"}}
	tr, err := pc.Transport()
	if err != nil {
		t.Fatal(err)
	}
	w := &kafkago.Writer{Addr: kafkago.TCP(addr), Topic: testTopic, Transport: tr, RequiredAcks: kafkago.RequireAll, BatchTimeout: time.Millisecond}
	if err := w.WriteMessages(context.Background(), kafkago.Message{Key: flowKey(0), Value: []byte("{}")}); err != nil {
		t.Fatalf("producing with SASL: %v", err)
	}
	_ = w.Close()
	tr.CloseIdleConnections()

	tests := []struct {
		name string
		sasl SASL
		ok   bool
	}{
		{"plain", SASL{Mechanism: "plain", Username: "plain-user", Password: "plain-pass"}, true},
		{"scram-sha-256", SASL{Mechanism: "scram-sha-256", Username: "scram256-user", Password: "scram256-pass"}, true},
		{"scram-sha-512", SASL{Mechanism: "scram-sha-512", Username: "scram512-user", Password: "scram512-pass"}, true},
		{"wrong password", SASL{Mechanism: "scram-sha-256", Username: "scram256-user", Password: "nope"}, false},
		{"no sasl", SASL{}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(addr, fmt.Sprintf("g-sasl-%d", i))
			cfg.SASL = tt.sasl
			s := newSource(t, cfg)
			if tt.ok {
				recs := readN(t, s, 1)
				ack(t, recs[0], nil)
				return
			}
			waitFor(t, "a group error", func() bool { return s.Stats().GroupErrors > 0 })
			t.Logf("LastError: %s", s.Stats().LastError)
		})
	}
}

func TestStartEmbedded(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "nope"} {
		if e, err := StartEmbedded(context.Background(), Options{Addr: addr}); err == nil {
			e.Close()
			t.Errorf("StartEmbedded(%q) succeeded, want an error", addr)
		}
	}
	e := startBroker(t, 0) // default partitions
	conn, err := kafkago.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, topic := range []string{DefaultTopic, DefaultDeadLetterTopic} {
		ps, err := conn.ReadPartitions(topic)
		if err != nil || len(ps) != DefaultEmbeddedPartitions {
			t.Fatalf("ReadPartitions(%s) = %d partitions, %v; want %d", topic, len(ps), err, DefaultEmbeddedPartitions)
		}
	}
	e.Close()
	e.Close() // idempotent
}

// TestSourceCommitErrorsRetried makes the broker refuse offset commits and
// checks that the source counts the failures, keeps delivering, and commits
// once the broker accepts again.
func TestSourceCommitErrorsRetried(t *testing.T) {
	t.Parallel()
	e := startBroker(t, 1)
	produce(t, e.Addr(), 1, 10, time.Now())
	cfg := testConfig(e.Addr(), "g-commit-fault")
	h := e.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Group: cfg.GroupID, Err: kerr.UnknownServerError, Count: -1})
	s := newSource(t, cfg)
	for _, r := range readN(t, s, 10) {
		ack(t, r, nil)
	}
	waitFor(t, "two failed commits", func() bool { return s.Stats().CommitErrors >= 2 })
	if got := committed(t, e.Addr(), cfg.GroupID, 1); got[0] != -1 {
		t.Fatalf("committed = %v while commits fail, want none", got)
	}
	h.Remove()
	waitCommitted(t, e.Addr(), cfg.GroupID, []int64{10})
	// The broker stores the commit before the source reads the answer.
	waitFor(t, "the commit to be counted", func() bool { return s.Stats().Commits >= 1 })
	if st := s.Stats(); !strings.Contains(st.LastError, "Unknown") || st.Partitions[0].Committed != 10 {
		t.Fatalf("Stats() = %+v, want the last error kept and offset 10 committed", st)
	}
}

// TestSourceUnreachableBroker checks that a Source whose brokers cannot be
// reached reports it in Stats and still closes promptly.
func TestSourceUnreachableBroker(t *testing.T) {
	t.Parallel()
	e := startBroker(t, 1)
	addr := e.Addr()
	e.Close() // nothing listens there any more
	s := newSource(t, testConfig(addr, "g-unreachable"))
	waitFor(t, "a group error", func() bool { return s.Stats().GroupErrors > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
