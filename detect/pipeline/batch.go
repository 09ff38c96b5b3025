package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/mcpsoc/mcpsoc/sinks"
)

// batchLoop collects items from in into batches and hands each batch to
// flush: when the batch weighs max (weight gives an item's weight), when
// wait has passed since its first item, and when in is closed. It returns
// flush's first error, or ctx's. The slice given to flush is reused after
// flush returns.
func batchLoop[T any](ctx context.Context, in <-chan T, max int, wait time.Duration, weight func(T) int, flush func([]T) error) error {
	var items []T
	n := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	send := func() error {
		if len(items) == 0 {
			return nil
		}
		err := flush(items)
		clear(items)
		items, n = items[:0], 0
		return err
	}
	for {
		select {
		case it, ok := <-in:
			if !ok {
				return send()
			}
			if len(items) == 0 {
				timer.Reset(wait)
			}
			items = append(items, it)
			if n += weight(it); n >= max {
				timer.Stop()
				if err := send(); err != nil {
					return err
				}
			}
		case <-timer.C:
			if err := send(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// retry calls fn until it succeeds or ctx ends, waiting between attempts
// as sinks.Retry does (100ms doubling to 30s, with jitter). Each failure is logged (what names the
// operation) and passed to onFail when it is not nil.
func retry(ctx context.Context, log *slog.Logger, what string, onFail func(error), fn func() error) error {
	var backoff sinks.Backoff // the defaults: 100ms doubling to 30s
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if onFail != nil {
			onFail(err)
		}
		log.Warn(what+" failed; retrying", "wait", backoff.Delay(attempt), "err", err)
		if err := backoff.Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}
