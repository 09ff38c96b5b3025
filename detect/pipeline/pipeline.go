package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/detect/facts"
	"github.com/mcpsoc/mcpsoc/ingest"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
	"github.com/mcpsoc/mcpsoc/sinks"
	"golang.org/x/sync/errgroup"
)

// DeadLetterFunc stores a record that cannot be processed, with the reason.
// It returns nil only once the record is durably stored.
type DeadLetterFunc func(ctx context.Context, rec ingest.Record, reason string) error

// Options configures a Runner. Zero values mean the documented defaults.
type Options struct {
	// Shards is the number of engine goroutines; default GOMAXPROCS.
	// Partition p is processed by shard p % Shards.
	Shards int
	// Limits bound what the decoder accepts.
	Limits event.Limits
	// Engine configures each shard's engines.
	Engine detect.Options
	// BatchSize is the most alerts written to the sink at once (default
	// 500); BatchWait the longest an alert waits for its batch to fill
	// (default 50ms).
	BatchSize int
	BatchWait time.Duration
	// QueueSize bounds the records waiting for each shard and the alerts
	// waiting for the sink (default 1024).
	QueueSize int
	// DeadLetter receives records that fail to decode. When nil they are
	// only counted and logged (replay mode).
	DeadLetter DeadLetterFunc
	// ShutdownTimeout bounds how long Run drains queued work after its
	// context ends (default 10s).
	ShutdownTimeout time.Duration
	// FlushAtEnd closes every correlation window when the source reports
	// io.EOF (replay mode). A live pipeline leaves them open: they are
	// rebuilt from warm-up records after a restart.
	FlushAtEnd bool
	// IdleRelease, when positive, makes a shard that received no record for
	// this long (wall clock) release the events its partitions hold for
	// reordering (detect.Engine.Idle), so that the last events before a
	// quiet spell are correlated without waiting for more traffic. 0 turns
	// it off (replay, where the end of input flushes).
	IdleRelease time.Duration
	// Facts, when set, shares what first_seen and change rules learn
	// between the engines of all partitions and keeps it across restarts
	// (docs/state.md): a record is acknowledged only once its facts are
	// published too. nil: each engine keeps its own (replay).
	Facts  FactStore
	Logger *slog.Logger
}

