package sinks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/detect/alert"
)

// flaky is a Sink that refuses alerts by id for a number of attempts.
type flaky struct {
	mu        sync.Mutex
	failUntil map[string]int // id → attempts to refuse
	permanent map[string]bool
	whole     int // whole-batch failures before anything is accepted
	attempts  map[string]int
	accepted  []string
}

func (f *flaky) Write(ctx context.Context, alerts []*alert.Alert) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.whole > 0 {
		f.whole--
		return errors.New("connection refused")
	}
	be := &BatchError{Failed: map[int]error{}, Permanent: map[int]bool{}}
	for i, a := range alerts {
		id := a.Event.ID
		f.attempts[id]++
		if f.permanent[id] {
			be.Failed[i] = errors.New("mapper_parsing_exception")
			be.Permanent[i] = true
			continue
		}
		if f.attempts[id] <= f.failUntil[id] {
			be.Failed[i] = errors.New("es_rejected_execution_exception")
			continue
		}
		f.accepted = append(f.accepted, id)
	}
	if len(be.Failed) > 0 {
		return be
	}
	return nil
}

func (f *flaky) Close(context.Context) error { return nil }

func batch(ids ...string) []*alert.Alert {
	out := make([]*alert.Alert, len(ids))
	for i, id := range ids {
		out[i] = &alert.Alert{Event: alert.Meta{ID: id}}
	}
	return out
}

