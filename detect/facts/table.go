package facts

import (
	"context"
	"strings"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/rules"
)

// DefaultMaxPerRule is the default bound of the facts a Table keeps per rule
// and version, the default of correlate.Options.MaxKeys.
const DefaultMaxPerRule = correlate.DefaultMaxKeys

// InboxSize is how many facts an Inbox holds before it overflows. A shard
// whose inbox overflowed restores the whole Snapshot instead.
const InboxSize = 1 << 16

// Key returns the key of a fact: rule|version|key|value for a first_seen
// value (every value is its own fact), rule|version|key for a change (the
// newest value replaces the older), rule|version|| for a learning start.
// Rule ids and versions are escaped like group keys; group keys and values
// already are.
func Key(f correlate.Fact) string {
	var b strings.Builder
	b.Grow(len(f.Rule) + len(f.Version) + len(f.Key) + len(f.Value) + 4)
	escape(&b, f.Rule)
	b.WriteByte('|')
	escape(&b, f.Version)
	b.WriteByte('|')
	b.WriteString(f.Key)
	switch {
	case f.Learning():
		b.WriteByte('|')
	case f.Kind == rules.KindFirstSeen:
		b.WriteByte('|')
		b.WriteString(f.Value)
	}
	return b.String()
}

func escape(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '|' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}

// Table is the in-memory view of the facts known to a process, bounded per
// rule, that fans new facts out to subscribed Inboxes. It is safe for
// concurrent use.
type Table struct {
	max int

	mu       sync.Mutex
	perRule  map[string]*simplelru.LRU[string, correlate.Fact] // rule|version → facts by Key
	learning map[string]correlate.Fact                         // rule|version → learning start
	subs     map[*Inbox]struct{}
	evicted  uint64
}

// NewTable returns a Table keeping at most maxPerRule facts per rule and
// version (DefaultMaxPerRule when ≤ 0), least recently learnt evicted
// first, plus one learning start per rule and version. Give it the
// Correlator's MaxKeys: a Correlator cannot hold more.
func NewTable(maxPerRule int) *Table {
	if maxPerRule <= 0 {
		maxPerRule = DefaultMaxPerRule
	}
	return &Table{
		max:      maxPerRule,
		perRule:  map[string]*simplelru.LRU[string, correlate.Fact]{},
		learning: map[string]correlate.Fact{},
		subs:     map[*Inbox]struct{}{},
	}
}

// Add merges facts into the table and delivers those that taught it
// something (a new value, a newer change, an earlier learning start) to
// every Inbox. It returns how many did.
func (t *Table) Add(fs []correlate.Fact) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, f := range fs {
		if !t.merge(f) {
			continue
		}
		n++
		for in := range t.subs {
			in.put(f)
		}
	}
	return n
}

// Novel returns the facts of fs that would teach the table something, in
// order, without adding them: what a durable store still has to write.
func (t *Table) Novel(fs []correlate.Fact) []correlate.Fact {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []correlate.Fact
	for _, f := range fs {
		if t.teaches(f) {
			out = append(out, f)
		}
	}
	return out
}

func ruleKey(f correlate.Fact) string {
	var b strings.Builder
	escape(&b, f.Rule)
	b.WriteByte('|')
	escape(&b, f.Version)
	return b.String()
}

// teaches reports whether merging f would change the table.
func (t *Table) teaches(f correlate.Fact) bool {
	if f.Learning() {
		old, ok := t.learning[ruleKey(f)]
		return !ok || f.Time.Before(old.Time)
	}
	lru := t.perRule[ruleKey(f)]
	if lru == nil {
		return true
	}
	old, ok := lru.Peek(Key(f))
	if !ok {
		return true
	}
	return f.Kind == rules.KindChange && !f.Time.Before(old.Time) && (f.Value != old.Value || f.Text != old.Text)
}

func (t *Table) merge(f correlate.Fact) bool {
	if f.Learning() {
		rk := ruleKey(f)
		if old, ok := t.learning[rk]; ok && !f.Time.Before(old.Time) {
			return false
		}
		t.learning[rk] = f
		return true
	}
	rk := ruleKey(f)
	lru := t.perRule[rk]
	if lru == nil {
		lru, _ = simplelru.NewLRU(t.max, func(string, correlate.Fact) { t.evicted++ })
		t.perRule[rk] = lru
	}
	k := Key(f)
	old, ok := lru.Get(k)
	switch {
	case !ok:
	case f.Kind != rules.KindChange:
		return false // a known first_seen value
	case f.Time.Before(old.Time):
		return false // older than what is known
	case f.Value == old.Value && f.Text == old.Text:
		return false
	}
	lru.Add(k, f)
	return true
}

// Snapshot returns every fact of the table: learning starts first, then the
// facts of each rule from the least to the most recently learnt, so that a
// Correlator with a smaller bound keeps the newest.
func (t *Table) Snapshot() []correlate.Fact {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.learning)
	for _, lru := range t.perRule {
		n += lru.Len()
	}
	out := make([]correlate.Fact, 0, n)
	for _, f := range t.learning {
		out = append(out, f)
	}
	for _, lru := range t.perRule {
		out = append(out, lru.Values()...)
	}
	return out
}

// TableStats are the counters of a Table.
type TableStats struct {
	Facts   int    // facts held now, learning starts included
	Evicted uint64 // facts dropped by the per-rule bound
}

// Stats returns the Table's counters.
func (t *Table) Stats() TableStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := TableStats{Facts: len(t.learning), Evicted: t.evicted}
	for _, lru := range t.perRule {
		s.Facts += lru.Len()
	}
	return s
}

// Subscribe returns a new Inbox that receives every fact added to the table
// from now on. The caller owns it and closes it when done.
func (t *Table) Subscribe() *Inbox {
	in := &Inbox{t: t}
	t.mu.Lock()
	t.subs[in] = struct{}{}
	t.mu.Unlock()
	return in
}

// Inbox holds the facts added to a Table since its owner last drained it.
// One goroutine (a pipeline shard) owns it and drains it; the Table fills
// it.
type Inbox struct {
	t        *Table
	mu       sync.Mutex
	facts    []correlate.Fact
	overflow bool
}

// put is called with t.mu held.
func (in *Inbox) put(f correlate.Fact) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.facts) >= InboxSize {
		in.overflow = true
		in.facts = nil
		return
	}
	if !in.overflow {
		in.facts = append(in.facts, f)
	}
}

// Drain returns the facts received since the last Drain, appended to dst.
// When overflow is true facts were lost: the caller must restore the
// Table's Snapshot (taken after Drain) instead.
func (in *Inbox) Drain(dst []correlate.Fact) (facts []correlate.Fact, overflow bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	dst = append(dst, in.facts...)
	clear(in.facts)
	in.facts = in.facts[:0]
	overflow, in.overflow = in.overflow, false
	return dst, overflow
}

// Close stops deliveries to the inbox. It is safe to call more than once.
func (in *Inbox) Close() {
	in.t.mu.Lock()
	delete(in.t.subs, in)
	in.t.mu.Unlock()
}

// Memory is a FactStore that keeps facts in memory only: facts are shared
// between the partitions of one process, not kept across restarts. It is
// for tests and replays.
type Memory struct {
	*Table
}

// NewMemory returns a Memory store bounded like NewTable.
func NewMemory(maxPerRule int) *Memory { return &Memory{NewTable(maxPerRule)} }

// Publish adds facts to the table. It fails only when ctx has ended.
func (m *Memory) Publish(ctx context.Context, fs []correlate.Fact) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.Add(fs)
	return nil
}
