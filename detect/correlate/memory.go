package correlate

import (
	"errors"
	"strings"

	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// maxValues bounds the values one event contributes to a first_seen rule
// whose value is a list (the URLs of the arguments, say).
const maxValues = 16

// fsRule is a first_seen rule: it remembers every key and value pair it has
// seen (least recently seen evicted first) and fires on a new one once the
// learning period is over. Values have no window: they are remembered until
// evicted.
type fsRule struct {
	base
	values     []valueExpr
	learning   int64
	learnStart int64
	learnSet   bool
	seen       *store[struct{}] // key|value pairs: the key, "|", the values joined as keys are
	onFact     func(Fact)       // see SetOnFact (facts.go)
}

func newFirstSeen(c *Correlator, r *rules.Rule) (*fsRule, error) {
	f := &fsRule{base: newBase(c, r), values: newValueExprs(r.Values), learning: int64(r.Learning)}
	if len(f.values) == 0 {
		return nil, errors.New("first_seen needs a value")
	}
	f.seen = newStore[struct{}](f.maxKeys(c), nil)
	return f, nil
}

func (f *fsRule) observe(c *Correlator, ev *event.Event, o *obs) (int, bool) {
	if !c.filterKey(&f.base, ev) {
		return keepNone, false
	}
	// Each key|value pair is built in a buffer and allocated only when the
	// rule does not know it yet.
	kb := c.kb[f.by]
	pair := func(parts []string) (string, bool) {
		c.pair = append(append(c.pair[:0], kb...), '|')
		c.pair = appendKey(c.pair, parts)
		if e := f.seen.find(c.pair); e != nil {
			return e.key, true
		}
		return string(c.pair), false
	}
	allSeen := true
	if len(f.values) == 1 && f.values[0].list {
		list, err := c.x.values(&f.values[0], ev, maxValues)
		if err != nil {
			c.fail(&f.base, "value", err)
		}
		var vals []string
		for _, v := range list {
			if v != "" {
				c.parts = append(c.parts[:0], v)
				p, seen := pair(c.parts)
				vals = append(vals, p)
				allSeen = allSeen && seen
			}
		}
		switch len(vals) {
		case 0:
			return keepNone, false
		case 1:
			o.val = vals[0]
		default:
			o.aux = vals
		}
	} else if !c.tuple(&f.base, f.values, ev) {
		o.val, allSeen = pair(c.parts)
	} else {
		return keepNone, false
	}
	o.key = fsValue(o, 0)[:len(kb)] // the pairs start with the key
	if allSeen {
		return keepNone, true
	}
	return keepFull, true // some value may be new: keep a copy
}

// fsCount and fsValue give the key|value pairs a first_seen rule computed
// on arrival: one in obs.val, or several in obs.aux.
func fsCount(o *obs) int {
	if o.aux == nil {
		return 1
	}
	return len(o.aux)
}

func fsValue(o *obs, i int) string {
	if o.aux == nil {
		return o.val
	}
	return o.aux[i]
}

func (f *fsRule) apply(c *Correlator, it *item, o *obs, late bool, emit func(Match)) {
	if late {
		f.n.late++
	}
	if !f.learnSet {
		f.learnStart, f.learnSet = it.ts, true
		f.learnt(it.ts, "", "")
	}
	for i := range fsCount(o) {
		v := fsValue(o, i)
		if f.seen.get(v) != nil {
			continue
		}
		f.learn(v)
		f.learnt(it.ts, o.key, v)
		if it.ts-f.learnStart < f.learning {
			continue
		}
		f.n.matches++
		emit(Match{
			Rule:   f.r,
			Key:    o.key,
			Events: []*event.Event{c.evidence(it)},
			State:  rules.State{Count: 1, Key: o.key, Value: v[len(o.key)+1:]},
			Time:   toTime(it.ts),
		})
	}
}

func (f *fsRule) expire(*Correlator, int64, *[]Match) {}
func (f *fsRule) flush(*Correlator, *[]Match)         {}
func (f *fsRule) stats() RuleStats                    { return f.ruleStats(f.seen.len(), f.seen.evictions) }

// learn remembers seen (key|value), counting the eviction it may cause.
func (f *fsRule) learn(seen string) {
	if f.seen.get(seen) == nil {
		f.seen.add(seen)
	}
}

func (f *fsRule) reset() {
	f.seen.reset()
	f.learnSet = false
}

// chgRule is a change rule: it remembers, per key, the last value seen (and
// the rule's diff text) and fires when a newer event brings another value.
// The first value of a key is learnt silently.
type chgRule struct {
	base
	values []valueExpr
	diff   *valueExpr
	limit  int
	known  *store[chgState]
	onFact func(Fact) // see SetOnFact (facts.go)
}

type chgState struct {
	val, txt string
	t        int64
}

func newChange(c *Correlator, r *rules.Rule) (*chgRule, error) {
	g := &chgRule{base: newBase(c, r), values: newValueExprs(r.Values), diff: newValueExpr(r.Diff), limit: c.opts.EvidenceText}
	if len(g.values) == 0 {
		return nil, errors.New("change needs a value")
	}
	g.known = newStore[chgState](g.maxKeys(c), nil)
	return g, nil
}

func (g *chgRule) observe(c *Correlator, ev *event.Event, o *obs) (int, bool) {
	if !c.filterKey(&g.base, ev) || c.tuple(&g.base, g.values, ev) {
		return keepNone, false
	}
	// What the key remembers is most likely what the event brings: share
	// its strings rather than copy the event's.
	var st *chgState
	var e *entry[chgState]
	o.key, e = storeKey(c, g.by, g.known)
	if e != nil {
		st = &e.s
	}
	known := st != nil
	switch {
	case len(c.parts) > 1:
		o.val = joinKey(c.parts)
	case known && st.val == c.parts[0]:
		o.val = st.val
	default:
		o.val = strings.Clone(c.parts[0])
	}
	if g.diff != nil {
		d, err := c.x.value(g.diff, ev)
		if err != nil {
			c.fail(&g.base, "diff", err)
		}
		if d = clip(d, g.limit); known && st.txt == d {
			o.txt = st.txt
		} else {
			o.txt = strings.Clone(d)
		}
	}
	if known && st.val == o.val {
		return keepNone, true // most likely unchanged: no copy
	}
	return keepFull, true
}

func (g *chgRule) apply(c *Correlator, it *item, o *obs, late bool, emit func(Match)) {
	if late {
		g.n.late++
	}
	e := g.known.get(o.key)
	if e == nil {
		g.learn(o.key, chgState{val: o.val, txt: o.txt, t: it.ts})
		g.learnt(o.key)
		return
	}
	st := &e.s
	if it.ts < st.t {
		// Older than what is remembered: not a change, whenever it came.
		if late {
			g.n.lateDropped++
		}
		return
	}
	if st.val == o.val {
		st.t = it.ts
		return
	}
	m := Match{
		Rule:     g.r,
		Key:      o.key,
		Events:   []*event.Event{c.evidence(it)},
		State:    rules.State{Count: 1, Key: o.key, Value: o.val, Previous: st.val},
		Previous: st.val,
		Current:  o.val,
		Time:     toTime(it.ts),
	}
	if g.diff != nil {
		m.Diff = lineDiff(st.txt, o.txt, 2*g.limit)
	}
	st.val, st.txt, st.t = o.val, o.txt, it.ts
	g.learnt(o.key)
	g.n.matches++
	emit(m)
}

func (g *chgRule) expire(*Correlator, int64, *[]Match) {}
func (g *chgRule) flush(*Correlator, *[]Match)         {}
func (g *chgRule) stats() RuleStats                    { return g.ruleStats(g.known.len(), g.known.evictions) }

// learn remembers the first state of key, counting the eviction it may
// cause.
func (g *chgRule) learn(key string, st chgState) {
	g.known.add(key).s = st
}

func (g *chgRule) reset() { g.known.reset() }
