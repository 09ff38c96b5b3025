package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/mcpsoc/mcpsoc/ingest"
)

var _ ingest.Source = (*Source)(nil)

// ErrClosed is returned by Read once Close has been called.
var ErrClosed = errors.New("kafka: source closed")

// deliveryBuffer is the capacity of the channel that merges the partitions
// into Read. Per-partition limits (MaxInFlight) apply before it.
const deliveryBuffer = 256

// Source reads audit records from Kafka topics as a member of a consumer
// group. It implements ingest.Source. Read and the AckFuncs it returns are
// safe for concurrent use; records of one partition are handed out in offset
// order.
type Source struct {
	cfg    Config
	log    *slog.Logger
	dialer *kafkago.Dialer
	group  *kafkago.ConsumerGroup

	out     chan delivery
	closing chan struct{} // closed by Close: Read returns ErrClosed
	done    chan struct{} // closed when run has returned
	stopRun context.CancelFunc

	closeOnce sync.Once
	closed    chan struct{} // closed when Close has finished its work

	mu            sync.Mutex
	assignments   map[topicPartition]int        // times each partition was assigned here
	owned         map[topicPartition]*partition // current assignments
	drainDeadline time.Time                     // set by Close from its context
	lastErr       string

	stats counters
}

type topicPartition struct {
	topic string
	id    int
}

type delivery struct {
	rec ingest.Record
	p   *partition
}

// partition is one assignment of a partition to this Source: it lives from
// the start of a generation to its end.
type partition struct {
	topicPartition
	gen int // Record.Generation
	// start is the committed offset, or a FirstOffset/LastOffset sentinel
	// when the group has none.
	start int64

	space   chan struct{} // cap 1: something was settled
	settled chan struct{} // the generation's shared "something was settled"

	mu      sync.Mutex
	tr      *tracker
	queued  int  // tracked and in the delivery channel, not yet taken by Read
	closing bool // assignment ending: records not yet handed out are dropped
	revoked bool // assignment ended: acknowledgements are ignored
}

type counters struct {
	records, warmups, acks, nacks, staleAcks, dropped   atomic.Int64
	commits, commitErrors, assignments, generations     atomic.Int64
	groupErrors, fetchErrors, warmupErrors, pausedWaits atomic.Int64
}

// New validates cfg and starts a Source: it joins the consumer group in the
// background and starts fetching once partitions are assigned. Errors
// joining the group are logged and retried; Stats reports them. Call Close
// to leave the group.
func New(cfg Config) (*Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("kafka: config: %w", err)
	}
	dialer, err := cfg.Conn.Dialer()
	if err != nil {
		return nil, fmt.Errorf("kafka: config: %w", err)
	}
	log := cfg.Logger.With("component", "source", "source", "kafka", "group", cfg.GroupID)
	if cfg.SASL.Enabled() && strings.EqualFold(cfg.SASL.Mechanism, SASLPlain) && cfg.TLS == nil {
		log.Warn("sasl plain without tls sends the password in clear text")
	}
	start := kafkago.FirstOffset
	if cfg.StartOffset == StartLast {
		start = kafkago.LastOffset
	}
	group, err := kafkago.NewConsumerGroup(kafkago.ConsumerGroupConfig{
		ID:                    cfg.GroupID,
		Brokers:               cfg.Brokers,
		Dialer:                dialer,
		Topics:                cfg.Topics,
		HeartbeatInterval:     cfg.HeartbeatInterval,
		SessionTimeout:        cfg.SessionTimeout,
		RebalanceTimeout:      cfg.RebalanceTimeout,
		WatchPartitionChanges: true,
		StartOffset:           start,
		Logger:                kafkaLogger(log, slog.LevelDebug),
		ErrorLogger:           kafkaLogger(log, slog.LevelWarn),
	})
	if err != nil {
		return nil, fmt.Errorf("kafka: creating consumer group: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Source{
		cfg:         cfg,
		log:         log,
		dialer:      dialer,
		group:       group,
		out:         make(chan delivery, deliveryBuffer),
		closing:     make(chan struct{}),
		done:        make(chan struct{}),
		closed:      make(chan struct{}),
		stopRun:     cancel,
		assignments: make(map[topicPartition]int),
		owned:       make(map[topicPartition]*partition),
	}
	go s.run(ctx)
	return s, nil
}

