package kafka

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// runTracker applies a script of space-separated steps to a tracker:
// "t5" tracks offset 5, "a5" acks it, "n5" nacks it, "c" records a commit of
// whatever commitOffset offers. It fails the test on a refused track unless
// the step is written "t!5" (a refusal is expected).
func runTracker(t *testing.T, tr *tracker, script string) {
	t.Helper()
	for _, step := range strings.Fields(script) {
		if step == "c" {
			if next, ok := tr.commitOffset(); ok {
				tr.committedAt(next)
			}
			continue
		}
		op, arg := step[0], step[1:]
		refuse := strings.HasPrefix(arg, "!")
		arg = strings.TrimPrefix(arg, "!")
		off, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			t.Fatalf("bad step %q", step)
		}
		switch op {
		case 't':
			if got := tr.track(off); got == refuse {
				t.Fatalf("track(%d) = %v, want %v", off, got, !refuse)
			}
		case 'a':
			tr.settle(off, false)
		case 'n':
			tr.settle(off, true)
		default:
			t.Fatalf("bad step %q", step)
		}
	}
}

func TestTracker(t *testing.T) {
	tests := []struct {
		name      string
		committed int64 // at assignment; -1 = none
		script    string
		// want: the offset commitOffset offers and whether it is ahead.
		wantNext    int64
		wantAhead   bool
		wantFlight  int
		wantPending int
		wantFailed  bool
	}{
		{name: "nothing tracked", committed: 10, script: "",
			wantNext: 10, wantAhead: false},
		{name: "nothing tracked, no committed offset", committed: -1, script: "",
			wantNext: -1, wantAhead: false},
		{name: "in order", committed: 0, script: "t0 t1 t2 a0 a1 a2",
			wantNext: 3, wantAhead: true},
		{name: "out of order, gap at head", committed: 0, script: "t0 t1 t2 t3 a3 a1 a2",
			wantNext: 0, wantAhead: false, wantFlight: 4, wantPending: 1},
		{name: "out of order, gap in the middle", committed: 0, script: "t0 t1 t2 t3 a0 a3 a2",
			wantNext: 1, wantAhead: true, wantFlight: 3, wantPending: 1},
		{name: "gap filled last", committed: 0, script: "t0 t1 t2 t3 a3 a2 a1 a0",
			wantNext: 4, wantAhead: true},
		{name: "first record above the committed offset (hole in offsets)", committed: 5, script: "t8 t9 a8",
			wantNext: 9, wantAhead: true, wantFlight: 1, wantPending: 1},
		{name: "holes between records are skipped", committed: 0, script: "t0 t3 t7 a7 a0 a3",
			wantNext: 8, wantAhead: true},
		{name: "hole before the first record is committable at once", committed: 5, script: "t8",
			wantNext: 8, wantAhead: true, wantFlight: 1, wantPending: 1},
		{name: "no committed offset, first record unacked", committed: -1, script: "t0",
			wantNext: -1, wantAhead: false, wantFlight: 1, wantPending: 1},
		{name: "no committed offset, log starts late", committed: -1, script: "t42 t43 a42",
			wantNext: 43, wantAhead: true, wantFlight: 1, wantPending: 1},
		{name: "nack stops the mark for good", committed: 0, script: "t0 t1 t2 t3 a0 n1 a2 a3",
			wantNext: 1, wantAhead: true, wantFlight: 3, wantPending: 0, wantFailed: true},
		{name: "nack at head", committed: 4, script: "t4 t5 n4 a5",
			wantNext: 4, wantAhead: false, wantFlight: 2, wantFailed: true},
		{name: "ack after nack of the same record is ignored", committed: 0, script: "t0 n0 a0 t1 a1",
			wantNext: 0, wantAhead: false, wantFlight: 2, wantFailed: true},
		{name: "duplicate acks are ignored", committed: 0, script: "t0 t1 a0 a0 a0",
			wantNext: 1, wantAhead: true, wantFlight: 1, wantPending: 1},
		{name: "ack of an unknown offset is ignored", committed: 0, script: "t0 t1 a7 a1",
			wantNext: 0, wantAhead: false, wantFlight: 2, wantPending: 1},
		{name: "ack below the committed offset is ignored", committed: 10, script: "t10 a3 a9",
			wantNext: 10, wantAhead: false, wantFlight: 1, wantPending: 1},
		{name: "stale record below the committed offset is refused", committed: 10, script: "t!9 t!3 t10 a10",
			wantNext: 11, wantAhead: true},
		{name: "duplicate and backwards records are refused", committed: 0, script: "t0 t1 t!1 t!0 a0 a1",
			wantNext: 2, wantAhead: true},
		{name: "commit recorded, nothing new", committed: 0, script: "t0 a0 c",
			wantNext: 1, wantAhead: false},
		{name: "commit recorded, more acked", committed: 0, script: "t0 a0 c t1 t2 a2 a1",
			wantNext: 3, wantAhead: true},
		{name: "queue empties and refills", committed: 0, script: "t0 a0 t5 t6 a6",
			wantNext: 5, wantAhead: true, wantFlight: 2, wantPending: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTracker(tt.committed)
			runTracker(t, tr, tt.script)
			next, ahead := tr.commitOffset()
			if next != tt.wantNext || ahead != tt.wantAhead {
				t.Errorf("commitOffset() = %d, %v, want %d, %v", next, ahead, tt.wantNext, tt.wantAhead)
			}
			if got := tr.inFlight(); got != tt.wantFlight {
				t.Errorf("inFlight() = %d, want %d", got, tt.wantFlight)
			}
			if got := tr.pending(); got != tt.wantPending {
				t.Errorf("pending() = %d, want %d", got, tt.wantPending)
			}
			if got := tr.failed(); got != tt.wantFailed {
				t.Errorf("failed() = %v, want %v", got, tt.wantFailed)
			}
		})
	}
}

