package correlate

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// TestStoreLRU checks the store's bookkeeping on top of simplelru against
// a bare simplelru: the same operations evict the same keys, in the same
// order; evictions are counted (removals are not); a removed entry is dead
// and holds no state; find (a key in a buffer) agrees with peek.
func TestStoreLRU(t *testing.T) {
	tests := []struct {
		name      string
		max, keys int
	}{
		{"one slot", 1, 4},
		{"small", 3, 8},
		{"larger", 16, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tt.max), uint64(tt.keys)))
			var evicted, want []string
			var adding bool // simplelru also calls back on Remove and Purge
			st := newStore(tt.max, func(s *string) { evicted = append(evicted, *s) })
			ref, err := simplelru.NewLRU(tt.max, func(k string, _ int) {
				if adding {
					want = append(want, k)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 20000 {
				k := fmt.Sprintf("k%d", r.IntN(tt.keys))
				switch op := r.IntN(100); {
				case op < 40: // get, adding when absent, as the rules do
					_, ok := ref.Get(k)
					if e := st.get(k); (e != nil) != ok {
						t.Fatalf("step %d: get(%s) found %v, want %v", i, k, e != nil, ok)
					}
					if !ok {
						adding = true
						ref.Add(k, 0)
						adding = false
						st.add(k).s = k
					}
				case op < 60:
					_, ok := ref.Peek(k)
					if (st.peek(k) != nil) != ok || (st.find([]byte(k)) != nil) != ok {
						t.Fatalf("step %d: peek(%s) disagrees", i, k)
					}
				case op < 99:
					if e := st.peek(k); e != nil {
						ref.Remove(k)
						st.remove(e)
						if !e.dead || e.s != "" {
							t.Fatalf("step %d: removed entry not dead and empty", i)
						}
					}
				default:
					ref.Purge()
					st.reset()
				}
				if st.len() != ref.Len() {
					t.Fatalf("step %d: len %d, want %d", i, st.len(), ref.Len())
				}
				if len(evicted) != len(want) || len(want) > 0 && evicted[len(evicted)-1] != want[len(want)-1] {
					t.Fatalf("step %d: evicted %v, want %v", i, evicted, want)
				}
			}
			if st.evictions != uint64(len(want)) {
				t.Errorf("evictions = %d, want %d", st.evictions, len(want))
			}
			keys := ref.Keys() // oldest first
			if got := st.lru.Keys(); fmt.Sprint(got) != fmt.Sprint(keys) {
				t.Fatalf("recency order %v, want %v", got, keys)
			}
		})
	}
}
