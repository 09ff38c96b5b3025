package correlate

import (
	"errors"
	"strings"

	"github.com/hashicorp/golang-lru/v2/simplelru"
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
	seen       *simplelru.LRU[string, struct{}] // key|value pairs (joinKeyAfter)
	evictions  uint64
	onFact     func(Fact) // see SetOnFact (facts.go)
}

func newFirstSeen(c *Correlator, r *rules.Rule) (*fsRule, error) {
	f := &fsRule{base: newBase(c, r), values: newValueExprs(r.Values), learning: int64(r.Learning)}
	if len(f.values) == 0 {
		return nil, errors.New("first_seen needs a value")
	}
	seen, err := simplelru.NewLRU[string, struct{}](f.maxKeys(c), nil)
	if err != nil {
		return nil, err
	}
	f.seen = seen
	return f, nil
}

func (f *fsRule) observe(c *Correlator, ev *event.Event, o *obs) (int, bool) {
	k, ok := c.filterKey(&f.base, ev)
	if !ok {
		return keepNone, false
	}
	var vals []string
	if len(f.values) == 1 && f.values[0].list {
		list, err := c.x.values(&f.values[0], ev, maxValues)
		if err != nil {
			c.fail(&f.base, "value", err)
		}
		for _, v := range list {
			if v != "" {
				c.parts = append(c.parts[:0], v)
				vals = append(vals, joinKeyAfter(k, c.parts))
			}
		}
	} else if !c.tuple(&f.base, f.values, ev) {
		vals = []string{joinKeyAfter(k, c.parts)}
	}
	if len(vals) == 0 {
		return keepNone, false
	}
	o.key, o.aux = k, vals
	// A copy is needed only if some value may be new.
	for _, v := range vals {
		if !f.seen.Contains(v) {
			return keepFull, true
		}
	}
	return keepNone, true
}

func (f *fsRule) apply(c *Correlator, it *item, o *obs, late bool, emit func(Match)) {
	if late {
		f.n.late++
	}
	if !f.learnSet {
		f.learnStart, f.learnSet = it.ts, true
		f.learnt(it.ts, "", "")
	}
	for _, v := range o.aux {
		if _, ok := f.seen.Get(v); ok {
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
func (f *fsRule) stats() RuleStats                    { return f.ruleStats(f.seen.Len(), f.evictions) }

// learn remembers seen (key|value), counting the eviction it may cause.
func (f *fsRule) learn(seen string) {
	if f.seen.Add(seen, struct{}{}) {
		f.evictions++
	}
}

func (f *fsRule) reset() {
	f.seen.Purge()
	f.learnSet = false
}

// chgRule is a change rule: it remembers, per key, the last value seen (and
// the rule's diff text) and fires when a newer event brings another value.
// The first value of a key is learnt silently.
type chgRule struct {
	base
	values    []valueExpr
	diff      *valueExpr
	limit     int
	known     *simplelru.LRU[string, *chgState]
	evictions uint64
	onFact    func(Fact) // see SetOnFact (facts.go)
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
	known, err := simplelru.NewLRU[string, *chgState](g.maxKeys(c), nil)
	if err != nil {
		return nil, err
	}
	g.known = known
	return g, nil
}

func (g *chgRule) observe(c *Correlator, ev *event.Event, o *obs) (int, bool) {
	k, ok := c.filterKey(&g.base, ev)
	if !ok || c.tuple(&g.base, g.values, ev) {
		return keepNone, false
	}
	o.key = k
	if len(c.parts) == 1 {
		o.val = strings.Clone(c.parts[0])
	} else {
		o.val = joinKey(c.parts)
	}
	if g.diff != nil {
		d, err := c.x.value(g.diff, ev)
		if err != nil {
			c.fail(&g.base, "diff", err)
		}
		o.aux = []string{strings.Clone(clip(d, g.limit))}
	}
	if st, ok := g.known.Peek(k); ok && st.val == o.val {
		return keepNone, true // most likely unchanged: no copy
	}
	return keepFull, true
}

func (g *chgRule) apply(c *Correlator, it *item, o *obs, late bool, emit func(Match)) {
	if late {
		g.n.late++
	}
	st, ok := g.known.Get(o.key)
	if !ok {
		g.learn(o.key, &chgState{val: o.val, txt: diffText(o), t: it.ts})
		g.learnt(o.key)
		return
	}
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
		m.Diff = lineDiff(st.txt, diffText(o), 2*g.limit)
	}
	st.val, st.txt, st.t = o.val, diffText(o), it.ts
	g.learnt(o.key)
	g.n.matches++
	emit(m)
}

func (g *chgRule) expire(*Correlator, int64, *[]Match) {}
func (g *chgRule) flush(*Correlator, *[]Match)         {}
func (g *chgRule) stats() RuleStats                    { return g.ruleStats(g.known.Len(), g.evictions) }

// learn remembers the first state of key, counting the eviction it may
// cause.
func (g *chgRule) learn(key string, st *chgState) {
	if g.known.Add(key, st) {
		g.evictions++
	}
}

func (g *chgRule) reset() { g.known.Purge() }

// diffText returns the diff text a change rule computed on arrival.
func diffText(o *obs) string {
	if len(o.aux) == 0 {
		return ""
	}
	return o.aux[0]
}
