package sinks

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"github.com/mcpsoc/mcpsoc/detect/alert"
)

// Writer writes alerts as NDJSON, one document per line, to an io.Writer
// (stdout in replay and demo mode, a file). An alert is accepted once its
// line has been written and flushed to the underlying writer and, when that
// writer is a regular file, synced to stable storage: a failed sync (a full
// or failing disk) fails the write, so the offsets of its events are not
// committed. Pipes and terminals cannot be synced and are not.
type Writer struct {
	mu     sync.Mutex
	w      *bufio.Writer
	syncer syncer
	closed bool
}

type syncer interface{ Sync() error }

// NewWriter returns a Writer sink on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), syncer: regularFile(w)}
}

// regularFile returns w as a syncer when it is a regular file (an *os.File
// on a file, not on a pipe, socket or terminal, where fsync fails with
// EINVAL whatever happened to the data), else nil.
func regularFile(w io.Writer) syncer {
	f, ok := w.(interface {
		syncer
		Stat() (fs.FileInfo, error)
	})
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	return f
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
	return s.flush()
}

// flush writes out the buffered lines and syncs a regular file.
func (s *Writer) flush() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("writing alerts: %w", err)
	}
	if s.syncer != nil {
		if err := s.syncer.Sync(); err != nil {
			return fmt.Errorf("syncing alerts to disk: %w", err)
		}
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
	return s.flush()
}

// Discard accepts every alert and does nothing: for benchmarks and for
// measuring the pipeline without a destination.
type Discard struct{}

// Write accepts the alerts.
func (Discard) Write(ctx context.Context, alerts []*alert.Alert) error { return ctx.Err() }

// Close does nothing.
func (Discard) Close(context.Context) error { return nil }
