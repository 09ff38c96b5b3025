package correlate

// reorder is the reorder buffer: a min-heap of items by event time, ties
// kept in arrival order.
type reorder struct {
	h []*item
}

func (b *reorder) len() int    { return len(b.h) }
func (b *reorder) peek() *item { return b.h[0] }
func (b *reorder) reset()      { clear(b.h); b.h = b.h[:0] }

func (b *reorder) less(i, j int) bool {
	x, y := b.h[i], b.h[j]
	if x.ts != y.ts {
		return x.ts < y.ts
	}
	return x.seq < y.seq
}

func (b *reorder) push(it *item) {
	b.h = append(b.h, it)
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
	it := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = nil
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