// TestTrackerNeverBackwards checks that a commit far ahead is never undone
// by a later, lower mark (kafka-go #1398: stale records after a rebalance).
func TestTrackerNeverBackwards(t *testing.T) {
	tr := newTracker(0)
	runTracker(t, tr, "t0 t1 a0 a1 c")
	tr.committedAt(100) // committed elsewhere, e.g. by the previous owner
	tr.committedAt(50)  // a late, lower success must not move it back
	if next, ahead := tr.commitOffset(); ahead || next != 100 {
		t.Fatalf("commitOffset() = %d, %v, want 100, false", next, ahead)
	}
	runTracker(t, tr, "t2 a2")
	if next, ahead := tr.commitOffset(); ahead {
		t.Fatalf("commitOffset() = %d, %v after a mark below the committed offset, want no commit", next, ahead)
	}
}

// TestTrackerMany acks a long run in a scrambled order and checks that the
// committable offset never passes an unacked record, and that the queue
// compacts.
func TestTrackerMany(t *testing.T) {
	const n = 10000
	tr := newTracker(0)
	for i := range int64(n) {
		if !tr.track(i) {
			t.Fatalf("track(%d) refused", i)
		}
	}
	acked := make([]bool, n)
	checked := int64(0) // every offset below it is known acked
	// A permutation with locality: ack blocks of 7 in reverse.
	for base := 0; base < n; base += 7 {
		for i := min(base+6, n-1); i >= base; i-- {
			tr.settle(int64(i), false)
			acked[i] = true
			next, _ := tr.commitOffset()
			for ; checked < next; checked++ {
				if !acked[checked] {
					t.Fatalf("after acking %d: commitOffset() = %d passes unacked %d", i, next, checked)
				}
			}
		}
	}
	if next, ahead := tr.commitOffset(); !ahead || next != n {
		t.Fatalf("commitOffset() = %d, %v, want %d, true", next, ahead, n)
	}
	if got := tr.inFlight(); got != 0 {
		t.Fatalf("inFlight() = %d, want 0", got)
	}
}

func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 130, 129, 128, 131})
	f.Fuzz(func(t *testing.T, ops []byte) {
		tr := newTracker(0)
		const n = 64
		state := make([]uint8, n) // 0 untracked, 1 pending, 2 acked, 3 failed
		var next int64
		for _, op := range ops {
			off := int64(op & 63)
			switch op >> 6 {
			case 0, 1:
				if next < n && tr.track(next) {
					state[next] = 1
					next++
				}
			case 2:
				if tr.settle(off, false) {
					state[off] = 2
				}
			case 3:
				if tr.settle(off, true) {
					state[off] = 3
				}
			}
			got, _ := tr.commitOffset()
			for j := int64(0); j < got && j < n; j++ {
				if state[j] != 2 {
					t.Fatalf("commitOffset() = %d passes offset %d in state %d; ops %s", got, j, state[j], fmt.Sprint(ops))
				}
			}
		}
	})
}
