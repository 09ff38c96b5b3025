package correlate

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestReorderOrder checks that the buffer releases items by event time,
// ties in arrival order, whatever mix of in-order and late pushes and of
// pops it sees.
func TestReorderOrder(t *testing.T) {
	tests := []struct {
		name    string
		jitter  int64 // how far back an event may go
		popRate int   // pops every popRate pushes (0: none until the end)
	}{
		{"in order", 0, 2},
		{"in order, many buffered", 0, 0},
		{"small jitter", 3, 3},
		{"large jitter", 1000, 2},
		{"large jitter, many buffered", 1000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tt.jitter)))
			var b reorder
			var pushed, popped []slot
			pop := func() {
				it := b.pop()
				popped = append(popped, slot{ts: it.ts, seq: uint64(it.rec.n)})
			}
			var now int64
			for i := range 5000 {
				now += r.Int64N(3)
				ts := now
				if tt.jitter > 0 && r.IntN(4) == 0 {
					ts -= r.Int64N(tt.jitter)
				}
				it := &item{ts: ts, rec: &rec{n: i}} // rec.n carries the arrival number
				b.push(it, uint64(i))
				pushed = append(pushed, slot{ts: ts, seq: uint64(i)})
				if tt.popRate > 0 && i%tt.popRate == 0 {
					if got, want := b.len(), len(pushed)-len(popped); got != want {
						t.Fatalf("len = %d, want %d", got, want)
					}
					// Pop only what no later push can precede, as release does.
					for b.len() > 0 && b.peek().ts < now-tt.jitter {
						pop()
					}
				}
			}
			for b.len() > 0 {
				pop()
			}
			want := slices.Clone(pushed)
			slices.SortStableFunc(want, func(x, y slot) int {
				if x.ts != y.ts {
					return int(x.ts - y.ts)
				}
				return int(x.seq) - int(y.seq)
			})
			if len(popped) != len(pushed) {
				t.Fatalf("popped %d of %d items", len(popped), len(pushed))
			}
			if !slices.Equal(popped, want) {
				t.Fatal("items not released by (time, arrival)")
			}
		})
	}
}
