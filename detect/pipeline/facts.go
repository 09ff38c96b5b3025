package pipeline

import (
	"context"
	"fmt"
	"slices"

	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/detect/facts"
)

// FactStore keeps the facts learnt by first_seen and change rules
// (correlate.Fact) so that every partition's engine, in this process and in
// the others of the group, knows them, now and after a restart
// (docs/state.md). facts.Memory and ingest/kafka/state implement it.
//
// Publish, Snapshot and Subscribe are safe for concurrent use. The Runner
// calls Publish from one goroutine; each shard owns the Inbox it
// subscribed and closes it when it stops.
type FactStore interface {
	// Publish stores facts and returns nil only once they are durable; then
	// they are also delivered to every Inbox (and are in Snapshot). On error
	// nothing may be assumed stored: the Runner retries the same facts, and
	// the records they came from stay unacknowledged meanwhile.
	Publish(ctx context.Context, fs []correlate.Fact) error
	// Snapshot returns the facts known now (bounded by the store).
	Snapshot() []correlate.Fact
	// Subscribe returns an Inbox that receives the facts learnt from now
	// on, here (after Publish) or by other processes.
	Subscribe() *facts.Inbox
}

// factItem is the facts one record (or an idle release, p nil) taught its
// engine.
type factItem struct {
	facts []correlate.Fact
	p     *pending
}

// absorb restores into every engine of a shard the facts its inbox
// received: learnt on other partitions or by other processes. On overflow
// the whole snapshot is restored. buf is reused.
func (r *Runner) absorb(in *facts.Inbox, parts map[partKey]*partState, buf []correlate.Fact) []correlate.Fact {
	if in == nil {
		return buf
	}
	buf, overflow := in.Drain(buf[:0])
	if overflow {
		r.opts.Logger.Warn("fact inbox overflowed; restoring the whole snapshot", "inbox_size", facts.InboxSize)
		buf = append(buf, r.opts.Facts.Snapshot()...)
	}
	if len(buf) > 0 && len(parts) > 0 {
		for _, f := range buf {
			for _, ps := range parts {
				ps.engine.Restore(f)
			}
		}
		r.restored.Add(uint64(len(buf)))
	}
	clear(buf)
	return buf[:0]
}

// restoreSnapshot gives a new engine (a partition assigned, or rules whose
// state was dropped by a reload) every fact known so far.
func (r *Runner) restoreSnapshot(ps *partState) {
	if r.opts.Facts == nil {
		return
	}
	for _, f := range r.opts.Facts.Snapshot() {
		ps.engine.Restore(f)
	}
}

// queueFacts hands the facts learnt while processing a record (p) or an
// idle release (p nil) to the publisher; learnt is reset.
func queueFacts(ctx context.Context, out chan<- factItem, learnt *[]correlate.Fact, p *pending) error {
	if len(*learnt) == 0 {
		return nil
	}
	it := factItem{facts: slices.Clone(*learnt), p: p}
	clear(*learnt)
	*learnt = (*learnt)[:0]
	select {
	case out <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// publish writes facts to the FactStore in batches and settles their
// records. A failing Publish is retried with backoff until it succeeds or
// ctx ends: the records wait, unacknowledged.
func (r *Runner) publish(ctx context.Context, in <-chan factItem) error {
	var batch []correlate.Fact
	weight := func(it factItem) int { return len(it.facts) }
	return batchLoop(ctx, in, r.opts.BatchSize, r.opts.BatchWait, weight, func(items []factItem) error {
		batch = batch[:0]
		for _, it := range items {
			batch = append(batch, it.facts...)
		}
		onFail := func(error) { r.factErrors.Add(1) }
		publish := func() error { return r.opts.Facts.Publish(ctx, batch) }
		if err := retry(ctx, r.opts.Logger.With("facts", len(batch)), "publishing facts", onFail, publish); err != nil {
			return err
		}
		r.facts.Add(uint64(len(batch)))
		clear(batch)
		for _, it := range items {
			if err := it.p.done(ctx); err != nil {
				return fmt.Errorf("acknowledging record: %w", err)
			}
		}
		return nil
	})
}