// Defaults applied to the zero values of Options.
const (
	DefaultBatchSize       = 500
	DefaultBatchWait       = 50 * time.Millisecond
	DefaultQueueSize       = 1024
	DefaultShutdownTimeout = 10 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Shards <= 0 {
		o.Shards = runtime.GOMAXPROCS(0)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchWait <= 0 {
		o.BatchWait = DefaultBatchWait
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Stats counts what a Runner did. Read it after Run returns, or through
// Runner.Stats while it runs.
type Stats struct {
	Records     uint64 // records read, warm-up included
	Warmup      uint64 // warm-up records (state rebuilt, no alerts)
	Events      uint64 // records decoded
	BadEvents   uint64 // records refused by the decoder
	Alerts      uint64 // alerts accepted by the sink
	MutedAlerts uint64 // alerts produced by warm-up records and not sent
	Batches     uint64 // sink writes that succeeded
	// SplitFlows counts events whose flow (organization.id|mcp.flow.id)
	// was last seen on another partition: producers that do not key by
	// flow split a flow's state across partitions, and correlations that
	// span the split are missed (docs/kafka.md).
	SplitFlows uint64
	// Facts counts facts published to Options.Facts (warm-up and idle
	// releases included); FactErrors counts failed Publish calls (retried);
	// FactsRestored counts facts received from other partitions or
	// processes and restored into a shard's engines (the snapshots given to
	// new engines are not counted).
	Facts, FactErrors, FactsRestored uint64
	BadReasons                       map[string]uint64
	AlertsPerRule                    map[string]uint64
}

// Runner is one pipeline. Create it with New and call Run once.
type Runner struct {
	src  ingest.Source
	set  atomic.Pointer[rules.Set]
	sink sinks.Sink
	opts Options

	records, warmup, events, bad, alerts, muted, batches, split atomic.Uint64
	facts, factErrors, restored                                 atomic.Uint64

	// flows remembers the partition each recent flow was seen on.
	flows *lru.Cache[flowKey, int32]

	mu            sync.Mutex
	badReasons    map[string]uint64
	alertsPerRule map[string]uint64
	// OnBadEvent, when set before Run, is called for every refused record
	// (from shard goroutines, so it must be safe for concurrent use).
	OnBadEvent func(rec ingest.Record, err error)
}

// New returns a Runner reading src, detecting with set and delivering to
// sink. The sink should retry on its own (sinks.Retry): a Write error other
// than the context's stops the Runner.
func New(src ingest.Source, set *rules.Set, sink sinks.Sink, opts Options) *Runner {
	flows, _ := lru.New[flowKey, int32](flowMemory)
	r := &Runner{
		src: src, sink: sink, opts: opts.withDefaults(), flows: flows,
		badReasons:    map[string]uint64{},
		alertsPerRule: map[string]uint64{},
	}
	r.set.Store(set)
	return r
}

// Reload makes every shard switch to set before its next record (hot
// reload). Correlation state is kept when the correlation rules did not
// change (detect.Engine.Swap). The caller loads and validates set first: a
// set that fails to load never reaches the Runner.
func (r *Runner) Reload(set *rules.Set) { r.set.Store(set) }

// Stats returns the counters so far.
func (r *Runner) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Stats{
		Records: r.records.Load(), Warmup: r.warmup.Load(), Events: r.events.Load(),
		BadEvents: r.bad.Load(), Alerts: r.alerts.Load(), MutedAlerts: r.muted.Load(),
		Batches:    r.batches.Load(),
		SplitFlows: r.split.Load(),
		Facts:      r.facts.Load(), FactErrors: r.factErrors.Load(), FactsRestored: r.restored.Load(),
		BadReasons:    maps.Clone(r.badReasons),
		AlertsPerRule: maps.Clone(r.alertsPerRule),
	}
	return s
}

// pending settles one record once all its alerts are accepted and its facts
// published.
type pending struct {
	left atomic.Int32
	ack  ingest.AckFunc
}

func (p *pending) done(ctx context.Context) error {
	if p == nil || p.left.Add(-1) != 0 || p.ack == nil {
		return nil
	}
	return p.ack(ctx, nil)
}

type item struct {
	a *alert.Alert
	p *pending
}

type job struct {
	rec ingest.Record
	ack ingest.AckFunc
}

// Run processes records until the source returns io.EOF (then it returns
// nil once every alert is delivered) or ctx ends (then it drains what is
// queued within Options.ShutdownTimeout and returns ctx's error). Records
// whose alerts were not delivered are not acknowledged.
func (r *Runner) Run(ctx context.Context) error {
	// work is cancelled when ctx ends plus the shutdown grace, or when a
	// stage fails.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(r.opts.ShutdownTimeout, cancelWork)
		context.AfterFunc(workCtx, func() { t.Stop() })
	})
	defer stop()

	g, gctx := errgroup.WithContext(workCtx)
	shardIn := make([]chan job, r.opts.Shards)
	for i := range shardIn {
		shardIn[i] = make(chan job, r.opts.QueueSize)
	}
	out := make(chan item, r.opts.QueueSize)
	var factsOut chan factItem
	if r.opts.Facts != nil {
		factsOut = make(chan factItem, r.opts.QueueSize)
	}

	// Reader: stops at EOF or when ctx ends.
	g.Go(func() error {
		defer func() {
			for _, c := range shardIn {
				close(c)
			}
		}()
		readCtx, cancel := context.WithCancel(gctx)
		defer cancel()
		stopRead := context.AfterFunc(ctx, cancel)
		defer stopRead()
		for {
			rec, ack, err := r.src.Read(readCtx)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				if readCtx.Err() != nil {
					return nil
				}
				return fmt.Errorf("reading source: %w", err)
			}
			r.records.Add(1)
			select {
			case shardIn[rec.Partition%len(shardIn)] <- job{rec, ack}:
			case <-gctx.Done():
				return nil
			}
		}
	})

	var shards sync.WaitGroup
	for i := range shardIn {
		shards.Add(1)
		g.Go(func() error {
			defer shards.Done()
			return r.shard(gctx, shardIn[i], out, factsOut)
		})
	}
	g.Go(func() error {
		shards.Wait()
		close(out)
		if factsOut != nil {
			close(factsOut)
		}
		return nil
	})
	g.Go(func() error { return r.deliver(gctx, out) })
	if factsOut != nil {
		g.Go(func() error { return r.publish(gctx, factsOut) })
	}

	err := g.Wait()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return err
}

