package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/mcpsoc/mcpsoc/ingest"
)

// readerQueue is the number of records kafka-go prefetches per partition
// beyond what has been handed to the source.
const readerQueue = 256

// consume fetches one assigned partition, in offset order, from its warm-up
// start (if any) and then from p.start. It returns when ctx, the
// generation's context, ends.
func (s *Source) consume(ctx context.Context, p *partition) {
	log := s.log.With("topic", p.topic, "partition", p.id, "generation", p.gen)
	start := p.start
	from, warmUntil := start, int64(-1)
	if start > 0 && s.cfg.Rewind > 0 {
		w, err := s.warmupStart(ctx, p.topic, p.id, start)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			s.stats.warmupErrors.Add(1)
			log.Warn("skipping warm-up", "offset", start, "err", err)
		case w < start:
			from, warmUntil = w, start
			log.Info("warming up", "from_offset", w, "committed_offset", start)
		}
	}

	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:       s.cfg.Brokers,
		Topic:         p.topic,
		Partition:     p.id,
		Dialer:        s.dialer,
		MinBytes:      s.cfg.MinBytes,
		MaxBytes:      s.cfg.MaxBytes,
		MaxWait:       s.cfg.MaxWait,
		QueueCapacity: readerQueue,
		Logger:        kafkaLogger(log, slog.LevelDebug),
		ErrorLogger:   kafkaLogger(log, slog.LevelWarn),
	})
	defer r.Close()
	if err := r.SetOffset(from); err != nil {
		// Only possible on a reader already used; not the case here.
		log.Error("setting offset", "offset", from, "err", err)
		return
	}
	log.Debug("fetching", "offset", from)

	for {
		if !s.waitRoom(ctx, p) {
			return
		}
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			// kafka-go retries on its own; it reports errors it keeps
			// meeting (an unreachable leader, an unknown codec).
			s.stats.fetchErrors.Add(1)
			s.setLastErr(err)
			log.Warn("fetching records", "err", err)
			continue
		}
		rec := ingest.Record{
			Topic:      m.Topic,
			Partition:  m.Partition,
			Offset:     m.Offset,
			Key:        m.Key,
			Value:      m.Value,
			Time:       m.Time,
			Generation: p.gen,
			Warmup:     m.Offset < warmUntil,
		}
		if !rec.Warmup {
			p.mu.Lock()
			ok := p.tr.track(m.Offset)
			if ok {
				p.queued++
			}
			p.mu.Unlock()
			if !ok {
				log.Warn("skipping record at or below an offset already tracked", "offset", m.Offset)
				continue
			}
		}
		select {
		case s.out <- delivery{rec: rec, p: p}:
		case <-ctx.Done():
			if !rec.Warmup {
				p.mu.Lock()
				p.queued--
				p.tr.settle(m.Offset, true)
				p.mu.Unlock()
			}
			return
		}
	}
}

// waitRoom blocks while the partition has MaxInFlight records above its
// mark. It reports false when ctx ends.
func (s *Source) waitRoom(ctx context.Context, p *partition) bool {
	paused := false
	for {
		p.mu.Lock()
		n := p.tr.inFlight()
		p.mu.Unlock()
		if n < s.cfg.MaxInFlight {
			return true
		}
		if !paused {
			paused = true
			s.stats.pausedWaits.Add(1)
		}
		select {
		case <-p.space:
		case <-ctx.Done():
			return false
		}
	}
}

// warmupTimeout bounds the look-ups of a warm-up.
const warmupTimeout = 10 * time.Second

// warmupStart returns the first offset whose timestamp is at most Rewind
// before that of the last committed record (the one at committed-1). It
// returns committed when there is nothing to warm up with.
func (s *Source) warmupStart(ctx context.Context, topic string, partition int, committed int64) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, warmupTimeout)
	defer cancel()
	conn, err := s.dialLeader(ctx, topic, partition)
	if err != nil {
		return committed, err
	}
	defer conn.Close()
	// A Conn takes deadlines, not contexts: close it if ctx ends first.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return committed, fmt.Errorf("setting deadline: %w", err)
	}

	first, err := conn.ReadFirstOffset()
	if err != nil {
		return committed, fmt.Errorf("reading first offset: %w", err)
	}
	if committed-1 < first {
		return committed, nil // everything before committed is gone
	}
	if _, err := conn.Seek(committed-1, kafkago.SeekAbsolute); err != nil {
		return committed, fmt.Errorf("seeking to %d: %w", committed-1, err)
	}
	batch := conn.ReadBatch(1, s.cfg.MaxBytes)
	m, err := batch.ReadMessage()
	_ = batch.Close()
	if err != nil {
		return committed, fmt.Errorf("reading last committed record %d: %w", committed-1, err)
	}
	if m.Time.IsZero() {
		return committed, errors.New("last committed record has no timestamp")
	}
	off, err := conn.ReadOffset(m.Time.Add(-s.cfg.Rewind))
	if err != nil {
		return committed, fmt.Errorf("looking up offset by time: %w", err)
	}
	if off < first {
		off = first
	}
	if off < 0 || off > committed {
		return committed, nil
	}
	return off, nil
}

// dialLeader opens a connection to the leader of the partition, trying each
// bootstrap broker in turn.
func (s *Source) dialLeader(ctx context.Context, topic string, partition int) (*kafkago.Conn, error) {
	var errs []error
	for _, b := range s.cfg.Brokers {
		conn, err := s.dialer.DialLeader(ctx, "tcp", b, topic, partition)
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("dialing leader of %s/%d: %w", topic, partition, errors.Join(errs...))
}