func TestRetry(t *testing.T) {
	fast := Backoff{Initial: time.Microsecond, Max: time.Millisecond}
	tests := []struct {
		name         string
		sink         *flaky
		reject       bool
		wantAccepted []string
		wantRejected []string
		wantAttempts map[string]int
	}{
		{
			name:         "all accepted at once",
			sink:         &flaky{},
			wantAccepted: []string{"a", "b", "c"},
			wantAttempts: map[string]int{"a": 1, "b": 1, "c": 1},
		},
		{
			name:         "only failed items are retried",
			sink:         &flaky{failUntil: map[string]int{"b": 3}},
			wantAccepted: []string{"a", "c", "b"},
			wantAttempts: map[string]int{"a": 1, "b": 4, "c": 1},
		},
		{
			name:         "whole-batch failures retry everything",
			sink:         &flaky{whole: 2},
			wantAccepted: []string{"a", "b", "c"},
			wantAttempts: map[string]int{"a": 1, "b": 1, "c": 1},
		},
		{
			name:         "permanent failures go to Reject",
			sink:         &flaky{permanent: map[string]bool{"c": true}},
			reject:       true,
			wantAccepted: []string{"a", "b"},
			wantRejected: []string{"c"},
			wantAttempts: map[string]int{"a": 1, "b": 1, "c": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.sink.attempts = map[string]int{}
			var rejected []string
			opts := RetryOptions{Backoff: fast}
			if tt.reject {
				opts.Reject = func(_ context.Context, as []*alert.Alert, reasons []error) error {
					for i, a := range as {
						if reasons[i] == nil {
							t.Errorf("Reject(%s) without a reason", a.Event.ID)
						}
						rejected = append(rejected, a.Event.ID)
					}
					return nil
				}
			}
			if err := Retry(tt.sink, opts).Write(context.Background(), batch("a", "b", "c")); err != nil {
				t.Fatalf("Write = %v, want nil", err)
			}
			if !slices.Equal(tt.sink.accepted, tt.wantAccepted) {
				t.Errorf("accepted = %v, want %v", tt.sink.accepted, tt.wantAccepted)
			}
			if !slices.Equal(rejected, tt.wantRejected) {
				t.Errorf("rejected = %v, want %v", rejected, tt.wantRejected)
			}
			for id, n := range tt.wantAttempts {
				if got := tt.sink.attempts[id]; got != n {
					t.Errorf("attempts[%s] = %d, want %d", id, got, n)
				}
			}
		})
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	s := &flaky{whole: 1 << 30, attempts: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			s.mu.Lock()
			w := s.whole
			s.mu.Unlock()
			if w < 1<<30-2 {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	err := Retry(s, RetryOptions{Backoff: Backoff{Initial: time.Microsecond, Max: time.Millisecond}}).Write(ctx, batch("a"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want context.Canceled", err)
	}
	if len(s.accepted) != 0 {
		t.Errorf("accepted = %v, want none", s.accepted)
	}
}

func TestFanout(t *testing.T) {
	good := &flaky{attempts: map[string]int{}}
	bad := &flaky{attempts: map[string]int{}, failUntil: map[string]int{"b": 1}}
	err := Fanout(good, bad).Write(context.Background(), batch("a", "b"))
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatalf("Write = %v, want *BatchError", err)
	}
	if _, ok := be.Failed[1]; !ok || len(be.Failed) != 1 {
		t.Errorf("Failed = %v, want only index 1", be.Failed)
	}
	down := &flaky{attempts: map[string]int{}, whole: 1}
	if err := Fanout(good, down).Write(context.Background(), batch("c")); err == nil || errors.As(err, &be) {
		t.Errorf("Write with a sink down = %v, want a plain error", err)
	}
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	as := batch("a", "b")
	as[1].MCP.Alert.Reason = "<script>\x1b[31m"
	if err := w.Write(context.Background(), as); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), buf.String())
	}
	for i, l := range lines {
		var got alert.Alert
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if got.Event.ID != as[i].Event.ID || got.MCP.Alert.Reason != as[i].MCP.Alert.Reason {
			t.Errorf("line %d = %+v, want id %s", i, got.Event, as[i].Event.ID)
		}
	}
	if strings.ContainsRune(buf.String(), 0x1b) {
		t.Error("output carries a raw escape character")
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(context.Background(), as); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestBatchErrorMessage(t *testing.T) {
	be := &BatchError{Failed: map[int]error{}}
	for i := range 5 {
		be.Failed[i] = fmt.Errorf("e%d", i)
	}
	if msg := be.Error(); !strings.HasPrefix(msg, "5 alerts not accepted") || !strings.Contains(msg, "...") {
		t.Errorf("Error() = %q", msg)
	}
}

// syncFile is a regular file whose Sync fails, as on a failing disk.
type syncFile struct {
	bytes.Buffer
	err   error
	syncs int
}

func (f *syncFile) Sync() error                { f.syncs++; return f.err }
func (f *syncFile) Stat() (fs.FileInfo, error) { return regularInfo{}, nil }

type regularInfo struct{ fs.FileInfo }

func (regularInfo) Mode() fs.FileMode { return 0o644 }

func TestWriterSync(t *testing.T) {
	ctx := context.Background()
	t.Run("regular file", func(t *testing.T) {
		f, err := os.Create(filepath.Join(t.TempDir(), "alerts.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w := NewWriter(f)
		if w.syncer == nil {
			t.Fatal("a regular file is not synced")
		}
		if err := w.Write(ctx, batch("a")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("pipe", func(t *testing.T) {
		r, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer pw.Close()
		go io.Copy(io.Discard, r)
		w := NewWriter(pw)
		if w.syncer != nil {
			t.Error("a pipe is synced: fsync fails on pipes whatever happened to the data")
		}
		if err := w.Write(ctx, batch("a")); err != nil {
			t.Fatalf("Write on a pipe = %v", err)
		}
	})
	t.Run("failing sync", func(t *testing.T) {
		f := &syncFile{err: errors.New("input/output error")}
		w := NewWriter(f)
		if err := w.Write(ctx, batch("a")); err == nil || !strings.Contains(err.Error(), "syncing alerts") {
			t.Errorf("Write with a failing sync = %v, want the sync error", err)
		}
		if err := w.Close(ctx); err == nil {
			t.Error("Close with a failing sync = nil")
		}
		if f.syncs != 2 {
			t.Errorf("synced %d times, want 2 (Write, Close)", f.syncs)
		}
	})
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := b.Delay(i + 1); got != w*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := (Backoff{}).Delay(1000); got != 30*time.Second {
		t.Errorf("default Delay(1000) = %v, want 30s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Backoff{Initial: time.Hour}).Sleep(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep with an ended context = %v, want context.Canceled", err)
	}
}