type partKey struct {
	topic     string
	partition int
}

type partState struct {
	gen    int
	engine *detect.Engine
	set    *rules.Set
	// held reports events processed since the last idle release, last
	// when the partition's last record arrived (wall clock).
	held bool
	last time.Time
}

// shard processes the records of its partitions in order.
func (r *Runner) shard(ctx context.Context, in <-chan job, out chan<- item, factsOut chan<- factItem) error {
	parts := map[partKey]*partState{}
	engOpts := r.opts.Engine
	var (
		inbox  *facts.Inbox
		learnt []correlate.Fact // facts of the record being processed
		inBuf  []correlate.Fact
	)
	if r.opts.Facts != nil {
		inbox = r.opts.Facts.Subscribe()
		defer inbox.Close()
		engOpts.OnFact = func(f correlate.Fact) { learnt = append(learnt, f) }
	}
	var ev event.Event
	dec := event.NewDecoder(r.opts.Limits) // one per shard: it is not safe for concurrent use
	var batch []*alert.Alert
	collect := func(a *alert.Alert) { batch = append(batch, a) }
	send := func(p *pending) error {
		for _, a := range batch {
			select {
			case out <- item{a, p}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	// release sends what an idle release or the flush at the end emits, and
	// the facts it taught. It holds no offset: the records it derives from
	// were acknowledged when they were processed.
	release := func(run func(emit func(*alert.Alert))) error {
		batch = batch[:0]
		run(collect)
		if err := queueFacts(ctx, factsOut, &learnt, nil); err != nil {
			return err
		}
		return send(nil)
	}
	// Idle release is per partition: a partition whose last record is
	// older than IdleRelease (wall clock) and that holds events since its
	// last release gets them correlated, even while other partitions of
	// the shard stay busy. A ticker checks at a quarter of the period.
	var idle <-chan time.Time
	if r.opts.IdleRelease > 0 {
		t := time.NewTicker(max(r.opts.IdleRelease/4, time.Millisecond))
		defer t.Stop()
		idle = t.C
	}
	for {
		var j job
		var ok bool
		select {
		case j, ok = <-in:
		case now := <-idle:
			inBuf = r.absorb(inbox, parts, inBuf)
			for _, ps := range parts {
				if !ps.held || now.Sub(ps.last) < r.opts.IdleRelease {
					continue
				}
				ps.held = false
				// After a restart the warm-up may release the same alerts
				// again; they are sent again too (same ids, idempotent
				// downstream) rather than muted, since nothing proves they
				// were delivered before the crash.
				if err := release(ps.engine.Idle); err != nil {
					return err
				}
			}
			continue
		}
		if !ok {
			break
		}
		rec := j.rec
		k := partKey{rec.Topic, rec.Partition}
		ps := parts[k]
		set := r.set.Load()
		inBuf = r.absorb(inbox, parts, inBuf)
		if ps == nil || ps.gen != rec.Generation {
			eng, err := detect.New(set, engOpts)
			if err != nil {
				return fmt.Errorf("building engine: %w", err)
			}
			ps = &partState{gen: rec.Generation, engine: eng, set: set}
			parts[k] = ps
			r.restoreSnapshot(ps)
		} else if ps.set != set {
			kept, err := ps.engine.Swap(set)
			if err != nil {
				return fmt.Errorf("reloading rules: %w", err)
			}
			ps.set = set
			if !kept {
				r.opts.Logger.Warn("correlation rules changed: their state starts afresh", "topic", rec.Topic, "partition", rec.Partition)
				r.restoreSnapshot(ps)
			}
		}
		if r.opts.IdleRelease > 0 {
			ps.held, ps.last = true, time.Now()
		}
		if rec.Warmup {
			r.warmup.Add(1)
		}
		if err := dec.DecodeInto(&ev, rec.Value); err != nil {
			if rec.Warmup {
				continue
			}
			if err := r.badRecord(ctx, rec, err); err != nil {
				return err
			}
			if err := j.ack(ctx, nil); err != nil {
				return fmt.Errorf("acknowledging record: %w", err)
			}
			continue
		}
		r.events.Add(1)
		if !rec.Warmup {
			r.checkFlow(&ev, rec.Partition)
		}
		batch = batch[:0]
		ps.engine.Process(&ev, collect)
		if rec.Warmup {
			// Its alerts were delivered and its facts published when it was
			// first processed; facts the store lacks (an idle release lost
			// in a crash) are published again, holding no offset.
			r.muted.Add(uint64(len(batch)))
			if err := queueFacts(ctx, factsOut, &learnt, nil); err != nil {
				return err
			}
			continue
		}
		left := len(batch)
		if len(learnt) > 0 {
			left++ // all the record's facts, published together
		}
		if left == 0 {
			if err := j.ack(ctx, nil); err != nil {
				return fmt.Errorf("acknowledging record: %w", err)
			}
			continue
		}
		p := &pending{ack: j.ack}
		p.left.Store(int32(left))
		if err := queueFacts(ctx, factsOut, &learnt, p); err != nil {
			return err
		}
		if err := send(p); err != nil {
			return err
		}
	}
	if r.opts.FlushAtEnd && ctx.Err() == nil {
		for _, ps := range parts {
			if err := release(ps.engine.Flush); err != nil {
				return err
			}
		}
	}
	return nil
}

// flowMemory bounds the flows whose partition is remembered.
const flowMemory = 100_000

type flowKey struct{ org, flow string }

// checkFlow counts an event whose flow was last seen on another partition.
func (r *Runner) checkFlow(ev *event.Event, partition int) {
	if ev.MCP.Flow.ID == "" {
		return
	}
	key := flowKey{ev.Organization.ID, ev.MCP.Flow.ID}
	if p, ok := r.flows.Get(key); ok && p == int32(partition) {
		return
	} else if ok {
		r.split.Add(1)
	}
	r.flows.Add(key, int32(partition))
}

// badRecord counts a refused record and dead-letters it, retrying until it
// is stored or ctx ends.
func (r *Runner) badRecord(ctx context.Context, rec ingest.Record, derr error) error {
	r.bad.Add(1)
	reason := derr.Error()
	r.mu.Lock()
	if len(r.badReasons) < 100 {
		r.badReasons[ReasonClass(derr)]++
	}
	r.mu.Unlock()
	if r.OnBadEvent != nil {
		r.OnBadEvent(rec, derr)
	}
	r.opts.Logger.Debug("bad event", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "err", reason)
	if r.opts.DeadLetter == nil {
		return nil
	}
	log := r.opts.Logger.With("topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset)
	return retry(ctx, log, "dead-lettering", nil, func() error { return r.opts.DeadLetter(ctx, rec, reason) })
}

// ReasonClass is the reason of a decode error without its variable parts
// (byte offsets, sizes), for counting.
func ReasonClass(err error) string {
	switch {
	case errors.Is(err, event.ErrSyntax):
		return "invalid JSON"
	case errors.Is(err, event.ErrTooLarge):
		return "event too large"
	}
	var de *event.DecodeError
	if errors.As(err, &de) {
		if de.Path != "" {
			return de.Path + ": " + de.Reason
		}
		return de.Reason
	}
	return err.Error()
}

// deliver batches alerts to the sink and settles their records.
func (r *Runner) deliver(ctx context.Context, in <-chan item) error {
	batch := make([]*alert.Alert, 0, r.opts.BatchSize)
	one := func(item) int { return 1 }
	return batchLoop(ctx, in, r.opts.BatchSize, r.opts.BatchWait, one, func(items []item) error {
		batch = batch[:0]
		for _, it := range items {
			batch = append(batch, it.a)
		}
		if err := r.sink.Write(ctx, batch); err != nil {
			return fmt.Errorf("writing %d alerts: %w", len(batch), err)
		}
		r.batches.Add(1)
		r.alerts.Add(uint64(len(items)))
		r.mu.Lock()
		for _, it := range items {
			r.alertsPerRule[it.a.Rule.ID]++
		}
		r.mu.Unlock()
		for _, it := range items {
			if err := it.p.done(ctx); err != nil {
				return fmt.Errorf("acknowledging record: %w", err)
			}
		}
		return nil
	})
}
