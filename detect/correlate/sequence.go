package correlate

import (
	"errors"
	"math"
	"slices"

	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// untilBit marks, in obs.hit, an event matching the rule's until condition.
const untilBit = 1 << 63

// seqRule is a sequence rule and its pending matches.
//
// The positive steps are expanded by their count into positions pos[0..m-1]
// (a step with count 3 takes three positions). A pending match in state s
// has matched positions 0..s-1 and waits for position s; the not-steps
// between positions s-1 and s (forbid[s]) end it when they occur. Each key
// holds at most one pending match per state: when a second one reaches a
// state, the one that started later is kept (see docs/correlation.md).
// forbid[m] are the trailing not-steps: a pending match that has matched
// every position then waits for its window to close, and fires unless one of
// them occurs. A sequence cannot start with a not step, and a not step has no
// count (the rules package rejects both).
type seqRule struct {
	base
	steps    []seqStep
	pos      []int   // expanded positive positions → step index
	forbid   [][]int // forbid[s]: not-steps in the gap before position s
	m        int
	trailing bool
	until    *rules.Condition
	groups   []int  // key groups used by the rule; groups[0] is the rule's by
	positive uint64 // steps that are not absences
	names    []string
	scratch  []*event.Event // steps handed to a condition
	recs     []*rec         // the rec of each step, while decoding
	stepEvs  []event.Event  // decoded steps
	// objCur and objSteps tell whether the conditions evaluated in order
	// read the objects (arguments...) of the event or of earlier steps.
	objCur, objSteps bool
	st               *store[seqState]
}

type seqStep struct {
	name  string
	cond  *rules.Condition
	group int // index in seqRule.groups
}

// seqState is the state of one key: its pending matches by state. Slot s-1
// holds state s; slot m-1 exists only for trailing absences.
type seqState struct {
	slots []*pending
}

// pending is a partial match.
type pending struct {
	start, last int64
	evs         []*rec // one per matched position
}

func newSequence(c *Correlator, r *rules.Rule) (*seqRule, error) {
	if r.Within <= 0 {
		return nil, errors.New("sequence needs a positive within")
	}
	if len(r.Steps) == 0 || len(r.Steps) > 63 {
		return nil, errors.New("sequence needs 1 to 63 steps")
	}
	s := &seqRule{base: newBase(c, r), until: condition(r.Until)}
	s.groups = []int{s.by}
	var gap []int
	for i, st := range r.Steps {
		if st == nil {
			return nil, errors.New("nil step")
		}
		g := s.by
		if len(st.By) > 0 {
			if len(r.By) > 0 && len(st.By) != len(r.By) {
				return nil, errors.New("step " + st.Name + ": by must have as many values as the rule's by")
			}
			g = c.keyGroup(st.By)
		}
		gi := slices.Index(s.groups, g)
		if gi < 0 {
			s.groups = append(s.groups, g)
			gi = len(s.groups) - 1
		}
		step := seqStep{name: st.Name, cond: condition(st.Condition), group: gi}
		if step.cond.UsesSteps() {
			cur, steps := objectUse(st.Condition.Program.Node())
			s.objCur, s.objSteps = s.objCur || cur, s.objSteps || steps
		}
		s.steps = append(s.steps, step)
		if st.Not {
			if i == 0 || st.Count > 1 {
				return nil, errors.New("step " + st.Name + ": a not step cannot come first or have a count")
			}
			gap = append(gap, i)
			continue
		}
		s.positive |= 1 << i
		s.forbid = append(s.forbid, gap)
		gap = nil
		for range max(st.Count, 1) {
			if len(s.pos) > 0 && s.pos[len(s.pos)-1] == i {
				s.forbid = append(s.forbid, nil)
			}
			s.pos = append(s.pos, i)
			s.names = append(s.names, st.Name)
		}
	}
	s.forbid = append(s.forbid, gap)
	s.m = len(s.pos)
	s.trailing = len(gap) > 0
	s.scratch = make([]*event.Event, len(s.steps))
	s.recs = make([]*rec, len(s.steps))
	s.stepEvs = make([]event.Event, len(s.steps))
	s.st = newStore(s.maxKeys(c), func(st *seqState) {
		for _, p := range st.slots {
			if p != nil {
				s.n.lost++
			}
		}
	})
	return s, nil
}

func (s *seqRule) slotCount() int {
	if s.trailing {
		return s.m
	}
	return s.m - 1
}

func (s *seqRule) observe(c *Correlator, ev *event.Event, o *obs) (int, bool) {
	if !c.test(&s.base, s.filter, ev, nil) {
		return keepNone, false
	}
	var hit, cand uint64
	for i := range s.steps {
		k := s.steps[i].cond
		if k.UsesSteps() {
			ok, definite := c.x.probe(k, ev)
			if !definite {
				cand |= 1 << i
			} else if ok {
				hit |= 1 << i
			}
			continue
		}
		if c.test(&s.base, k, ev, nil) {
			hit |= 1 << i
		}
	}
	if s.until != nil && c.test(&s.base, s.until, ev, nil) {
		hit |= untilBit
	}
	if hit|cand == 0 {
		return keepNone, false
	}
	if len(s.groups) == 1 {
		if _, ok := c.keyBytes(&s.base, s.by, ev); !ok {
			s.n.noKey++
			return keepNone, false
		}
		o.key, _ = storeKey(c, s.by, s.st)
	} else {
		o.aux = make([]string, len(s.groups))
		found := false
		for gi, g := range s.groups {
			if _, ok := c.keyBytes(&s.base, g, ev); ok {
				o.aux[gi], _ = storeKey(c, g, s.st)
				found = true
			}
		}
		if !found {
			s.n.noKey++
			return keepNone, false
		}
		o.key = o.aux[0]
	}
	o.hit, o.cand = hit, cand
	if cand != 0 || hit&s.positive != 0 {
		return keepFull, true
	}
	return keepNone, true
}

func (s *seqRule) apply(c *Correlator, it *item, o *obs, late bool, emit func(Match)) {
	if late {
		s.n.late++
	}
	if o.hit&untilBit != 0 {
		if o.key != "" {
			if e := s.st.get(o.key); e != nil {
				for i, p := range e.s.slots {
					if p != nil && p.start <= it.ts {
						e.s.slots[i] = nil
						s.n.cancelled++
					}
				}
				s.persist(e)
			}
		}
		return
	}
	if o.aux == nil {
		s.applyKey(c, it, o, 0, o.key, late, emit)
		return
	}
	for gi, k := range o.aux {
		if k != "" {
			s.applyKey(c, it, o, gi, k, late, emit)
		}
	}
}

// applyKey applies the event to the pending matches of one key: those of
// its steps whose key group is gi.
func (s *seqRule) applyKey(c *Correlator, it *item, o *obs, gi int, key string, late bool, emit func(Match)) {
	ts := it.ts
	e := s.st.get(key)
	if e != nil {
		slots := e.s.slots
		for i := len(slots) - 1; i >= 0; i-- {
			p := slots[i]
			if p == nil || ts < p.last || ts-p.start > s.within {
				continue
			}
			state := i + 1
			if s.forbidden(c, state, gi, o, it, p) {
				slots[i] = nil
				continue
			}
			if state == s.m {
				continue // waits for its window to close
			}
			k := s.pos[state]
			if s.steps[k].group != gi || !s.matches(c, k, o, it, p) {
				continue
			}
			slots[i] = nil
			p.evs = append(p.evs, it.rec)
			p.last = ts
			if state+1 == s.m && !s.trailing {
				// Complete: the key starts afresh and the event is used up.
				s.n.matches++
				emit(s.match(c, key, p, ts))
				clear(slots)
				s.persist(e)
				return
			}
			s.place(slots, state+1, p)
		}
	}
	k := s.pos[0]
	if s.steps[k].group == gi && s.matches(c, k, o, it, nil) {
		switch {
		case late && ts+s.within < c.clock:
			s.n.lateDropped++ // its window has closed already
		case s.m == 1 && !s.trailing:
			s.n.matches++
			emit(s.match(c, key, &pending{start: ts, last: ts, evs: []*rec{it.rec}}, ts))
		default:
			if e == nil {
				e = s.st.add(key)
			}
			if e.s.slots == nil {
				e.s.slots = make([]*pending, s.slotCount())
			}
			evs := make([]*rec, 1, s.m)
			evs[0] = it.rec
			s.place(e.s.slots, 1, &pending{start: ts, last: ts, evs: evs})
		}
	}
	if e != nil {
		s.persist(e)
	}
}

// place puts p in the slot of state; of two pending matches in one state the
// one that started later stays.
func (s *seqRule) place(slots []*pending, state int, p *pending) {
	i := state - 1
	if q := slots[i]; q == nil || p.start >= q.start {
		slots[i] = p
	}
}

// forbidden reports whether the event ends p: it matches a not-step of the
// gap p waits in.
func (s *seqRule) forbidden(c *Correlator, state, gi int, o *obs, it *item, p *pending) bool {
	for _, j := range s.forbid[state] {
		if s.steps[j].group == gi && s.matches(c, j, o, it, p) {
			return true
		}
	}
	return false
}

// matches reports whether the event matches step k, evaluating now a
// condition that refers to the events of p.
func (s *seqRule) matches(c *Correlator, k int, o *obs, it *item, p *pending) bool {
	bit := uint64(1) << k
	if o.hit&bit != 0 {
		return true
	}
	if o.cand&bit == 0 {
		return false
	}
	steps := s.scratch[:k]
	if p != nil {
		for j, r := range p.evs {
			if st := s.pos[j]; st < k {
				s.recs[st] = r // the last event of a counted step wins
			}
		}
		for st, r := range s.recs[:k] {
			if r != nil {
				c.trim.decode(r, &s.stepEvs[st], s.objSteps)
				steps[st] = &s.stepEvs[st]
			}
		}
	}
	ok := c.test(&s.base, s.steps[k].cond, c.current(it, s.objCur), steps)
	for st := range steps {
		if steps[st] != nil {
			s.stepEvs[st] = event.Event{}
		}
	}
	clear(steps)
	clear(s.recs)
	return ok
}

// persist schedules the entry's next deadline, or removes it when it holds
// nothing.
func (s *seqRule) persist(e *entry[seqState]) {
	next := s.deadline(&e.s)
	if next == math.MaxInt64 {
		s.st.remove(e)
		return
	}
	s.st.schedule(e, next)
}

func (s *seqRule) deadline(st *seqState) int64 {
	next := int64(math.MaxInt64)
	for _, p := range st.slots {
		if p != nil {
			next = min(next, p.start+s.within)
		}
	}
	return next
}

func (s *seqRule) expire(c *Correlator, now int64, out *[]Match) {
	s.st.expire(now, func(e *entry[seqState]) (int64, bool) {
		s.close(c, e, now, out)
		next := s.deadline(&e.s)
		return next, next != math.MaxInt64
	})
}

// close ends the pending matches of e whose window ended before now; a
// trailing absence that was not ended by its not-step fires.
func (s *seqRule) close(c *Correlator, e *entry[seqState], now int64, out *[]Match) {
	for i, p := range e.s.slots {
		if p == nil {
			continue
		}
		end := p.start + s.within
		if end >= now {
			continue
		}
		e.s.slots[i] = nil
		if s.trailing && i == s.m-1 {
			s.n.matches++
			*out = append(*out, s.match(c, e.key, p, end))
		}
	}
}

func (s *seqRule) flush(c *Correlator, out *[]Match) {
	s.st.drain(func(e *entry[seqState]) { s.close(c, e, math.MaxInt64, out) })
}

func (s *seqRule) match(c *Correlator, key string, p *pending, at int64) Match {
	evs := make([]*event.Event, len(p.evs))
	byStep := make([]*event.Event, len(s.steps))
	for j, r := range p.evs {
		evs[j] = c.trim.event(r)
		byStep[s.pos[j]] = evs[j]
	}
	return Match{
		Rule:       s.r,
		Key:        key,
		Events:     evs,
		Steps:      slices.Clone(s.names[:len(p.evs)]),
		StepEvents: byStep,
		State:      rules.State{Count: len(p.evs), Key: key, Window: windowText(s.within)},
		Time:       toTime(at),
	}
}

func (s *seqRule) stats() RuleStats { return s.ruleStats(s.st.len(), s.st.evictions) }
func (s *seqRule) reset()           { s.st.reset() }
