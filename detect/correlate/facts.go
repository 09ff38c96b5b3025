package correlate

import (
	"time"

	"github.com/mcpsoc/mcpsoc/rules"
)

// Fact is one thing a first_seen or change rule remembers for days: a value
// known for a key, the current value of a key, or when a first_seen rule
// started learning. Facts are what correlation state is shared as between
// the Correlators of different partitions and kept across restarts
// (docs/state.md): a Correlator reports the facts it learns (SetOnFact) and
// takes in facts learnt elsewhere (Restore).
//
// Facts hold event values (server names, hashes, tool descriptions): like
// events, they are never logged.
type Fact struct {
	// Rule and Version identify the rule (rules.Rule ID and Version); a
	// fact is only restored into the same rule at the same version.
	Rule    string     `json:"rule"`
	Version string     `json:"version"`
	Kind    rules.Kind `json:"kind"` // first_seen or change
	// Key is the group key (Match.Key). It is empty in a learning fact.
	Key string `json:"key,omitempty"`
	// Value is, for first_seen, the value (or tuple of values, joined like
	// keys) known for Key; for change, the current value of Key. It is
	// empty in a learning fact.
	Value string `json:"value,omitempty"`
	// Text is, for change rules with a diff, the diff text of the current
	// value, trimmed to Options.EvidenceText.
	Text string `json:"text,omitempty"`
	// Time is the event time at which the fact was learnt; for a learning
	// fact, when the rule's learning period started.
	Time time.Time `json:"time"`
}

// Learning reports whether f records the start of a first_seen rule's
// learning period rather than a value.
func (f Fact) Learning() bool {
	return f.Kind == rules.KindFirstSeen && f.Key == "" && f.Value == ""
}

// SetOnFact makes the Correlator call fn, synchronously from Process,
// Flush or Idle, with every fact it learns: a first_seen rule remembering a
// new value (during its learning period or not) or starting to learn, and a
// change rule remembering a value for a key (its first one, or a new one
// after a change). Warm-up and restored facts are reported like any other
// except those passed to Restore, which are never reported. nil stops the
// reports.
//
// (It is a method rather than an Options field so that Options and the
// Correlator's layout stay as they are; see docs/state.md.)
func (c *Correlator) SetOnFact(fn func(Fact)) {
	for _, r := range c.rules {
		switch r := r.(type) {
		case *fsRule:
			r.onFact = fn
		case *chgRule:
			r.onFact = fn
		}
	}
}

// Restore puts a fact learnt elsewhere into the state without emitting
// anything or reporting it: for first_seen, the value becomes known for the
// key (new values evict the least recently seen as usual) and a learning
// fact moves the start of the learning period back to the earliest known;
// for change, the key's remembered value and diff text are set unless the
// Correlator remembers a value learnt at a later event time. Facts of a rule
// id, version or kind the Correlator does not run are ignored: the rule
// changed. Restore returns whether the fact was used.
func (c *Correlator) Restore(f Fact) bool {
	ts, ok := nanos(f.Time)
	if !ok {
		return false
	}
	for _, r := range c.rules {
		switch r := r.(type) {
		case *fsRule:
			if r.owns(f) {
				r.restore(f, ts)
				return true
			}
		case *chgRule:
			if r.owns(f) {
				return r.restore(f, ts)
			}
		}
	}
	return false
}

func (b *base) owns(f Fact) bool {
	return b.r.ID == f.Rule && b.r.Version == f.Version && b.r.Kind == f.Kind
}

// learnt reports that the rule learnt seen (key|value) at ts, or started
// learning when key is "".
func (f *fsRule) learnt(ts int64, key, seen string) {
	if f.onFact == nil {
		return
	}
	fact := Fact{Rule: f.r.ID, Version: f.r.Version, Kind: f.r.Kind, Time: toTime(ts)}
	if key == "" {
		if f.learning <= 0 {
			return // no learning period: nothing to share
		}
	} else {
		fact.Key, fact.Value = key, seen[len(key)+1:]
	}
	f.onFact(fact)
}

func (f *fsRule) restore(fact Fact, ts int64) {
	if fact.Learning() {
		if !f.learnSet || ts < f.learnStart {
			f.learnStart, f.learnSet = ts, true
		}
		return
	}
	if fact.Key == "" || fact.Value == "" {
		return
	}
	f.learn(fact.Key + "|" + fact.Value)
}

// learnt reports the value now remembered for key.
func (g *chgRule) learnt(key string) {
	if g.onFact == nil {
		return
	}
	e := g.known.peek(key)
	if e == nil {
		return
	}
	st := &e.s
	g.onFact(Fact{Rule: g.r.ID, Version: g.r.Version, Kind: g.r.Kind, Key: key, Value: st.val, Text: st.txt, Time: toTime(st.t)})
}

func (g *chgRule) restore(fact Fact, ts int64) bool {
	if fact.Key == "" || fact.Value == "" {
		return false
	}
	e := g.known.get(fact.Key)
	if e == nil {
		g.learn(fact.Key, chgState{val: fact.Value, txt: fact.Text, t: ts})
		return true
	}
	st := &e.s
	if ts < st.t {
		return false // what is remembered is newer
	}
	st.val, st.txt, st.t = fact.Value, fact.Text, ts
	return true
}
