package correlate

// reorder is the reorder buffer: the items waiting for the watermark,
// released by event time, ties in arrival order.
//
// Most events arrive in event-time order. Those go to a FIFO queue, where
// pushing and popping cost O(1) and touch memory in order; only an event
// older than the newest one queued goes to a min-heap. The next item is the
// earlier of the two heads. The keys sit in the arrays so that comparing
// does not chase pointers.
type reorder struct {
	q    []slot // in-order items: q[head:], sorted by (ts, seq)
	head int
	h    []slot // the others, a min-heap by (ts, seq)
}

type slot struct {
	ts  int64
	seq uint64
	it  *item
}

func (a *slot) before(b *slot) bool {
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	return a.seq < b.seq
}

func (b *reorder) len() int { return len(b.q) - b.head + len(b.h) }

func (b *reorder) reset() {
	clear(b.q)
	b.q, b.head = b.q[:0], 0
	clear(b.h)
	b.h = b.h[:0]
}

// fromHeap reports whether the next item is the heap's; the buffer must
// not be empty.
func (b *reorder) fromHeap() bool {
	if b.head == len(b.q) {
		return true
	}
	return len(b.h) > 0 && b.h[0].before(&b.q[b.head])
}

func (b *reorder) peek() *item {
	if b.fromHeap() {
		return b.h[0].it
	}
	return b.q[b.head].it
}

// push adds it; seq is its arrival number, larger than any before.
func (b *reorder) push(it *item, seq uint64) {
	s := slot{ts: it.ts, seq: seq, it: it}
	if b.head == len(b.q) || b.q[len(b.q)-1].ts <= it.ts {
		b.q = append(b.q, s)
		return
	}
	b.h = append(b.h, s)
	i := len(b.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !b.h[i].before(&b.h[p]) {
			break
		}
		b.h[i], b.h[p] = b.h[p], b.h[i]
		i = p
	}
}

func (b *reorder) pop() *item {
	if !b.fromHeap() {
		it := b.q[b.head].it
		b.q[b.head] = slot{}
		b.head++
		switch {
		case b.head == len(b.q):
			b.q, b.head = b.q[:0], 0
		case b.head >= 1024 && 2*b.head >= len(b.q):
			// Move the queue down rather than let it creep along its array.
			n := copy(b.q, b.q[b.head:])
			clear(b.q[n:])
			b.q, b.head = b.q[:n], 0
		}
		return it
	}
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
		if r := l + 1; r < n && b.h[r].before(&b.h[l]) {
			m = r
		}
		if !b.h[m].before(&b.h[i]) {
			break
		}
		b.h[i], b.h[m] = b.h[m], b.h[i]
		i = m
	}
	return it
}
