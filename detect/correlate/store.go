package correlate

import (
	"math"
	"unsafe"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// store is the windowed state of one rule: one entry per group key, at most
// max entries (least recently used evicted first), each entry expiring in
// event time. Expiry is driven by timers, a min-heap of (deadline, key)
// advanced by the watermark; nothing here reads the wall clock.
//
// Every entry that holds state has one live timer, at its earliest deadline.
// A timer whose entry was removed, evicted or rescheduled earlier is stale and
// skipped when popped; the heap is compacted when stale timers outnumber live
// entries.
type store[S any] struct {
	lru       *simplelru.LRU[string, *entry[S]]
	timers    []timer[S]
	removing  bool
	evictions uint64
	onEvict   func(*S) // accounting for state lost to eviction
}

type entry[S any] struct {
	key    string
	at     int64 // deadline of the timer queued for the entry
	queued bool
	dead   bool // removed or evicted: stale timers skip it
	s      S
}

type timer[S any] struct {
	at int64
	e  *entry[S]
}

func newStore[S any](max int, onEvict func(*S)) *store[S] {
	st := &store[S]{onEvict: onEvict}
	lru, err := simplelru.NewLRU[string, *entry[S]](max, st.evicted)
	if err != nil {
		panic("correlate: " + err.Error()) // max is always positive here
	}
	st.lru = lru
	return st
}

func (st *store[S]) evicted(_ string, e *entry[S]) {
	if !st.removing {
		st.evictions++
		if st.onEvict != nil {
			st.onEvict(&e.s)
		}
	}
	e.dead = true
	var zero S
	e.s = zero // the stale timer may keep the shell alive, never the state
}

// get returns the entry of key, marking it recently used, or nil.
func (st *store[S]) get(key string) *entry[S] {
	e, _ := st.lru.Get(key)
	return e
}

// peek returns the entry of key without marking it used, or nil.
func (st *store[S]) peek(key string) *entry[S] {
	e, _ := st.lru.Peek(key)
	return e
}

// find is peek for a key built in a reused buffer. The key is not copied:
// Peek only hashes and compares it, and the LRU keeps no reference to a
// key it was not given by add, so the buffer may change afterwards. It
// saves the allocation of every key already known (most events continue
// a known flow).
func (st *store[S]) find(key []byte) *entry[S] {
	return st.peek(unsafe.String(unsafe.SliceData(key), len(key)))
}

// add creates the entry of key, which must be absent; it may evict the least
// recently used entry.
func (st *store[S]) add(key string) *entry[S] {
	e := &entry[S]{key: key}
	st.lru.Add(key, e)
	return e
}

func (st *store[S]) remove(e *entry[S]) {
	if e.dead {
		return
	}
	st.removing = true
	st.lru.Remove(e.key)
	st.removing = false
}

func (st *store[S]) len() int { return st.lru.Len() }

// schedule makes sure the entry's timer fires no later than at.
func (st *store[S]) schedule(e *entry[S], at int64) {
	if e.queued && e.at <= at {
		return
	}
	e.at, e.queued = at, true
	st.push(timer[S]{at: at, e: e})
	if len(st.timers) > 2*st.lru.Len()+64 {
		st.compact()
	}
}

// reschedule moves the entry's timer to at, later as well as earlier, for
// a caller that needs its timers to fire in deadline order (Suppressor);
// the timer already queued becomes stale.
func (st *store[S]) reschedule(e *entry[S], at int64) {
	e.queued = false
	st.schedule(e, at)
}

// expire pops every timer due before now and calls f on its entry; f
// returns the entry's next deadline, or keep false to remove the entry.
func (st *store[S]) expire(now int64, f func(e *entry[S]) (next int64, keep bool)) {
	for len(st.timers) > 0 && st.timers[0].at < now {
		t := st.pop()
		e := t.e
		if e.dead || !e.queued || e.at != t.at {
			continue
		}
		e.queued = false
		next, keep := f(e)
		if !keep {
			st.remove(e)
			continue
		}
		st.schedule(e, max(next, now))
	}
}

// drain expires everything: f sees every live entry in deadline order and
// the store is empty afterwards.
func (st *store[S]) drain(f func(e *entry[S])) {
	st.expire(math.MaxInt64, func(e *entry[S]) (int64, bool) {
		f(e)
		return 0, false
	})
	st.reset()
}

func (st *store[S]) reset() {
	st.removing = true
	st.lru.Purge()
	st.removing = false
	clear(st.timers)
	st.timers = st.timers[:0]
}

func (st *store[S]) compact() {
	live := st.timers[:0]
	for _, t := range st.timers {
		if !t.e.dead && t.e.queued && t.e.at == t.at {
			live = append(live, t)
		}
	}
	clear(st.timers[len(live):])
	st.timers = live
	for i := len(live)/2 - 1; i >= 0; i-- {
		st.down(i)
	}
}

func (st *store[S]) less(i, j int) bool {
	a, b := st.timers[i], st.timers[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.e.key < b.e.key
}

func (st *store[S]) push(t timer[S]) {
	st.timers = append(st.timers, t)
	i := len(st.timers) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !st.less(i, p) {
			break
		}
		st.timers[i], st.timers[p] = st.timers[p], st.timers[i]
		i = p
	}
}

func (st *store[S]) pop() timer[S] {
	h := st.timers
	t := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = timer[S]{}
	st.timers = h[:n]
	if n > 0 {
		st.down(0)
	}
	return t
}

func (st *store[S]) down(i int) {
	h := st.timers
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && st.less(r, l) {
			m = r
		}
		if !st.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
