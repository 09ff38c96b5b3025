// Package state is the Kafka FactStore of mcpsoc: it keeps the facts that
// first_seen and change rules learn (correlate.Fact) in a compacted topic,
// so that every partition's engine, in every process of the consumer group,
// knows them, and they survive restarts.
//
//	Publish ──► Writer (acks=all) ──► mcp.audit.state (compacted) ──► tail ──► facts.Table ──► shard Inboxes
//	                │                                                  ▲
//	                └──────────── on ack: facts.Table ─────────────────┘ (the echo is recognised and dropped)
//
// Open reads the whole topic up to its end offset before it returns, so that
// the pipeline's engines start knowing everything learnt so far, then keeps
// tailing it for the facts other processes publish. Record keys are
// facts.Key (rule|version|key|value for a first_seen value,
// rule|version|key for a change, whose newest value wins); values are the
// facts as JSON. docs/state.md and docs/kafka.md describe the design.
package state

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/detect/facts"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
)

// Defaults applied to the zero values of Config.
const (
	DefaultTopic        = "mcp.audit.state"
	DefaultWriteTimeout = 10 * time.Second
	DefaultMaxWait      = 500 * time.Millisecond
)

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("state: store closed")

// Config configures a Store. Only Conn.Brokers is required.
type Config struct {
	kafka.Conn

	// Topic is the state topic. Default "mcp.audit.state". When missing it
	// is created with one partition and cleanup.policy=compact.
	Topic string
	// ReplicationFactor of the topic when Open creates it. Default -1: the
	// broker's default.
	ReplicationFactor int
	// MaxPerRule bounds the facts kept in memory per rule and version, the
	// least recently learnt dropped first (default 100,000). Set it to the
	// Correlator's MaxKeys (detection.max_keys): an engine cannot hold
	// more.
	MaxPerRule int
	// WriteTimeout bounds one produce request. Default 10s.
	WriteTimeout time.Duration
	// MaxWait is the longest a fetch of the tail waits for new facts.
	// Default 500ms.
	MaxWait time.Duration
	// Logger receives the store's logs: counts and offsets, never facts
	// (they hold event values). Default: discard.
	Logger *slog.Logger
}

// Store is a pipeline.FactStore backed by a compacted Kafka topic. It is
// safe for concurrent use.
type Store struct {
	*facts.Table

	topic string
	w     *kafkago.Writer
	tr    *kafkago.Transport
	log   *slog.Logger

	cancel context.CancelFunc
	tails  sync.WaitGroup

	loaded, tailed, written, bad atomic.Uint64

	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

// Stats are the counters of a Store.
type Stats struct {
	Loaded  uint64 // records read by Open
	Tailed  uint64 // records read since, published here or elsewhere
	Written uint64 // facts written by Publish
	Bad     uint64 // records that are not facts (skipped)
	facts.TableStats
}

// Open creates the topic if it is missing, reads it whole into memory (up
// to the end offsets it finds at start) and starts tailing it. ctx bounds
// the start; Close stops the tail.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.WriteTimeout < 0 || cfg.MaxWait < 0 || cfg.MaxPerRule < 0 {
		return nil, errors.New("state: config: negative write timeout, max wait or max per rule")
	}
	tr, err := cfg.Conn.Transport()
	if err != nil {
		return nil, fmt.Errorf("state: config: %w", err)
	}
	dialer, err := cfg.Conn.Dialer()
	if err != nil {
		return nil, fmt.Errorf("state: config: %w", err)
	}
	topic := cmp.Or(cfg.Topic, DefaultTopic)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "state", "topic", topic)
	timeout := cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	s := &Store{
		Table:  facts.NewTable(cfg.MaxPerRule),
		topic:  topic,
		tr:     tr,
		log:    log,
		closed: make(chan struct{}),
		// A fact key always goes to the same partition, so that
		// compaction keeps its last record.
		w: cfg.Conn.SyncWriter(tr, topic, timeout),
	}
	client := &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Transport: tr}
	if err := kafka.EnsureTopic(ctx, client, kafkago.TopicConfig{
		Topic:             topic,
		NumPartitions:     1,
		ReplicationFactor: cmp.Or(cfg.ReplicationFactor, -1),
		ConfigEntries:     []kafkago.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}},
	}); err != nil {
		tr.CloseIdleConnections()
		return nil, fmt.Errorf("state: creating topic %s: %w", topic, err)
	}
	ends, err := endOffsets(ctx, client, topic)
	if err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}

	tailCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	loaded := make(chan error, len(ends))
	for p, end := range ends {
		r := kafkago.NewReader(kafkago.ReaderConfig{
			Brokers:   cfg.Brokers,
			Topic:     topic,
			Partition: p,
			Dialer:    dialer,
			MinBytes:  1,
			MaxBytes:  kafka.DefaultMaxBytes,
			MaxWait:   cmp.Or(cfg.MaxWait, DefaultMaxWait),
		})
		s.tails.Add(1)
		go func() {
			defer s.tails.Done()
			defer r.Close()
			s.tail(tailCtx, r, p, end, loaded)
		}()
	}
	for range ends {
		select {
		case err = <-loaded:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			_ = s.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("state: reading %s: %w", topic, err)
		}
	}
	st := s.Stats()
	log.Info("state loaded", "records", st.Loaded, "facts", st.Facts, "bad_records", st.Bad, "partitions", len(ends))
	return s, nil
}

