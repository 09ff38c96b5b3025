package correlate

import (
	"time"

	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// Suppressor folds repeated alerts of a rule (rule.Suppress) into the first
// one. It serves every rule kind; the engine owns one per shard. Not safe
// for concurrent use.
//
// Alerts are grouped by a suppression key (the rule id and the values of
// suppress.by, see Key). The first alert of a group passes and opens a
// window of suppress.for in event time. Later alerts of the group within the
// window are folded: they are counted, not sent. An alert of higher severity
// than the group's passes and opens a new window. When a window ends (Advance
// with a later time, Flush, or the group being evicted), a summary of the
// alert that passed is returned if anything was folded into it: the same
// alert, same id, with mcp.alert.count and mcp.alert.last_seen covering the
// folded ones, for the sinks to upsert.
type Suppressor struct {
	st    *store[suppression]
	x     evaluator
	out   []*alert.Alert
	parts []string // Key's scratch
	seen  SuppressorStats
	// by holds the prepared suppress.by expressions of the rules seen, by
	// rule id (a reload replaces a rule under its id).
	by map[string]suppressBy
}

type suppressBy struct {
	rule  *rules.Rule
	exprs []valueExpr
}

// SuppressorStats are the counters of a Suppressor.
type SuppressorStats struct {
	// Groups is the number of suppression windows open now.
	Groups int
	// Passed counts alerts let through; Folded counts alerts folded into an
	// earlier one; Summaries counts updated alerts returned at the end of
	// windows; Evictions counts windows closed early by the key bound.
	Passed, Folded, Summaries, Evictions uint64
}

type suppression struct {
	head   *alert.Alert // the alert that passed (a private copy)
	sev    int
	end    int64
	folded int // alerts folded into head
	count  int // their mcp.alert.count, summed
	last   time.Time
}

// NewSuppressor returns a Suppressor holding at most maxKeys open windows
// (DefaultMaxKeys when maxKeys ≤ 0); when full, the least recently used
// window is closed early and its summary returned by the Admit that evicted
// it.
func NewSuppressor(maxKeys int) *Suppressor {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	s := &Suppressor{}
	s.st = newStore(maxKeys, func(g *suppression) {
		s.seen.Evictions++
		if sum := s.summary(g); sum != nil {
			s.out = append(s.out, sum)
		}
	})
	return s
}

// Key returns the suppression key of an alert of rule r raised for event
// ev: the rule id and the values of r.Suppress.By, joined like group keys.
// It returns "" when the rule has no suppression.
func (s *Suppressor) Key(r *rules.Rule, ev *event.Event) string {
	if r.Suppress == nil || r.Suppress.For <= 0 {
		return ""
	}
	by, ok := s.by[r.ID]
	if !ok || by.rule != r {
		if s.by == nil {
			s.by = make(map[string]suppressBy)
		}
		by = suppressBy{rule: r, exprs: newValueExprs(r.Suppress.By)}
		s.by[r.ID] = by
	}
	s.parts = append(s.parts[:0], r.ID)
	for i := range by.exprs {
		v, err := s.x.value(&by.exprs[i], ev)
		if err != nil {
			v = ""
		}
		s.parts = append(s.parts, v)
	}
	key := joinKey(s.parts)
	clear(s.parts) // keep no event value alive
	return key
}

// Fold folds an alert of rule severity score sev, raised for an event of
// time now, into the open window of key when that window takes it (see
// Admit), without the alert being built, and reports whether it did. When
// it did not, the caller builds the alert and calls Admit. Alerts that
// Fold can fold are those of mcp.alert.count 1 and mcp.alert.last_seen
// now, as the engine builds them.
func (s *Suppressor) Fold(key string, window time.Duration, now time.Time, sev int) bool {
	t, ok := nanos(now)
	if key == "" || window <= 0 || !ok {
		return false
	}
	e := s.st.get(key)
	if !takes(e, t, sev) {
		return false
	}
	g := &e.s
	g.folded++
	g.count++
	g.last = later(g.last, now)
	s.seen.Folded++
	return true
}

// Admit decides what happens to a new alert with suppression key key,
// window window and event time now (the time of its triggering event). It
// returns the alerts to send now: a itself unless it was folded, preceded
// by the summaries of windows it closed. An empty key or a window ≤ 0 lets
// a through. Admit keeps its own copy of a; the caller may not change a
// afterwards (summaries share its slices).
func (s *Suppressor) Admit(a *alert.Alert, key string, window time.Duration, now time.Time) []*alert.Alert {
	t, ok := nanos(now)
	if key == "" || window <= 0 || !ok {
		s.seen.Passed++
		return []*alert.Alert{a}
	}
	s.out = s.out[:0]
	sev := severity(a)
	e := s.st.get(key)
	if takes(e, t, sev) {
		g := &e.s
		g.folded++
		g.count += max(a.MCP.Alert.Count, 1)
		g.last = later(g.last, lastSeen(a, now))
		s.seen.Folded++
		return nil
	}
	if e != nil {
		// The window ended (not yet advanced past), or a is more severe:
		// close the window and let a open the next one.
		if sum := s.summary(&e.s); sum != nil {
			s.out = append(s.out, sum)
		}
	} else {
		e = s.st.add(key) // may evict, appending to s.out
	}
	head := *a
	e.s = suppression{head: &head, sev: sev, end: t + int64(window)}
	// Summaries come out in the order windows end: the timer must be at
	// the new end, which may be later than the old one.
	s.st.reschedule(e, e.s.end)
	s.seen.Passed++
	out := append(s.out, a)
	s.out = nil
	return out
}

// Advance closes the windows that ended before now and returns the
// summaries of those that folded alerts, in the order their windows ended.
func (s *Suppressor) Advance(now time.Time) []*alert.Alert {
	t, ok := nanos(now)
	if !ok {
		return nil
	}
	var out []*alert.Alert
	s.st.expire(t, func(e *entry[suppression]) (int64, bool) {
		if e.s.end >= t {
			return e.s.end, true
		}
		if sum := s.summary(&e.s); sum != nil {
			out = append(out, sum)
		}
		return 0, false
	})
	return out
}

// Flush closes every window and returns the pending summaries.
func (s *Suppressor) Flush() []*alert.Alert {
	var out []*alert.Alert
	s.st.drain(func(e *entry[suppression]) {
		if sum := s.summary(&e.s); sum != nil {
			out = append(out, sum)
		}
	})
	return out
}

// Reset drops every window without summaries.
func (s *Suppressor) Reset() { s.st.reset() }

// Stats returns the Suppressor's counters.
func (s *Suppressor) Stats() SuppressorStats {
	st := s.seen
	st.Groups = s.st.len()
	return st
}

// takes reports whether the window e (nil: none) folds an alert of
// severity score sev at time t: t is inside it and sev is no higher than
// its alert's.
func takes(e *entry[suppression], t int64, sev int) bool {
	return e != nil && t <= e.s.end && sev <= e.s.sev
}

// summary returns the updated copy of the group's alert, or nil when
// nothing was folded into it.
func (s *Suppressor) summary(g *suppression) *alert.Alert {
	if g.head == nil || g.folded == 0 {
		return nil
	}
	sum := *g.head
	sum.MCP.Alert.Count = max(g.head.MCP.Alert.Count, 1) + g.count
	sum.MCP.Alert.LastSeen = later(g.head.MCP.Alert.LastSeen, g.last)
	g.folded, g.count = 0, 0
	s.seen.Summaries++
	return &sum
}

// severity ranks an alert: its event.severity, or its severity name.
func severity(a *alert.Alert) int {
	if a.Event.Severity > 0 {
		return a.Event.Severity
	}
	if sv, err := rules.ParseSeverity(a.MCP.Alert.Severity); err == nil {
		return sv.Score()
	}
	return 0
}

func lastSeen(a *alert.Alert, now time.Time) time.Time {
	if !a.MCP.Alert.LastSeen.IsZero() {
		return a.MCP.Alert.LastSeen
	}
	return now
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
