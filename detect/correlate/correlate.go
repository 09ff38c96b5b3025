package correlate

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/file"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// Defaults of Options.
const (
	DefaultAllowedLateness = 2 * time.Minute
	DefaultMaxKeys         = 100_000
	DefaultMaxBuffered     = 50_000
	DefaultEvidenceText    = 4096
)

// Options configure a Correlator. Zero values mean the documented defaults.
type Options struct {
	// AllowedLateness is how far behind the newest event time seen an event
	// may arrive and still be put back in order (default 2m; negative: none).
	// The watermark is the newest event time seen minus AllowedLateness:
	// events older than the watermark are late (see docs/correlation.md for
	// what happens to them) and windows close once the watermark has passed
	// their end.
	AllowedLateness time.Duration
	// MaxKeys bounds the keys each rule remembers (default 100,000); a rule's
	// own max_keys overrides it. The least recently used key is evicted
	// first.
	MaxKeys int
	// MaxBuffered bounds the events held for reordering (default 50,000).
	// When it is reached the oldest event is released at once and the
	// watermark moves up to it, which shortens the effective lateness.
	MaxBuffered int
	// EvidenceText is the number of bytes of each free-text field (result
	// text, tool description, each argument object, the diff text of change
	// rules) kept for a remembered event (default 4096).
	EvidenceText int
	// Logger receives rule evaluation problems (rule ids and positions
	// only, never event content). Default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.AllowedLateness < 0 {
		o.AllowedLateness = 0
	} else if o.AllowedLateness == 0 {
		o.AllowedLateness = DefaultAllowedLateness
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.MaxBuffered <= 0 {
		o.MaxBuffered = DefaultMaxBuffered
	}
	if o.EvidenceText <= 0 {
		o.EvidenceText = DefaultEvidenceText
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Match is one completed correlation: the engine turns it into an alert.
//
// A Match and the events it holds are read-only: the same event copy may be
// shared by several matches.
type Match struct {
	Rule *rules.Rule
	// Key is the group key: the values of the rule's by expressions joined
	// with "|" ("acme|conv_7f3a"); a "|" or "\" inside a value is escaped
	// with "\".
	Key string
	// Events are the contributing events in event-time order, as trimmed
	// copies (Options.EvidenceText). Threshold matches carry the triggering
	// event with its identity fields and every other event as a stub holding
	// only @timestamp and event.id; events that could not be kept (see
	// docs/correlation.md) are stubs as well.
	Events []*event.Event
	// Steps names, for sequence rules, the step each event matched.
	Steps []string
	// StepEvents holds, for sequence rules, the event of each step by step
	// index, as step conditions see them in steps: the last event of a step
	// with a count, nil for a not step. Reason templates should get it as
	// their steps.
	StepEvents []*event.Event
	// State is what reason templates see as state.
	State rules.State
	// Previous and Current are the remembered and the new value of a change
	// rule; Diff is a unified line diff of the rule's diff text ("" when the
	// rule has none).
	Previous, Current, Diff string
	// Time is the event time at which the match completed: its last event,
	// or the end of the window for a sequence ending in an absence.
	Time time.Time
}

// RuleStats are the counters of one correlation rule.
type RuleStats struct {
	RuleID string
	Kind   rules.Kind
	// Keys is the number of keys (first_seen: key and value pairs) held now.
	Keys int
	// Evictions counts keys dropped because the rule's key bound was
	// reached.
	Evictions uint64
	// LostPending counts pending sequence matches dropped with an evicted
	// key.
	LostPending uint64
	// Late counts events that arrived behind the watermark; LateDropped
	// counts those the rule could not use (their window had closed, or a
	// change rule remembered a newer value).
	Late, LateDropped uint64
	// Matches counts matches emitted.
	Matches uint64
	// Cancelled counts pending sequence matches ended by until.
	Cancelled uint64
	// NoKey counts events skipped because a group key value was empty.
	NoKey uint64
	// Errors counts expression evaluation errors; a failing condition counts
	// as false.
	Errors uint64
}

// Stats describe a Correlator at one point.
type Stats struct {
	// Watermark is the event time before which events are late.
	Watermark time.Time
	// Buffered is the number of events waiting to be put in order.
	Buffered int
	// Forced counts events released before the watermark reached them
	// because MaxBuffered was reached.
	Forced uint64
	// Skipped counts events without a usable @timestamp (ignored).
	Skipped uint64
	Rules   []RuleStats
}

// Correlator evaluates the correlation rules (kinds sequence, threshold,
// first_seen and change) of a rule set over one ordered stream (one Kafka
// partition, one replay), in event time. It is not safe for concurrent use:
// run one per shard or partition.
type Correlator struct {
	opts     Options
	lateness int64
	rules    []ruleState
	x        evaluator
	trim     *trimmer

	// Key groups: distinct lists of by expressions, and the keys computed
	// for the current event (see keyBytes).
	groups     [][]valueExpr
	gsig       map[string]int
	kb         [][]byte // the key of each group, joined
	kv         []string // ... as a string, once one was needed ("" before)
	kstate     []uint8  // 0 not computed, 1 ok, 2 missing or failed
	pair       []byte   // first_seen: key|value being built
	parts      []string
	intern     map[string]string
	obsBuf     []obs
	free       []*item // applied items, for reuse
	matches    []Match
	cur        event.Event // the item being applied, decoded (see current)
	curItem    *item
	curObjects bool

	buf     reorder
	seq     uint64
	started bool
	maxSeen int64 // newest event time seen
	wm      int64 // watermark
	clock   int64 // windows ending before clock are closed
	forced  uint64
	skipped uint64
}

// maxInterned bounds the table of distinct values shared between keys.
const maxInterned = 4096

// New returns a Correlator for the correlation rules of rs; rules of kind
// match and disabled rules are ignored. It fails when a correlation rule
// cannot be run (no positive step, a missing window, more than 63 steps, no
// value to watch).
func New(rs []*rules.Rule, opts Options) (*Correlator, error) {
	opts = opts.withDefaults()
	c := &Correlator{
		opts:     opts,
		lateness: int64(opts.AllowedLateness),
		trim:     newTrimmer(opts.EvidenceText),
		gsig:     map[string]int{},
		intern:   map[string]string{},
	}
	var errs []error
	for _, r := range rs {
		if r == nil || !r.Enabled {
			continue
		}
		var (
			s   ruleState
			err error
		)
		switch r.Kind {
		case rules.KindSequence:
			s, err = newSequence(c, r)
		case rules.KindThreshold:
			s, err = newThreshold(c, r)
		case rules.KindFirstSeen:
			s, err = newFirstSeen(c, r)
		case rules.KindChange:
			s, err = newChange(c, r)
		default:
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("correlate: rule %s (%s): %w", r.ID, r.Pos, err))
			continue
		}
		c.rules = append(c.rules, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.kb = make([][]byte, len(c.groups))
	c.kv = make([]string, len(c.groups))
	c.kstate = make([]uint8, len(c.groups))
	return c, nil
}

// SetCache makes the correlator's evaluations use cache for the values of
// costly helper calls: the caller begins it on each event it passes to
// Process (rules.Cache), so that match rules and correlation rules compute
// them once between them. A nil cache turns this off.
func (c *Correlator) SetCache(cache *rules.Cache) { c.x.env.SetCache(cache) }

// Process feeds one event. Matches completed by it, or by the windows its
// event time closes, are passed to emit in event-time order. ev may be
// reused by the caller once Process returns: what is kept is copied.
func (c *Correlator) Process(ev *event.Event, emit func(Match)) {
	ts, ok := nanos(ev.Timestamp)
	if !ok {
		c.skipped++
		return
	}
	late := c.started && ts < c.wm
	clear(c.kstate)
	clear(c.kv)
	c.obsBuf = c.obsBuf[:0]
	need := keepNone
	for i, r := range c.rules {
		c.obsBuf = append(c.obsBuf, obs{rule: int32(i)})
		if lvl, ok := r.observe(c, ev, &c.obsBuf[len(c.obsBuf)-1]); ok {
			need = max(need, lvl)
		} else {
			c.obsBuf = c.obsBuf[:len(c.obsBuf)-1]
		}
	}
	if !c.started {
		c.started = true
		c.maxSeen = ts
		c.wm = ts - c.lateness
		c.clock = c.wm
	} else if ts > c.maxSeen {
		c.maxSeen = ts
		c.wm = max(c.wm, ts-c.lateness)
	}
	if len(c.obsBuf) > 0 {
		it := c.newItem(ts, c.obsBuf)
		clear(c.obsBuf)
		switch need {
		case keepFull:
			it.rec = c.trim.full(ev)
		case keepLight:
			it.rec = c.trim.light(ev)
		}
		if it.rec == nil {
			it.idb = append(it.idb[:0], ev.Event.ID...)
		}
		if late {
			c.apply(it, true, emit)
			c.recycle(it)
		} else {
			c.buf.push(it, c.seq)
			c.seq++
		}
	}
	c.release(emit)
}

// Flush ends the input: buffered events are processed and every window is
// closed, so sequences waiting for an absence fire now. Remembered first_seen
// and change values are kept. Call it at the end of a replay or a rule test,
// not when a live consumer stops: a restarted consumer rebuilds its windows
// by processing again (warm-up), and closing them early would raise absence
// alerts too soon.
func (c *Correlator) Flush(emit func(Match)) {
	for c.buf.len() > 0 {
		it := c.buf.pop()
		c.advance(it.ts, emit)
		c.apply(it, false, emit)
		c.recycle(it)
	}
	c.matches = c.matches[:0]
	for _, r := range c.rules {
		r.flush(c, &c.matches)
	}
	c.emitMatches(emit)
	if c.started {
		c.wm = max(c.wm, c.maxSeen)
		c.clock = max(c.clock, c.wm)
	}
}

// Reset drops every buffered event and all state, as when a Kafka partition
// is revoked. Counters are kept. The Correlator can then be warmed up again
// by processing events from an earlier offset.
func (c *Correlator) Reset() {
	c.buf.reset()
	for _, r := range c.rules {
		r.reset()
	}
	clear(c.intern)
	c.started = false
	c.maxSeen, c.wm, c.clock = 0, 0, 0
}

// Watermark returns the event time before which events are late, the time
// up to which windows are closed. It is zero before the first event. The
// engine can drive a Suppressor with it.
func (c *Correlator) Watermark() time.Time {
	if !c.started {
		return time.Time{}
	}
	return time.Unix(0, c.wm).UTC()
}

// Stats returns the Correlator's counters, with one RuleStats per
// correlation rule in rule order.
func (c *Correlator) Stats() Stats {
	s := Stats{
		Watermark: c.Watermark(),
		Buffered:  c.buf.len(),
		Forced:    c.forced,
		Skipped:   c.skipped,
		Rules:     make([]RuleStats, 0, len(c.rules)),
	}
	for _, r := range c.rules {
		s.Rules = append(s.Rules, r.stats())
	}
	return s
}

// release processes the buffered events the watermark has passed (or that
// MaxBuffered forces out), then closes the windows behind the watermark.
func (c *Correlator) release(emit func(Match)) {
	for c.buf.len() > 0 {
		top := c.buf.peek()
		if top.ts > c.wm {
			if c.buf.len() <= c.opts.MaxBuffered {
				break
			}
			c.wm = top.ts
			c.forced++
		}
		it := c.buf.pop()
		c.advance(it.ts, emit)
		c.apply(it, false, emit)
		c.recycle(it)
	}
	c.advance(c.wm, emit)
}

// advance closes the windows that end before now.
func (c *Correlator) advance(now int64, emit func(Match)) {
	if now <= c.clock {
		return
	}
	c.matches = c.matches[:0]
	for _, r := range c.rules {
		r.expire(c, now, &c.matches)
	}
	c.clock = now
	c.emitMatches(emit)
}

func (c *Correlator) emitMatches(emit func(Match)) {
	if len(c.matches) == 0 {
		return
	}
	slices.SortStableFunc(c.matches, func(a, b Match) int { return a.Time.Compare(b.Time) })
	for i := range c.matches {
		m := c.matches[i]
		c.matches[i] = Match{}
		emit(m)
	}
	c.matches = c.matches[:0]
}

func (c *Correlator) apply(it *item, late bool, emit func(Match)) {
	for i := range it.obs {
		o := &it.obs[i]
		c.rules[o.rule].apply(c, it, o, late, emit)
	}
	if c.curItem != nil {
		c.cur, c.curItem = event.Event{}, nil
	}
}

// maxFree bounds the applied items kept for reuse.
const maxFree = 256

// newItem returns an item for an event at ts concerning the rules of obs
// (copied), reusing an applied one when it can: an event that concerns a
// rule otherwise costs an item and its list of observations.
func (c *Correlator) newItem(ts int64, obs []obs) *item {
	var it *item
	if n := len(c.free); n > 0 {
		it = c.free[n-1]
		c.free[n-1] = nil
		c.free = c.free[:n-1]
	} else {
		it = new(item)
	}
	it.ts = ts
	if len(obs) == 1 {
		it.one[0] = obs[0]
		it.obs = it.one[:]
	} else {
		it.more = append(it.more[:0], obs...)
		it.obs = it.more
	}
	return it
}

// recycle keeps an applied item for newItem. Nothing refers to an item
// once it is applied: the rules keep its rec and copies of its strings.
func (c *Correlator) recycle(it *item) {
	if len(c.free) >= maxFree {
		return
	}
	clear(it.obs)
	*it = item{more: it.more[:0], idb: it.idb[:0]}
	c.free = append(c.free, it)
}

// current returns the item's event decoded for a condition, shared by the
// rules that apply the item (read-only, valid until the item is applied);
// with its objects when asked.
func (c *Correlator) current(it *item, objects bool) *event.Event {
	if c.curItem != it || objects && !c.curObjects {
		c.cur = event.Event{}
		c.trim.decode(it.rec, &c.cur, objects)
		c.curItem, c.curObjects = it, objects
	}
	return &c.cur
}

// evidence returns a new Event for the item: its kept copy, or a stub.
func (c *Correlator) evidence(it *item) *event.Event {
	if it.rec != nil {
		return c.trim.event(it.rec)
	}
	return stub(it.ts, it.eventID())
}

// keyGroup registers a list of by expressions and returns its index; equal
// lists share one index, so the key is computed once per event.
func (c *Correlator) keyGroup(by []*rules.Expr) int {
	var exprs []valueExpr
	var sig strings.Builder
	if len(by) == 0 {
		exprs = []valueExpr{
			{get: rules.StringField("organization.id")},
			{get: rules.StringField("mcp.flow.id")},
		}
		sig.WriteString("organization.id\x00mcp.flow.id")
	} else {
		exprs = newValueExprs(by)
		for i, e := range by {
			if i > 0 {
				sig.WriteByte(0)
			}
			sig.WriteString(strings.TrimSpace(e.Source))
		}
	}
	if g, ok := c.gsig[sig.String()]; ok {
		return g
	}
	c.groups = append(c.groups, exprs)
	c.gsig[sig.String()] = len(c.groups) - 1
	return len(c.groups) - 1
}

// keyBytes computes the group key of the current event for key group g,
// once per event, into a buffer that stays valid until the next event; ok
// is false when a value is empty or fails. Keys are built in a buffer
// because most of them are already known to the rules that need them: a
// rule takes the string of its own entry (storeKey), and only a key no rule
// holds is allocated.
func (c *Correlator) keyBytes(b *base, g int, ev *event.Event) ([]byte, bool) {
	switch c.kstate[g] {
	case 1:
		return c.kb[g], true
	case 2:
		return nil, false
	}
	buf := c.kb[g][:0]
	for i := range c.groups[g] {
		s, err := c.x.value(&c.groups[g][i], ev)
		if err != nil {
			c.fail(b, "by", err)
		}
		if s == "" {
			c.kstate[g] = 2
			return nil, false
		}
		if i > 0 {
			buf = append(buf, '|')
		}
		buf = appendKeyPart(buf, s)
	}
	c.kb[g], c.kstate[g] = buf, 1
	return buf, true
}

// keyString returns the key of group g, which keyBytes computed, as a
// string: found (the key of an entry holding it) when not "", else one copy
// per event.
func (c *Correlator) keyString(g int, found string) string {
	if c.kv[g] == "" {
		if found == "" {
			found = string(c.kb[g])
		}
		c.kv[g] = found
	}
	return c.kv[g]
}

// storeKey returns the key of group g, which keyBytes computed, and its
// entry in st (nil when st holds none), reusing the entry's key string.
func storeKey[S any](c *Correlator, g int, st *store[S]) (string, *entry[S]) {
	e := st.find(c.kb[g])
	if e != nil {
		return c.keyString(g, e.key), e
	}
	return c.keyString(g, ""), nil
}

// test evaluates a condition for rule b, counting errors as false.
func (c *Correlator) test(b *base, k *rules.Condition, ev *event.Event, steps []*event.Event) bool {
	ok, err := c.x.eval(k, ev, steps)
	if err != nil {
		c.fail(b, "condition", err)
	}
	return ok
}

// filterKey evaluates rule b's condition on ev and computes the event's
// group key (keyBytes); ok is false when the condition is false or the key
// has an empty value (counted as NoKey).
func (c *Correlator) filterKey(b *base, ev *event.Event) bool {
	if !c.test(b, b.filter, ev, nil) {
		return false
	}
	if _, ok := c.keyBytes(b, b.by, ev); !ok {
		b.n.noKey++
		return false
	}
	return true
}

// tuple evaluates the values vs of rule b into c.parts, one text per value
// ("" when empty or failing), and reports whether they are all empty.
func (c *Correlator) tuple(b *base, vs []valueExpr, ev *event.Event) (empty bool) {
	c.parts = c.parts[:0]
	empty = true
	for i := range vs {
		v, err := c.x.value(&vs[i], ev)
		if err != nil {
			c.fail(b, "value", err)
		}
		empty = empty && v == ""
		c.parts = append(c.parts, v)
	}
	return empty
}

// fail counts an evaluation error of rule b and logs the first one, with
// the position of the failing expression and never its values.
func (c *Correlator) fail(b *base, what string, err error) {
	b.n.errors++
	if b.n.errors > 1 {
		return
	}
	args := []any{"rule_id", b.r.ID, "expr", what}
	var fe *file.Error
	if errors.As(err, &fe) {
		args = append(args, "line", fe.Line, "column", fe.Column)
	}
	c.opts.Logger.Warn("correlation rule evaluation failed; counting it as false", args...)
}

// internValue returns s from a bounded table of values shared between keys
// (tool and server names repeat across flows), or a private copy.
func (c *Correlator) internValue(s string) string {
	if v, ok := c.intern[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(c.intern) < maxInterned {
		c.intern[v] = v
	}
	return v
}

// stub is the placeholder of an event the Correlator did not keep.
func stub(t int64, id string) *event.Event {
	return &event.Event{Timestamp: toTime(t), Event: event.EventMeta{ID: id}}
}

// Unix nanoseconds cover 1678-2262; events outside 1900-2200 are refused so
// that window arithmetic never overflows.
var (
	minTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func nanos(t time.Time) (int64, bool) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, false
	}
	return t.UnixNano(), true
}

func toTime(n int64) time.Time { return time.Unix(0, n).UTC() }

// windowText renders a window for state.window.
func windowText(d int64) string {
	if d <= 0 || d == math.MaxInt64 {
		return ""
	}
	return time.Duration(d).String()
}

// keep levels: what copy of an event an item holds.
const (
	keepNone = iota
	keepLight
	keepFull
)

// ruleState is one correlation rule with its state.
type ruleState interface {
	// observe evaluates the rule's stateless parts against a new event and
	// fills o; ok is false when the event does not concern the rule. keep is
	// the copy of the event the rule may need.
	observe(c *Correlator, ev *event.Event, o *obs) (keep int, ok bool)
	// apply updates the state in event-time order (late: out of order).
	apply(c *Correlator, it *item, o *obs, late bool, emit func(Match))
	// expire closes the windows ending before now.
	expire(c *Correlator, now int64, out *[]Match)
	// flush closes every window.
	flush(c *Correlator, out *[]Match)
	stats() RuleStats
	reset()
}

// base holds what every correlation rule has.
type base struct {
	r      *rules.Rule
	filter *rules.Condition // nil: every event
	by     int              // key group
	within int64
	n      counters
}

type counters struct {
	late, lateDropped, matches, errors, noKey, cancelled, lost uint64
}

func newBase(c *Correlator, r *rules.Rule) base {
	return base{r: r, filter: condition(r.Condition), by: c.keyGroup(r.By), within: int64(r.Within)}
}

func (b *base) maxKeys(c *Correlator) int {
	if b.r.MaxKeys > 0 {
		return b.r.MaxKeys
	}
	return c.opts.MaxKeys
}

func (b *base) ruleStats(keys int, evictions uint64) RuleStats {
	return RuleStats{
		RuleID: b.r.ID, Kind: b.r.Kind, Keys: keys, Evictions: evictions,
		LostPending: b.n.lost, Late: b.n.late, LateDropped: b.n.lateDropped,
		Matches: b.n.matches, Cancelled: b.n.cancelled, NoKey: b.n.noKey, Errors: b.n.errors,
	}
}

// item is a buffered event: what the rules computed when it arrived, and
// the copy of the event they may keep.
type item struct {
	ts   int64
	rec  *rec   // trimmed copy, nil when no rule needs one
	idb  []byte // event.id when rec is nil (see eventID)
	obs  []obs  // one[:] when a single rule is concerned, else more
	one  [1]obs
	more []obs
}

// eventID returns the item's event.id. Without a rec it is kept in a
// reused buffer and made a string only if a stub needs it, which is rare:
// a rule that keeps no copy of an event seldom makes it evidence.
func (it *item) eventID() string {
	if it.rec != nil {
		return it.rec.id()
	}
	return string(it.idb)
}

// obs is what one rule computed from an event on arrival.
type obs struct {
	rule int32
	hit  uint64 // sequences: steps whose condition is true (bit 63: until)
	cand uint64 // sequences: steps to evaluate in order (they use steps)
	key  string // group key (the rule's by)
	// val is, for threshold, the distinct value; for first_seen, key|value
	// when there is one value; for change, the new value.
	val string
	txt string // change: the diff text
	// aux is, for sequences with step keys, the key of each key group (""
	// when missing); for first_seen, key|value for each value when there
	// are several.
	aux []string
}
