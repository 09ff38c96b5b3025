package correlate

import (
	"errors"
	"slices"
	"strings"

	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// thrRule is a threshold rule: at least count events (or distinct values)
// per key within a sliding window.
//
// A key remembers the events of its current window, newest last, at most
// count of them (only the newest count can matter). After a match the key
// forgets them and stays quiet for one window: events keep being counted,
// but the next match can only come from an event more than `within` after
// the previous match, so a steady flood gives one match per window.
type thrRule struct {
	base
	count    int
	distinct *valueExpr
	st       *store[thrState]
}

type thrState struct {
	stamps []stamp // sorted by time
	fired  bool
	last   int64 // time of the last match
}

// stamp is a counted event: its time, its id and its distinct value.
type stamp struct {
	t   int64
	id  string
	val string
}

func newThreshold(c *Correlator, r *rules.Rule) (*thrRule, error) {
	if r.Within <= 0 {
		return nil, errors.New("threshold needs a positive within")
	}
	t := &thrRule{base: newBase(c, r), count: max(r.Count, 1), distinct: newValueExpr(r.Distinct)}
	t.st = newStore[thrState](t.maxKeys(c), nil)
	return t, nil
}

func (t *thrRule) observe(c *Correlator, ev *event.Event, o *obs) (int, bool) {
	if !c.filterKey(&t.base, ev) {
		return keepNone, false
	}
	if t.distinct != nil {
		v, err := c.x.value(t.distinct, ev)
		if err != nil {
			c.fail(&t.base, "distinct", err)
		}
		if v == "" {
			return keepNone, false // no value to count
		}
		o.val = c.internValue(v)
	}
	o.key, _ = storeKey(c, t.by, t.st)
	return keepLight, true
}

func (t *thrRule) apply(c *Correlator, it *item, o *obs, late bool, emit func(Match)) {
	ts := it.ts
	if late {
		t.n.late++
	}
	e := t.st.get(o.key)
	if e == nil {
		if late && ts+t.within < c.clock {
			t.n.lateDropped++
			return
		}
		e = t.st.add(o.key)
	}
	s := &e.s
	newest := ts
	if n := len(s.stamps); n > 0 {
		newest = max(newest, s.stamps[n-1].t)
	}
	if late && (ts < newest-t.within || s.fired && ts <= s.last) {
		// Outside the key's current window, or part of a window that fired.
		t.n.lateDropped++
		t.persist(e)
		return
	}
	t.add(s, stamp{t: ts, id: strings.Clone(it.eventID()), val: o.val})
	// Forget what left the window and what cannot matter any more.
	i := 0
	for i < len(s.stamps) && s.stamps[i].t < newest-t.within {
		i++
	}
	if over := len(s.stamps) - i - t.count; over > 0 {
		i += over
	}
	if i > 0 {
		clear(s.stamps[:i])
		s.stamps = slices.Delete(s.stamps, 0, i)
	}
	if len(s.stamps) >= t.count && (!s.fired || newest-s.last > t.within) {
		t.n.matches++
		emit(t.match(c, o.key, s.stamps, it, newest))
		clear(s.stamps)
		s.stamps = s.stamps[:0]
		s.fired, s.last = true, newest
	}
	t.persist(e)
}

// add inserts st in time order; with distinct, a value already counted is
// moved to its newest time instead.
func (t *thrRule) add(s *thrState, st stamp) {
	if t.distinct != nil {
		if i := slices.IndexFunc(s.stamps, func(x stamp) bool { return x.val == st.val }); i >= 0 {
			if s.stamps[i].t > st.t {
				return
			}
			s.stamps = slices.Delete(s.stamps, i, i+1)
		}
	}
	i := len(s.stamps)
	for i > 0 && s.stamps[i-1].t > st.t {
		i--
	}
	s.stamps = slices.Insert(s.stamps, i, st)
}

func (t *thrRule) match(c *Correlator, key string, stamps []stamp, it *item, at int64) Match {
	m := Match{
		Rule:   t.r,
		Key:    key,
		Events: make([]*event.Event, len(stamps)),
		State:  rules.State{Count: len(stamps), Key: key, Window: windowText(t.within)},
		Time:   toTime(at),
	}
	for i, st := range stamps {
		if st.t == it.ts && st.id == it.eventID() {
			m.Events[i] = c.evidence(it)
		} else {
			m.Events[i] = stub(st.t, st.id)
		}
		if t.distinct != nil {
			m.State.Distinct = append(m.State.Distinct, st.val)
		}
	}
	return m
}

// persist schedules the key's expiry: when its newest event has left the
// window and its quiet period has ended.
func (t *thrRule) persist(e *entry[thrState]) {
	t.st.schedule(e, t.deadline(&e.s))
}

func (t *thrRule) deadline(s *thrState) int64 {
	d := int64(-1 << 62)
	if n := len(s.stamps); n > 0 {
		d = s.stamps[n-1].t + t.within
	}
	if s.fired {
		d = max(d, s.last+t.within)
	}
	return d
}

func (t *thrRule) expire(c *Correlator, now int64, _ *[]Match) {
	t.st.expire(now, func(e *entry[thrState]) (int64, bool) {
		d := t.deadline(&e.s)
		return d, d >= now
	})
}

func (t *thrRule) flush(c *Correlator, _ *[]Match) { t.st.drain(func(*entry[thrState]) {}) }

func (t *thrRule) stats() RuleStats { return t.ruleStats(t.st.len(), t.st.evictions) }
func (t *thrRule) reset()           { t.st.reset() }
