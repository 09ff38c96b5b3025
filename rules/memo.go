package rules

import "sync"

// Several rules often run the same expensive pure helper on the same text of
// one event (injection_score of mcp.result.text, the poisoned_definition
// macro in MCP-TOOL-001 and MCP-TOOL-004). memoized keeps the last few
// results of such helpers, for long texts only, in caches taken from a
// sync.Pool: each one is used by one goroutine at a time (no shared mutable
// state), and the pool keeps them per processor, so the evaluations of one
// event usually find each other's results. A hit requires the same helper,
// the same auxiliary argument (an icontains_any list, a regex matcher) and an equal text (Go
// strings are immutable; == is a pointer comparison when it is the same
// string), so a result is exactly the helper's. The cache holds on to at
// most memoSlots texts per processor.

// memoMinLen is the length from which a text is worth caching.
const memoMinLen = 128

const memoSlots = 8

type memoKey struct {
	fn  uint8
	aux any // pointer-comparable
	s   string
}

type memoEntry struct {
	k memoKey
	v any
}

type memoCache struct {
	e    [memoSlots]memoEntry
	next int
}

var memoPool = sync.Pool{New: func() any { return new(memoCache) }}

const (
	memoInjectionScore uint8 = iota + 1
	memoDescriptionScore
	memoHiddenText
	memoHasSecret
	memoIContainsAny
	memoRegex
)

// memoized returns f(s), from the cache when an earlier call with the same
// fn, aux and s already computed it. aux must be nil or a pointer.
func memoized(fn uint8, aux any, s string, f func(string) (any, error)) (any, error) {
	if len(s) < memoMinLen {
		return f(s)
	}
	c := memoPool.Get().(*memoCache)
	for i := range c.e {
		e := &c.e[i]
		if e.k.fn == fn && e.k.aux == aux && len(e.k.s) == len(s) && e.k.s == s {
			v := e.v
			memoPool.Put(c)
			return v, nil
		}
	}
	// Not found: compute without holding the cache (f may itself use it).
	memoPool.Put(c)
	v, err := f(s)
	if err != nil {
		return v, err
	}
	c = memoPool.Get().(*memoCache)
	c.e[c.next] = memoEntry{k: memoKey{fn: fn, aux: aux, s: s}, v: v}
	c.next = (c.next + 1) % memoSlots
	memoPool.Put(c)
	return v, nil
}
