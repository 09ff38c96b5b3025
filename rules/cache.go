package rules

import "github.com/mcpsoc/mcpsoc/ingest/event"

// Cache holds, for the event being processed, the values of the costly
// helper calls of a rule set (injection_score(mcp.result.text),
// arg_text(gen_ai.tool.call.arguments), a regex over a field, ...), so that
// each is computed once per event whichever rules and steps use it. The
// loader numbers every distinct call whose arguments depend only on the
// event (not on steps, state or a predicate's element); rules that make the
// same call, through a macro or written out, share its slot.
//
// A Cache belongs to one goroutine. Begin starts an event and End ends it;
// a lookup for any other event (a sequence step settled later on a stored
// copy) computes the value afresh. Starting an event is O(1): the slots of
// the previous one are invalidated by an epoch counter, not cleared.
type Cache struct {
	ev    *event.Event
	epoch uint32
	slots []cacheSlot
}

type cacheSlot struct {
	epoch uint32
	v     value
}

// Begin starts caching for ev: values cached before are forgotten.
func (c *Cache) Begin(ev *event.Event) {
	c.ev = ev
	c.epoch++
	if c.epoch == 0 { // wrapped: forget for real
		clear(c.slots)
		c.epoch = 1
	}
}

// End stops caching: the Cache no longer refers to the event.
func (c *Cache) End() { c.ev = nil }

// get returns the value of slot id cached for env's event, if any.
func (c *Cache) get(env *Env, id int) (*value, bool) {
	if c == nil || c.ev == nil || c.ev != env.Event || id >= len(c.slots) {
		return nil, false
	}
	s := &c.slots[id]
	return &s.v, s.epoch == c.epoch
}

// put caches v in slot id for env's event, when the cache applies to it.
func (c *Cache) put(env *Env, id int, v value) {
	if c == nil || c.ev == nil || c.ev != env.Event {
		return
	}
	if id >= len(c.slots) {
		c.slots = append(c.slots, make([]cacheSlot, id+1-len(c.slots))...)
	}
	c.slots[id] = cacheSlot{epoch: c.epoch, v: v}
}
