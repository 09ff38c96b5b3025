package sinks

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/mcpsoc/mcpsoc/detect/alert"
)

// Backoff is the retry schedule of Retry.
type Backoff struct {
	// Initial is the first wait (default 100ms); each failure doubles it up
	// to Max (default 30s), with ±20% jitter.
	Initial time.Duration
	Max     time.Duration
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = 100 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Second
	}
	return b
}

// Delay returns the wait before retry n (n >= 1, after the n-th failure):
// Initial doubled n-1 times, at most Max, without jitter.
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Sleep waits Delay(n) with ±20% jitter (so that many retrying clients do
// not come back at the same moment), or until ctx ends, then returning
// ctx's error.
func (b Backoff) Sleep(ctx context.Context, n int) error {
	d := b.Delay(n)
	t := time.NewTimer(time.Duration(float64(d) * (0.8 + 0.4*rand.Float64())))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryOptions configures Retry.
type RetryOptions struct {
	Backoff Backoff
	// Reject receives the alerts a sink refused permanently (the
	// BatchError marks them Permanent: a mapping error, say) with the
	// reasons, typically to write them to a dead-letter destination. It must
	// return nil only once they are durably stored; an error retries them.
	// When nil, permanently refused alerts are retried like any other.
	Reject func(ctx context.Context, alerts []*alert.Alert, reasons []error) error
	// Name names the sink in logs.
	Name   string
	Logger *slog.Logger
}

// Retry returns a Sink that writes to s until every alert is accepted,
// retrying only the alerts that failed, with backoff. It never drops an
// alert: Write returns nil when all are accepted, or the context's error
// when the context ends first (then none of the batch counts as accepted
// by the caller and it will be delivered again later).
func Retry(s Sink, opts RetryOptions) Sink {
	opts.Backoff = opts.Backoff.withDefaults()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &retry{s: s, opts: opts}
}

type retry struct {
	s    Sink
	opts RetryOptions
}

func (r *retry) Write(ctx context.Context, alerts []*alert.Alert) error {
	pending := alerts
	for attempt := 1; ; attempt++ {
		err := r.s.Write(ctx, pending)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var be *BatchError
		if errors.As(err, &be) && len(be.Failed) > 0 {
			var next, rejected []*alert.Alert
			var reasons []error
			for i, a := range pending {
				ferr, failed := be.Failed[i]
				switch {
				case !failed:
				case be.Permanent[i] && r.opts.Reject != nil:
					rejected = append(rejected, a)
					reasons = append(reasons, ferr)
				default:
					next = append(next, a)
				}
			}
			if len(rejected) > 0 {
				if rerr := r.opts.Reject(ctx, rejected, reasons); rerr != nil {
					r.opts.Logger.Warn("dead-lettering refused alerts failed; retrying them", "sink", r.opts.Name, "alerts", len(rejected), "err", rerr)
					next = append(next, rejected...)
				}
			}
			if len(next) == 0 {
				return nil
			}
			pending = next
		}
		r.opts.Logger.Warn("sink write failed; retrying", "sink", r.opts.Name, "alerts", len(pending), "attempt", attempt, "wait", r.opts.Backoff.Delay(attempt), "err", err)
		if err := r.opts.Backoff.Sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

func (r *retry) Close(ctx context.Context) error { return r.s.Close(ctx) }
