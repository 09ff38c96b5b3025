package sinks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mcpsoc/mcpsoc/detect/alert"
)

// Sink delivers alerts to one destination.
//
// Write returns nil only when every alert of the batch has been durably
// accepted (indexed by Elasticsearch, answered 2xx by a webhook, written and
// synced to a file). A *BatchError names the alerts that were not; those, and
// only those, must be written again. Any other error means none of the batch
// may be considered accepted. Write must not keep the slice after it returns;
// the alerts themselves are read-only and may be shared with other sinks.
// Accepting an alert twice must be harmless: alerts carry a deterministic
// event.id that sinks pass on as their idempotency key.
type Sink interface {
	Write(ctx context.Context, alerts []*alert.Alert) error
	// Close flushes and releases the sink within the context's deadline. It is
	// safe to call more than once.
	Close(ctx context.Context) error
}

// BatchError reports which alerts of a batch a sink did not accept.
type BatchError struct {
	// Failed maps the index of each alert in the batch that was not accepted to
	// the reason.
	Failed map[int]error
	// Permanent reports, per failed index, that retrying cannot help (a mapping
	// error, say): the alert should be dead-lettered rather than retried.
	Permanent map[int]bool
}

// Error summarises the failures.
func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d alerts not accepted", len(e.Failed))
	n := 0
	for i, err := range e.Failed {
		if n == 3 {
			b.WriteString("; ...")
			break
		}
		fmt.Fprintf(&b, "; [%d] %v", i, err)
		n++
	}
	return b.String()
}

// Unwrap returns the per-alert errors.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failed))
	for _, err := range e.Failed {
		errs = append(errs, err)
	}
	return errs
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("sink closed")
