package sinks

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/mcpsoc/mcpsoc/detect/alert"
)

// Writer writes alerts as NDJSON, one document per line, to an io.Writer
// (stdout in replay and demo mode, a file). An alert is accepted once its
// line has been written and flushed to the underlying writer; when that
// writer has a Sync method (an *os.File), it is called too.
type Writer struct {
	mu     sync.Mutex
	w      *bufio.Writer
	syncer interface{ Sync() error }
	closed bool
}

// NewWriter returns a Writer sink on w.
func NewWriter(w io.Writer) *Writer {
	s := &Writer{w: bufio.NewWriterSize(w, 64<<10)}
	if sy, ok := w.(interface{ Sync() error }); ok {
		s.syncer = sy
	}
	return s
}

// Write encodes the alerts and flushes them.
func (s *Writer) Write(ctx context.Context, alerts []*alert.Alert) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	enc := json.NewEncoder(s.w)
	enc.SetEscapeHTML(false)
	for _, a := range alerts {
		if err := enc.Encode(a); err != nil {
			return fmt.Errorf("encoding alert %s: %w", a.Event.ID, err)
		}
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("writing alerts: %w", err)
	}
	if s.syncer != nil {
		// Sync fails on pipes and terminals; that is not a delivery failure.
		_ = s.syncer.Sync()
	}
	return nil
}

// Close flushes the writer. It does not close the underlying writer.
func (s *Writer) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.w.Flush()
}

// Discard accepts every alert and does nothing: for benchmarks and for
// measuring the pipeline without a destination.
type Discard struct{}

// Write accepts the alerts.
func (Discard) Write(ctx context.Context, alerts []*alert.Alert) error { return ctx.Err() }

// Close does nothing.
func (Discard) Close(context.Context) error { return nil }
