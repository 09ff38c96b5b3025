package correlate

// reorder is the reorder buffer: a min-heap of items by event time, ties
// kept in arrival order. The keys sit in the heap array so that sifting
// does not chase pointers.
type reorder struct {
	h []slot
}

type slot struct {
	ts  int64
	seq uint64
	it  *item
}

func (b *reorder) len() int    { return len(b.h) }
func (b *reorder) peek() *item { return b.h[0].it }
func (b *reorder) reset()      { clear(b.h); b.h = b.h[:0] }

func (b *reorder) less(i, j int) bool {
	x, y := &b.h[i], &b.h[j]
	if x.ts != y.ts {
		return x.ts < y.ts
	}
	return x.seq < y.seq
}

// push adds it; seq is its arrival number.
func (b *reorder) push(it *item, seq uint64) {
	b.h = append(b.h, slot{ts: it.ts, seq: seq, it: it})
	i := len(b.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !b.less(i, p) {
			break
		}
		b.h[i], b.h[p] = b.h[p], b.h[i]
		i = p
	}
}

func (b *reorder) pop() *item {
	h := b.h
	it := h[0].it
	n := len(h) - 1
	h[0] = h[n]
	h[n] = slot{}
	b.h = h[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && b.less(r, l) {
			m = r
		}
		if !b.less(m, i) {
			break
		}
		b.h[i], b.h[m] = b.h[m], b.h[i]
		i = m
	}
	return it
}