// run takes each generation of the group in turn. It returns when the group
// is closed.
func (s *Source) run(ctx context.Context) {
	defer close(s.done)
	for {
		gen, err := s.group.Next(ctx)
		if err != nil {
			if errors.Is(err, kafkago.ErrGroupClosed) || ctx.Err() != nil {
				return
			}
			s.stats.groupErrors.Add(1)
			s.setLastErr(err)
			s.log.Warn("joining consumer group", "err", err)
			continue
		}
		s.startGeneration(gen)
	}
}

// startGeneration sets up one partition per assignment and starts, within
// the generation, one fetching goroutine per partition and one committer.
// kafka-go ends the generation's context on a rebalance or Close and waits
// for these goroutines before it rejoins or leaves.
func (s *Source) startGeneration(gen *kafkago.Generation) {
	s.stats.generations.Add(1)
	settled := make(chan struct{}, 1)
	var parts []*partition
	s.mu.Lock()
	for topic, as := range gen.Assignments {
		for _, a := range as {
			tp := topicPartition{topic, a.ID}
			s.assignments[tp]++
			p := &partition{
				topicPartition: tp,
				gen:            s.assignments[tp],
				start:          a.Offset,
				space:          make(chan struct{}, 1),
				settled:        settled,
				tr:             newTracker(a.Offset),
			}
			s.owned[tp] = p
			parts = append(parts, p)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(parts, func(a, b *partition) int {
		return cmp.Or(strings.Compare(a.topic, b.topic), cmp.Compare(a.id, b.id))
	})
	s.stats.assignments.Add(int64(len(parts)))
	s.log.Info("generation started", "generation_id", gen.ID, "member_id", gen.MemberID,
		"partitions", partitionsAttr(parts))

	gen.Start(func(ctx context.Context) { s.commitLoop(ctx, gen, parts) })
	for _, p := range parts {
		gen.Start(func(ctx context.Context) { s.consume(ctx, p) })
	}
}

// commitLoop commits the generation's marks every CommitInterval. When the
// generation ends it lets the records already handed out settle (up to
// DrainTimeout), commits a last time and revokes the partitions, so that
// later acknowledgements are ignored.
func (s *Source) commitLoop(ctx context.Context, gen *kafkago.Generation, parts []*partition) {
	t := time.NewTicker(s.cfg.CommitInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.commit(gen, parts)
		case <-ctx.Done():
			s.endGeneration(gen, parts)
			return
		}
	}
}

func (s *Source) endGeneration(gen *kafkago.Generation, parts []*partition) {
	for _, p := range parts {
		p.mu.Lock()
		p.closing = true
		p.mu.Unlock()
	}
	deadline := time.Now().Add(s.cfg.DrainTimeout)
	s.mu.Lock()
	if !s.drainDeadline.IsZero() && s.drainDeadline.Before(deadline) {
		deadline = s.drainDeadline
	}
	s.mu.Unlock()
	if !s.waitSettled(parts, deadline) {
		s.log.Warn("generation ended with records unacknowledged; they will be redelivered",
			"generation_id", gen.ID, "unacknowledged", handedOut(parts))
	}
	s.commit(gen, parts)
	s.mu.Lock()
	for _, p := range parts {
		p.mu.Lock()
		p.revoked = true
		p.mu.Unlock()
		if s.owned[p.topicPartition] == p {
			delete(s.owned, p.topicPartition)
		}
	}
	s.mu.Unlock()
	s.log.Info("generation ended", "generation_id", gen.ID, "partitions", partitionsAttr(parts))
}

// waitSettled waits until every record handed out from parts is settled, or
// until deadline. It reports whether they all were.
func (s *Source) waitSettled(parts []*partition, deadline time.Time) bool {
	if len(parts) == 0 {
		return true
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		if handedOut(parts) == 0 {
			return true
		}
		select {
		case <-parts[0].settled:
		case <-timer.C:
			return handedOut(parts) == 0
		}
	}
}

// handedOut counts records handed out by Read and not settled.
func handedOut(parts []*partition) int {
	n := 0
	for _, p := range parts {
		p.mu.Lock()
		n += p.tr.pending() - p.queued
		p.mu.Unlock()
	}
	return n
}

// commit commits, through the generation, the marks that moved since the
// last commit. A failure is logged and retried on the next call.
func (s *Source) commit(gen *kafkago.Generation, parts []*partition) {
	offsets := make(map[string]map[int]int64)
	for _, p := range parts {
		p.mu.Lock()
		next, ok := p.tr.commitOffset()
		p.mu.Unlock()
		if !ok {
			continue
		}
		if offsets[p.topic] == nil {
			offsets[p.topic] = make(map[int]int64)
		}
		offsets[p.topic][p.id] = next
	}
	if len(offsets) == 0 {
		return
	}
	if err := gen.CommitOffsets(offsets); err != nil {
		s.stats.commitErrors.Add(1)
		s.setLastErr(err)
		s.log.Warn("committing offsets", "generation_id", gen.ID, "err", err)
		return
	}
	s.stats.commits.Add(1)
	for _, p := range parts {
		if next, ok := offsets[p.topic][p.id]; ok {
			p.mu.Lock()
			p.tr.committedAt(next)
			p.mu.Unlock()
			s.log.Debug("committed", "topic", p.topic, "partition", p.id, "offset", next)
		}
	}
}

// Read returns the next record of any assigned partition. It blocks until
// one is available, ctx ends or the source is closed (ErrClosed).
//
// A record with Warmup set was committed before this assignment began: its
// AckFunc does nothing. Any other record must be acknowledged exactly once;
// its offset is committed when it and every record before it on its
// partition are acknowledged with a nil error. Acknowledging a record whose
// partition has been revoked since is ignored. The record's Key and Value
// are not reused by the source: the caller may keep them.
func (s *Source) Read(ctx context.Context) (ingest.Record, ingest.AckFunc, error) {
	for {
		select {
		case <-s.closing:
			return ingest.Record{}, nil, ErrClosed
		default:
		}
		select {
		case <-ctx.Done():
			return ingest.Record{}, nil, ctx.Err()
		case <-s.closing:
			return ingest.Record{}, nil, ErrClosed
		case d := <-s.out:
			if ack, ok := s.handOut(d); ok {
				return d.rec, ack, nil
			}
		}
	}
}

// handOut turns a delivery taken from the channel into a record for Read,
// or drops it when its assignment is ending.
func (s *Source) handOut(d delivery) (ingest.AckFunc, bool) {
	p := d.p
	p.mu.Lock()
	if !d.rec.Warmup {
		p.queued--
	}
	if p.closing || s.isClosing() {
		if !d.rec.Warmup {
			// Never handed out: it must not be committed past.
			p.tr.settle(d.rec.Offset, true)
		}
		p.mu.Unlock()
		s.stats.dropped.Add(1)
		return nil, false
	}
	p.mu.Unlock()
	s.stats.records.Add(1)
	if d.rec.Warmup {
		s.stats.warmups.Add(1)
		return noopAck, true
	}
	return s.ackFunc(p, d.rec.Offset), true
}

func (s *Source) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

func noopAck(context.Context, error) error { return nil }

// ackFunc returns the AckFunc of the record at offset.
func (s *Source) ackFunc(p *partition, offset int64) ingest.AckFunc {
	return func(_ context.Context, err error) error {
		p.mu.Lock()
		if p.revoked {
			p.mu.Unlock()
			s.stats.staleAcks.Add(1)
			return nil
		}
		changed := p.tr.settle(offset, err != nil)
		p.mu.Unlock()
		if !changed {
			return nil
		}
		if err != nil {
			s.stats.nacks.Add(1)
			s.log.Error("record nacked: its partition commits no further until reassigned",
				"topic", p.topic, "partition", p.id, "offset", offset, "err", err)
		} else {
			s.stats.acks.Add(1)
		}
		signal(p.space)
		signal(p.settled)
		return nil
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Close stops fetching, waits up to DrainTimeout (and no later than ctx's
// deadline) for records handed out to be acknowledged, commits what was
// acknowledged and leaves the group. The caller should stop reading and
// settle what it holds before calling Close. Close is safe to call more than
// once; if ctx ends first, Close returns ctx.Err() and the shutdown goes on
// in the background.
func (s *Source) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		if d, ok := ctx.Deadline(); ok {
			s.drainDeadline = d
		} else {
			s.drainDeadline = time.Now().Add(s.cfg.DrainTimeout)
		}
		s.mu.Unlock()
		close(s.closing)
		go func() {
			// Closing the group ends the generation (its goroutines drain and
			// commit) and then leaves the group.
			_ = s.group.Close()
			s.stopRun()
			<-s.done
			close(s.closed)
		}()
	})
	select {
	case <-s.closed:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("kafka: closing source: %w", ctx.Err())
	}
}

// Stats is a snapshot of the Source's counters, ready to be exported as
// metrics.
type Stats struct {
	Records       int64 // records handed out by Read, warm-up records included
	WarmupRecords int64 // of which warm-up records
	Dropped       int64 // records fetched but dropped because their assignment ended
	Acks          int64 // records acknowledged with a nil error
	Nacks         int64 // records acknowledged with an error
	StaleAcks     int64 // acknowledgements for an assignment that had ended, ignored
	Commits       int64 // successful offset commits
	CommitErrors  int64 // failed offset commits (retried)
	Generations   int64 // consumer group generations joined
	Assignments   int64 // partitions assigned, summed over generations
	GroupErrors   int64 // errors joining or syncing the group (retried)
	FetchErrors   int64 // errors fetching records (retried)
	WarmupErrors  int64 // warm-ups skipped because of an error
	PausedWaits   int64 // times a partition paused fetching at MaxInFlight
	LastError     string
	Partitions    []PartitionStats // partitions owned now, sorted
}

// PartitionStats describes one partition owned now.
type PartitionStats struct {
	Topic      string
	Partition  int
	Generation int   // Record.Generation of its records
	InFlight   int   // records tracked above the committable mark
	Pending    int   // of which not acknowledged yet
	Committed  int64 // next offset known committed; -1 if none
	Nacked     bool  // a nack holds its mark back until reassignment
}

// Stats returns a snapshot of the counters.
func (s *Source) Stats() Stats {
	st := Stats{
		Records:       s.stats.records.Load(),
		WarmupRecords: s.stats.warmups.Load(),
		Dropped:       s.stats.dropped.Load(),
		Acks:          s.stats.acks.Load(),
		Nacks:         s.stats.nacks.Load(),
		StaleAcks:     s.stats.staleAcks.Load(),
		Commits:       s.stats.commits.Load(),
		CommitErrors:  s.stats.commitErrors.Load(),
		Generations:   s.stats.generations.Load(),
		Assignments:   s.stats.assignments.Load(),
		GroupErrors:   s.stats.groupErrors.Load(),
		FetchErrors:   s.stats.fetchErrors.Load(),
		WarmupErrors:  s.stats.warmupErrors.Load(),
		PausedWaits:   s.stats.pausedWaits.Load(),
	}
	s.mu.Lock()
	st.LastError = s.lastErr
	for _, p := range s.owned {
		p.mu.Lock()
		st.Partitions = append(st.Partitions, PartitionStats{
			Topic:      p.topic,
			Partition:  p.id,
			Generation: p.gen,
			InFlight:   p.tr.inFlight(),
			Pending:    p.tr.pending(),
			Committed:  p.tr.committed,
			Nacked:     p.tr.failed(),
		})
		p.mu.Unlock()
	}
	s.mu.Unlock()
	slices.SortFunc(st.Partitions, func(a, b PartitionStats) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return st
}

func (s *Source) setLastErr(err error) {
	s.mu.Lock()
	s.lastErr = err.Error()
	s.mu.Unlock()
}

// partitionsAttr renders partitions for a log line as topic/partition.
func partitionsAttr(parts []*partition) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s/%d", p.topic, p.id)
	}
	return b.String()
}

// kafkaLogger adapts kafka-go's printf logging to slog at level.
func kafkaLogger(log *slog.Logger, level slog.Level) kafkago.Logger {
	return kafkago.LoggerFunc(func(msg string, args ...any) {
		if log.Enabled(context.Background(), level) {
			log.Log(context.Background(), level, strings.TrimSpace(fmt.Sprintf(msg, args...)), "from", "kafka-go")
		}
	})
}