// end is the first and next offsets of a partition at start.
type end struct{ first, last int64 }

// tail reads partition p from its first offset; it reports on loaded once
// it has read up to e.last, then goes on until ctx ends.
func (s *Store) tail(ctx context.Context, r *kafkago.Reader, p int, e end, loaded chan<- error) {
	log := s.log.With("partition", p)
	if err := r.SetOffset(e.first); err != nil {
		loaded <- err
		return
	}
	done := e.first >= e.last
	if done {
		loaded <- nil
	}
	var errs int
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				if !done {
					loaded <- ctx.Err()
				}
				return
			}
			errs++
			log.Warn("fetching facts", "err", err)
			if !done && errs >= 10 {
				loaded <- err
				return
			}
			continue
		}
		errs = 0
		if f, ok := s.decode(m, log); ok {
			s.Add([]correlate.Fact{f})
		}
		if done {
			s.tailed.Add(1)
			continue
		}
		s.loaded.Add(1)
		if m.Offset >= e.last-1 {
			done = true
			loaded <- nil
		}
	}
}

func (s *Store) decode(m kafkago.Message, log *slog.Logger) (correlate.Fact, bool) {
	var f correlate.Fact
	if m.Value == nil {
		return f, false // a tombstone
	}
	if err := json.Unmarshal(m.Value, &f); err != nil || f.Rule == "" || f.Time.IsZero() {
		s.bad.Add(1)
		log.Debug("skipping a record that is not a fact", "offset", m.Offset)
		return f, false
	}
	return f, true
}

// Publish writes the facts the store does not know yet and returns once
// every in-sync replica has them; then they are in the Snapshot and
// delivered to every Inbox. On error nothing may be assumed written: the
// caller retries. Facts already known (a warm-up record learning again what
// it taught before) are not written again.
func (s *Store) Publish(ctx context.Context, fs []correlate.Fact) error {
	select {
	case <-s.closed:
		return ErrClosed
	default:
	}
	novel := s.Novel(fs)
	if len(novel) == 0 {
		return nil
	}
	msgs := make([]kafkago.Message, len(novel))
	for i, f := range novel {
		v, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("state: encoding a fact of rule %s: %w", f.Rule, err)
		}
		msgs[i] = kafkago.Message{Key: []byte(facts.Key(f)), Value: v}
	}
	if err := s.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("state: writing %d facts to %s: %w", len(msgs), s.topic, err)
	}
	s.written.Add(uint64(len(msgs)))
	s.Add(novel)
	return nil
}

// Stats returns the Store's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Loaded: s.loaded.Load(), Tailed: s.tailed.Load(), Written: s.written.Load(), Bad: s.bad.Load(),
		TableStats: s.Table.Stats(),
	}
}

// Topic returns the state topic.
func (s *Store) Topic() string { return s.topic }

// Close stops the tail and releases the connections; later Publish calls
// fail with ErrClosed. It waits for the tail to stop no later than ctx's
// deadline, and is safe to call more than once.
func (s *Store) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.cancel()
		done := make(chan error, 1)
		go func() {
			s.tails.Wait()
			done <- s.w.Close()
		}()
		select {
		case err := <-done:
			if err != nil {
				s.closeErr = fmt.Errorf("state: closing writer: %w", err)
			}
		case <-ctx.Done():
			s.closeErr = ctx.Err()
		}
		s.tr.CloseIdleConnections()
	})
	return s.closeErr
}

// endOffsets returns the first and next offset of every partition of
// topic, retrying while a new topic's metadata propagates.
func endOffsets(ctx context.Context, c *kafkago.Client, topic string) (map[int]end, error) {
	var parts []int
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		md, err := c.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
		if err == nil && len(md.Topics) == 1 && md.Topics[0].Error == nil && len(md.Topics[0].Partitions) > 0 {
			for _, p := range md.Topics[0].Partitions {
				parts = append(parts, p.ID)
			}
			break
		}
		if err == nil && len(md.Topics) == 1 {
			err = md.Topics[0].Error
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("state: reading the metadata of %s: %w", topic, errors.Join(ctx.Err(), err))
		case <-time.After(wait):
		}
	}
	req := &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{}}
	for _, p := range parts {
		req.Topics[topic] = append(req.Topics[topic], kafkago.FirstOffsetOf(p), kafkago.LastOffsetOf(p))
	}
	resp, err := c.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("state: listing the offsets of %s: %w", topic, err)
	}
	out := map[int]end{}
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("state: listing the offsets of %s/%d: %w", topic, po.Partition, po.Error)
		}
		out[po.Partition] = end{first: po.FirstOffset, last: po.LastOffset}
	}
	if len(out) != len(parts) {
		return nil, fmt.Errorf("state: listing the offsets of %s: %d partitions answered of %d", topic, len(out), len(parts))
	}
	return out, nil
}
