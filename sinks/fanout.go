package sinks

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mcpsoc/mcpsoc/detect/alert"
)

// Fanout returns a Sink that writes every batch to all of sinks at once and
// accepts it only when every sink accepted it. Wrap each sink in Retry
// first, so that a failing destination is retried on its own and the others
// are not written twice.
func Fanout(sinks ...Sink) Sink {
	if len(sinks) == 1 {
		return sinks[0]
	}
	return fanout(sinks)
}

type fanout []Sink

func (f fanout) Write(ctx context.Context, alerts []*alert.Alert) error {
	errs := make([]error, len(f))
	var wg sync.WaitGroup
	for i, s := range f {
		wg.Go(func() { errs[i] = s.Write(ctx, alerts) })
	}
	wg.Wait()
	var failed *BatchError
	var other []error
	for i, err := range errs {
		if err == nil {
			continue
		}
		var be *BatchError
		if errors.As(err, &be) {
			if failed == nil {
				failed = &BatchError{Failed: map[int]error{}, Permanent: map[int]bool{}}
			}
			for j, e := range be.Failed {
				failed.Failed[j] = fmt.Errorf("sink %d: %w", i, e)
				if be.Permanent[j] {
					failed.Permanent[j] = true
				}
			}
			continue
		}
		other = append(other, fmt.Errorf("sink %d: %w", i, err))
	}
	if len(other) > 0 {
		return errors.Join(other...)
	}
	if failed != nil {
		return failed
	}
	return nil
}

func (f fanout) Close(ctx context.Context) error {
	var errs []error
	for _, s := range f {
		if err := s.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
