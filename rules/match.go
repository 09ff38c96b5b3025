package rules

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxMatchInput is how many bytes of its input regex, glob and the matches
// operator look at: text past it is ignored. Go's regexp runs in time
// linear in the input but slowly (tens of MB/s), so the cap bounds the cost
// of one call on hostile text.
const MaxMatchInput = 64 << 10

// matcher is a regular expression compiled at load with literal gates, so
// that the Go regexp, slow to start and slow per byte, only runs on text
// that can match. The pattern is split at its top-level alternation into
// branches (match is a boolean: the pattern matches when a branch does),
// each a smaller regexp run only when its own gates pass. A branch
// anchored at the start of a line under (?m) that cannot cross a line runs
// anchored, on the lines whose first byte can start a match.
type matcher struct {
	re *regexp.Regexp
	// gate is requiredLiterals of the whole pattern, nil: none.
	gate []literal
	// pre is searched first, in one pass: gate when it is worth searching,
	// else the union of the branches' first gates when each has one worth
	// searching; nil: none.
	pre *litSet
	// branches are the pattern's alternatives, the line-anchored ones
	// without gates merged; nil: re runs, unsplit.
	branches []branch
}

// literal is a string a match must contain, compared ignoring case (with
// containsFold) when fold is set.
type literal struct {
	s    string
	fold bool
}

// maxGateLiterals bounds the alternatives of a gate (a credential-path
// pattern has a few dozen branches; the folded literals are searched in one
// pass).
const maxGateLiterals = 64

// maxBranches bounds the split: a pattern of more alternatives runs whole.
const maxBranches = 32

// maxBranchGates bounds the literal sets a branch checks before its regexp
// runs: each costs a pass over the text.
const maxBranchGates = 4

// branch is one alternative of a pattern, or the merge of its line-anchored
// alternatives without gates of their own.
type branch struct {
	re *regexp.Regexp
	// gates are literal sets every match of the branch contains one of,
	// the most selective first: the regexp runs only when all are found.
	gates []*litSet
	// exact: the branch is the literal its one gate holds, compared
	// exactly, so the gate is the answer.
	exact bool
	// ctx, when set, holds literals one of which every match holds between
	// known characters: checked after the gates, before the regexp.
	ctx *contextGate
	// line, when set, runs in place of re on the lines that can hold a match.
	line *lineMatcher
}

func (b *branch) match(s string) bool {
	for _, g := range b.gates {
		if !g.in(s) {
			return false
		}
	}
	if b.ctx != nil && !b.ctx.in(s) {
		return false
	}
	switch {
	case b.exact:
		return true
	case b.line != nil:
		return b.line.match(s, b.re)
	}
	return b.re.MatchString(s)
}

// litSet is a set of literals, one of which a text must hold: the exact
// ones are searched for with strings.Contains (SIMD), the folded ones
// together in one automaton.
type litSet struct {
	lits   []literal
	exact  []string
	folded *foldList
}

func newLitSet(ls []literal) *litSet {
	g := &litSet{lits: ls}
	var folded []string
	for _, l := range ls {
		if l.fold {
			folded = append(folded, l.s)
		} else {
			g.exact = append(g.exact, l.s)
		}
	}
	if len(folded) > 0 {
		g.folded = newFoldList(folded)
	}
	return g
}

// in reports whether s holds one of the set's literals.
func (g *litSet) in(s string) bool {
	for _, l := range g.exact {
		if strings.Contains(s, l) {
			return true
		}
	}
	if g.folded == nil {
		return false
	}
	if len(g.folded.needles) == 1 {
		// One needle: searching for its rarest byte beats the automaton.
		return g.folded.inEach(s)
	}
	return g.folded.in(s)
}

// newMatcher compiles pattern with its gates and branches.
func newMatcher(pattern string) (*matcher, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	m := &matcher{re: re}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return m, nil
	}
	tree = tree.Simplify()
	m.gate = requiredLiterals(tree)
	m.branches = splitBranches(re, tree)
	if worthSearching(m.gate) {
		m.pre = newLitSet(minimize(m.gate))
	} else if len(m.branches) > 1 {
		var all []literal
		for _, b := range m.branches {
			if len(b.gates) == 0 || !worthSearching(b.gates[0].lits) || len(all)+len(b.gates[0].lits) > maxGateLiterals {
				all = nil
				break
			}
			all = append(all, b.gates[0].lits...)
		}
		if all != nil {
			m.pre = newLitSet(all)
		}
	}
	return m, nil
}

func (m *matcher) match(s string) bool {
	if m == nil {
		return false
	}
	if len(s) > MaxMatchInput {
		s = s[:MaxMatchInput]
	}
	if m.pre != nil && !m.pre.in(s) {
		return false
	}
	if m.branches == nil {
		return m.re.MatchString(s)
	}
	for i := range m.branches {
		if m.branches[i].match(s) {
			return true
		}
	}
	return false
}

// splitBranches returns the branches of the pattern re (tree simplified):
// one per alternative with gates, one for all the line-anchored
// alternatives without; nil when an alternative has neither, or the
// pattern has a single alternative without gates: re runs whole.
// A branch's regexp is compiled from its subtree's text (patternString),
// which holds the flags in effect ((?i), (?m), (?s)) inline.
func splitBranches(re *regexp.Regexp, tree *syntax.Regexp) []branch {
	alts := []*syntax.Regexp{tree}
	top := tree
	for top.Op == syntax.OpCapture {
		top = top.Sub[0]
	}
	if top.Op == syntax.OpAlternate && len(top.Sub) <= maxBranches {
		alts = top.Sub
	}
	var (
		bs              []branch
		lines, anchored []string
		lineAlts        []*syntax.Regexp
		first           [256]bool
		nullable        bool
		whole           = true
	)
	for _, alt := range alts {
		// A line branch checks its lines' first bytes: weak gates would
		// only keep it from merging with the others.
		l, lok := lineForm(alt)
		gates := branchGates(alt, !lok)
		if len(gates) == 0 && lok {
			lines = append(lines, patternString(alt))
			anchored = append(anchored, l.anchored)
			for c, ok := range l.first {
				first[c] = first[c] || ok
			}
			nullable = nullable || l.nullable
			whole = whole && l.whole
			lineAlts = append(lineAlts, alt)
			continue
		}
		if len(gates) == 0 {
			// An alternative without gates runs on every text: the
			// others' gates would only add to its cost.
			return nil
		}
		b := branch{re: re}
		if len(alts) > 1 {
			r, err := regexp.Compile(patternString(alt))
			if err != nil {
				return nil
			}
			b.re = r
		}
		for _, g := range gates {
			b.gates = append(b.gates, newLitSet(g))
		}
		if alt.Op == syntax.OpLiteral && len(gates) == 1 && len(gates[0]) == 1 && !gates[0][0].fold {
			b.exact = true
		}
		b.ctx = newContextGate(alt)
		if lok {
			lr, err := regexp.Compile(`\A` + l.anchored)
			if err != nil {
				return nil
			}
			b.line = &lineMatcher{re: lr, first: l.first, every: l.nullable}
			if l.whole {
				b.line.bounds = lineBounds([]*syntax.Regexp{alt})
			}
		}
		bs = append(bs, b)
	}
	if len(lines) > 0 {
		b := branch{re: re}
		if len(lines) < len(alts) {
			r, err := regexp.Compile(strings.Join(lines, "|"))
			if err != nil {
				return nil
			}
			b.re = r
		}
		// \A outside the alternation, for the regexp to see it is anchored.
		lr, err := regexp.Compile(`\A(?:` + strings.Join(anchored, "|") + `)`)
		if err != nil {
			return nil
		}
		b.line = &lineMatcher{re: lr, first: first, every: nullable}
		if whole {
			b.line.bounds = lineBounds(lineAlts)
		}
		bs = append(bs, b)
	}
	// The smaller regexps first: on a text that matches, a short branch
	// (a literal) often answers before a long one runs.
	sizes := make(map[*regexp.Regexp]int, len(bs))
	for _, b := range bs {
		sizes[b.re] = progSize(b.re)
	}
	slices.SortStableFunc(bs, func(a, b branch) int { return sizes[a.re] - sizes[b.re] })
	return bs
}

// progSize returns the size of re's program, a measure of the cost of a
// run.
func progSize(re *regexp.Regexp) int {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return 0
	}
	prog, err := syntax.Compile(tree.Simplify())
	if err != nil {
		return 0
	}
	return len(prog.Inst)
}

// branchGates returns the literal sets of requiredAll(re) to check, the
// most selective first: those worth searching on their own, and when weak
// is set the others too, selective together (curl … | … sh needs the |
// and the sh) and cheaper than a run of the regexp they may spare.
func branchGates(re *syntax.Regexp, weak bool) [][]literal {
	var gates [][]literal
	for _, g := range requiredAll(re) {
		g = minimize(g)
		if !weak && !worthSearching(g) {
			continue
		}
		dup := false
		for _, h := range gates {
			dup = dup || slices.Equal(g, h)
		}
		if !dup {
			gates = append(gates, g)
		}
	}
	slices.SortStableFunc(gates, func(a, b []literal) int { return gateScore(b) - gateScore(a) })
	if len(gates) > maxBranchGates {
		gates = gates[:maxBranchGates]
	}
	return gates
}

// worthSearching reports whether a gate is selective enough to search for
// on its own: no literal of it is a character or two found in most text.
func worthSearching(ls []literal) bool {
	return gateScore(ls) >= 3
}

// lineMatcher runs a branch that matches within a line, anchored at its
// start, on the lines that can start a match: a pattern such as
// (?m)^\s*(/etc|/usr)/?\s*$ otherwise runs at every position of the text.
type lineMatcher struct {
	re    *regexp.Regexp // the branch anchored at the text's start (and end)
	first [256]bool      // the first bytes of a line holding a match
	every bool           // a match can be empty: every line can hold one
	// bounds are bytes a line holding a match holds at most n of, when
	// the match is the whole line ($ ends every alternative): a path
	// pattern's /, so that /home/bob/src/web need not run the regexp
	// for ^\s*/home/[^/]+/?\s*$.
	bounds []byteBound
}

// byteBound is a byte a line holding a match has at most n of.
type byteBound struct {
	c byte
	n int
}

// boundCandidates are the bytes whose count lineMatcher bounds, when a
// pattern does, common ones first.
const boundCandidates = "/ .\\-_:,=;|"

// maxBounds bounds the counts lineMatcher checks on a line.
const maxBounds = 2

// lineBounds returns the bounds of the bytes of boundCandidates that the
// whole-line alternatives alts have at most n of.
func lineBounds(alts []*syntax.Regexp) []byteBound {
	var bounds []byteBound
	for i := 0; i < len(boundCandidates) && len(bounds) < maxBounds; i++ {
		c := boundCandidates[i]
		n := 0
		for _, alt := range alts {
			n = max(n, maxCount(alt, c))
		}
		if n < unbounded {
			bounds = append(bounds, byteBound{c: c, n: n})
		}
	}
	return bounds
}

// unbounded is maxCount's answer when a match can hold any number of c.
const unbounded = 1 << 30

// maxCount returns how many of the ASCII byte c a match of re holds at
// most, unbounded when there is no bound (or re is not understood). An
// invalid byte is read as U+FFFD, never as c.
func maxCount(re *syntax.Regexp, c byte) int {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpNoMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			if r == rune(c) || re.Flags&syntax.FoldCase != 0 && foldsTo(r, rune(c)) {
				n++
			}
		}
		return n
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= rune(c) && rune(c) <= re.Rune[i+1] {
				return 1
			}
		}
		return 0
	case syntax.OpAnyCharNotNL:
		if c == '\n' {
			return 0
		}
		return 1
	case syntax.OpAnyChar:
		return 1
	case syntax.OpCapture, syntax.OpQuest:
		return maxCount(re.Sub[0], c)
	case syntax.OpStar, syntax.OpPlus:
		if maxCount(re.Sub[0], c) == 0 {
			return 0
		}
	case syntax.OpRepeat:
		n := maxCount(re.Sub[0], c)
		if n == 0 {
			return 0
		}
		if re.Max >= 0 && n < unbounded {
			return min(n*re.Max, unbounded)
		}
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n = min(n+maxCount(sub, c), unbounded)
		}
		return n
	case syntax.OpAlternate:
		n := 0
		for _, sub := range re.Sub {
			n = max(n, maxCount(sub, c))
		}
		return n
	}
	return unbounded
}

// foldsTo reports whether c is in the simple-fold orbit of r.
func foldsTo(r, c rune) bool {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f == c {
			return true
		}
	}
	return false
}

// maxLineRuns bounds the regexp runs of lineMatcher.match: past it the
// branch runs once on the whole text.
const maxLineRuns = 8

// match reports whether the branch, whole being its regexp on the whole
// text, matches in s.
func (l *lineMatcher) match(s string, whole *regexp.Regexp) bool {
	runs := 0
	for rest := s; ; {
		line, next, more := strings.Cut(rest, "\n")
		if l.candidate(line) {
			if runs == maxLineRuns {
				return whole.MatchString(s)
			}
			runs++
			if l.re.MatchString(line) {
				return true
			}
		}
		if !more {
			return false
		}
		rest = next
	}
}

// candidate reports whether line can hold a match.
func (l *lineMatcher) candidate(line string) bool {
	if !l.every && (len(line) == 0 || !l.first[line[0]]) {
		return false
	}
	for _, b := range l.bounds {
		if strings.Count(line, string(b.c)) > b.n {
			return false
		}
	}
	return true
}

// lineShape is the form of a branch that matches within a line.
type lineShape struct {
	anchored string    // the branch after ^, with \z for a final $: to run after \A on a line
	first    [256]bool // bytes that can start a match after the line's start
	nullable bool      // the branch can match at a line's start without consuming
	whole    bool      // a match is a whole line: the branch ends with $
}

// lineForm returns the line form of re when re is ^ (under (?m)) followed
// by pieces that cannot cross a line, but for a leading and a trailing run
// of single characters before a final $.
//
// Then a match in a text is a match in one of its lines (the text between
// newlines), and the other way round: the part of the leading run in the
// line holding the middle pieces is a run too, as is the trailing one's,
// and in a line ^ and $ hold at its ends only, \b and \B see the same
// non-word character at its ends as the newlines around it.
func lineForm(re *syntax.Regexp) (l lineShape, ok bool) {
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginLine {
		return l, false
	}
	subs := re.Sub[1:]
	lead, trail := 0, len(subs)
	if isCharRun(subs[0]) {
		lead = 1
	}
	atEnd := subs[len(subs)-1].Op == syntax.OpEndLine
	if atEnd {
		trail--
		if trail > lead && isCharRun(subs[trail-1]) {
			trail--
		}
	}
	for _, sub := range subs[lead:trail] {
		if crossesLine(sub) {
			return l, false
		}
	}
	body := subs
	if atEnd {
		body = subs[:len(subs)-1]
	}
	rest := &syntax.Regexp{Op: syntax.OpConcat, Flags: re.Flags, Sub: body}
	l.anchored = `(?:` + patternString(rest) + `)`
	if atEnd {
		l.anchored += `\z`
	}
	l.nullable = firstBytes(&l.first, rest)
	l.whole = atEnd
	return l, true
}

// requiredLiterals returns literals one of which every match of re
// contains, nil when it finds none worth searching for. A wrong answer here
// loses matches, so it only follows nodes every match of which contains a
// match of their sub-nodes: literals, concatenations, captures, repetitions
// of at least one, and alternations (one set per branch, joined).
//
// A case-folded literal (?i) is searched with containsFold: the regexp
// package matches a character of its Unicode simple-fold orbit, and every
// character of an orbit has the same foldRune (a test checks it), so
// containsFold finds every text the regexp can match, and more.
func requiredLiterals(re *syntax.Regexp) []literal {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == utf8.RuneError {
				// The regexp matches invalid UTF-8 as U+FFFD.
				return nil
			}
		}
		return []literal{{s: string(re.Rune), fold: re.Flags&syntax.FoldCase != 0 && folds(re.Rune)}}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []literal
		for _, sub := range re.Sub {
			if l := requiredLiterals(sub); l != nil && gateScore(l) > gateScore(best) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		var all []literal
		for _, sub := range re.Sub {
			l := requiredLiterals(sub)
			if l == nil || len(all)+len(l) > maxGateLiterals {
				return nil
			}
			all = append(all, l...)
		}
		return all
	}
	return nil
}

// gateScore rates a gate by its weakest literal, higher being cheaper to
// search for and more selective: an exact literal (strings.Contains, SIMD)
// beats a case-folded one, whose cost is the number of occurrences of its
// rarest character (see anchor); length breaks ties.
func gateScore(ls []literal) int {
	if len(ls) == 0 {
		return 0
	}
	score := 1 << 30
	for _, l := range ls {
		s := len(l.s)
		switch j := anchor(l.s); {
		case len(l.s) < 3 && !rareShort(l.s):
			// One or two characters ("." of `\.ssh` under (?i), "/")
			// occur in nearly every text: a gate of them gates nothing.
		case !l.fold:
			s += 100_000
		case j >= 0:
			s += 1000 * (1 + anchorRank(l.s[j]))
		}
		score = min(score, s)
	}
	return score
}

// isCharRun reports whether re is a run of single characters (x*), whose
// every part is a run too.
func isCharRun(re *syntax.Regexp) bool {
	if re.Op != syntax.OpStar {
		return false
	}
	switch sub := re.Sub[0]; sub.Op {
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	case syntax.OpLiteral:
		return len(sub.Rune) == 1
	}
	return false
}

// crossesLine reports whether re can match a newline, or holds an
// assertion (\A, \z) that tells a line from the text; true when unsure.
func crossesLine(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpNoMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpAnyCharNotNL:
		return false
	case syntax.OpLiteral:
		return slices.Contains(re.Rune, '\n')
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= '\n' && '\n' <= re.Rune[i+1] {
				return true
			}
		}
		return false
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat,
		syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range re.Sub {
			if crossesLine(sub) {
				return true
			}
		}
		return false
	}
	return true
}

// firstBytes adds to first the bytes a non-empty match of re can start
// with, and reports whether re can match without consuming. A character
// past ASCII adds every byte from 0x80: the regexp reads an invalid byte as
// U+FFFD.
func firstBytes(first *[256]bool, re *syntax.Regexp) (nullable bool) {
	addRange := func(lo, hi rune) {
		for c := lo; c <= min(hi, utf8.RuneSelf-1); c++ {
			first[c] = true
		}
		if hi >= utf8.RuneSelf {
			for c := utf8.RuneSelf; c < 256; c++ {
				first[c] = true
			}
		}
	}
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpNoMatch:
		return false
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return true
		}
		r := re.Rune[0]
		addRange(r, r)
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				addRange(f, f)
			}
		}
		return false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			addRange(re.Rune[i], re.Rune[i+1])
		}
		return false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		addRange(0, unicode.MaxRune)
		return false
	case syntax.OpCapture, syntax.OpPlus:
		return firstBytes(first, re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		firstBytes(first, re.Sub[0])
		return true
	case syntax.OpRepeat:
		return firstBytes(first, re.Sub[0]) || re.Min == 0
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !firstBytes(first, sub) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if firstBytes(first, sub) {
				nullable = true
			}
		}
		return nullable
	}
	addRange(0, unicode.MaxRune)
	return true
}

// maxFinite bounds the strings of a piece finite lists, and of a run of
// them joined by requiredAll.
const maxFinite = 16

// maxFiniteClass bounds the characters of a class finite lists.
const maxFiniteClass = 3

// requiredAll returns literal sets every match of re contains one literal
// of each of, from the pieces every match goes through (requiredLiterals'
// nodes). Consecutive pieces matching a few strings each (finite) are
// joined: `i(wr|rm)` gives iwr and irm, not wr and rm.
func requiredAll(re *syntax.Regexp) [][]literal {
	if f, ok := finite(re); ok {
		if hasEmpty(f) {
			return nil
		}
		return [][]literal{f}
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return requiredAll(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredAll(re.Sub[0])
		}
	case syntax.OpConcat:
		var sets [][]literal
		var run []literal
		flush := func() {
			if run != nil && !hasEmpty(run) {
				sets = append(sets, run)
			}
			run = nil
		}
		for _, sub := range re.Sub {
			f, ok := finite(sub)
			switch {
			case !ok:
				flush()
				sets = append(sets, requiredAll(sub)...)
			case run == nil:
				run = f
			default:
				if p := product(run, f); p != nil {
					run = p
				} else {
					flush()
					run = f
				}
			}
		}
		flush()
		return sets
	case syntax.OpAlternate:
		var all []literal
		for _, sub := range re.Sub {
			best := bestSet(requiredAll(sub))
			if best == nil || len(all)+len(best) > maxGateLiterals {
				return nil
			}
			all = append(all, best...)
		}
		return [][]literal{all}
	}
	return nil
}

// finite returns the strings re matches when they are at most maxFinite,
// "" for an assertion.
func finite(re *syntax.Regexp) ([]literal, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []literal{{}}, true
	case syntax.OpLiteral:
		if slices.Contains(re.Rune, utf8.RuneError) {
			// The regexp matches invalid UTF-8 as U+FFFD.
			return nil, false
		}
		return []literal{{s: string(re.Rune), fold: re.Flags&syntax.FoldCase != 0 && folds(re.Rune)}}, true
	case syntax.OpCharClass:
		// A class of a few characters ([/\\], ["']) joins its neighbours;
		// a larger one (\s) would multiply them for little.
		var out []literal
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) == maxFiniteClass || r == utf8.RuneError || !utf8.ValidRune(r) {
					return nil, false
				}
				out = append(out, literal{s: string(r)})
			}
		}
		return out, true
	case syntax.OpCapture:
		return finite(re.Sub[0])
	case syntax.OpQuest:
		f, ok := finite(re.Sub[0])
		if !ok || len(f) == maxFinite {
			return nil, false
		}
		return append(f, literal{}), true
	case syntax.OpAlternate:
		var out []literal
		for _, sub := range re.Sub {
			f, ok := finite(sub)
			if !ok || len(out)+len(f) > maxFinite {
				return nil, false
			}
			out = append(out, f...)
		}
		return out, true
	case syntax.OpConcat:
		out := []literal{{}}
		for _, sub := range re.Sub {
			f, ok := finite(sub)
			if !ok {
				return nil, false
			}
			if out = product(out, f); out == nil {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// product returns the strings of a followed by those of b, nil when more
// than maxFinite. A joined string is folded when a part is: containsFold
// finds what an exact comparison does, and more.
func product(a, b []literal) []literal {
	if len(a)*len(b) > maxFinite {
		return nil
	}
	out := make([]literal, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, literal{s: x.s + y.s, fold: x.fold || y.fold})
		}
	}
	return out
}

// minimize drops from a gate's literals those holding another: a text
// holding the longer holds the shorter.
func minimize(ls []literal) []literal {
	var out []literal
	for i, x := range ls {
		redundant := false
		for j, y := range ls {
			if i == j || len(y.s) > len(x.s) || len(y.s) == len(x.s) && j > i {
				continue
			}
			if y.fold && containsFold(x.s, y.s) || !y.fold && !x.fold && strings.Contains(x.s, y.s) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, x)
		}
	}
	return out
}

func hasEmpty(ls []literal) bool {
	for _, l := range ls {
		if l.s == "" {
			return true
		}
	}
	return false
}

// bestSet returns the set of sets gateScore rates highest, the first of
// equals.
func bestSet(sets [][]literal) []literal {
	var best []literal
	for _, s := range sets {
		if gateScore(s) > gateScore(best) {
			best = s
		}
	}
	return best
}

// folds reports whether (?i) changes what a literal of rs matches: whether
// one of them has another case. A literal without is searched exactly.
func folds(rs []rune) bool {
	for _, r := range rs {
		if unicode.SimpleFold(r) != r {
			return true
		}
	}
	return false
}

// rareShort reports whether a literal of two bytes is still worth
// searching for: punctuation only (`..`, `$(`, `&&`), rare in
// ordinary text and the very signal of path and shell patterns.
func rareShort(s string) bool {
	if len(s) != 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c <= ' ' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			return false
		}
	}
	return true
}

// globToRegexp translates a glob into an anchored regular expression: *
// matches any run of characters but /, ** any run including /, ? one
// character but /, [abc], [a-z] and [!a-z] (or [^a-z]) a class; a backslash
// quotes the next character.
func globToRegexp(glob string) (string, error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(glob); {
		c := glob[i]
		switch c {
		case '*':
			if i+1 < len(glob) && glob[i+1] == '*' {
				for i < len(glob) && glob[i] == '*' {
					i++
				}
				b.WriteString(`.*`)
				continue
			}
			b.WriteString(`[^/]*`)
			i++
		case '?':
			b.WriteString(`[^/]`)
			i++
		case '[':
			j := i + 1
			if j < len(glob) && (glob[j] == '!' || glob[j] == '^') {
				j++
			}
			if j < len(glob) && glob[j] == ']' {
				j++ // a ] first in the class is literal
			}
			for j < len(glob) && glob[j] != ']' {
				j++
			}
			if j >= len(glob) {
				return "", fmt.Errorf("unclosed [ at offset %d", i)
			}
			body := glob[i+1 : j]
			b.WriteByte('[')
			if body[0] == '!' || body[0] == '^' {
				b.WriteByte('^')
				body = body[1:]
			}
			for k, r := range body {
				if r == '-' && k > 0 && k < len(body)-1 {
					b.WriteByte('-')
					continue
				}
				if strings.ContainsRune(`\[]^-`, r) {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte(']')
			i = j + 1
		case '\\':
			i++
			if i >= len(glob) {
				b.WriteString(`\\`)
				continue
			}
			r, n := utf8.DecodeRuneInString(glob[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += n
		default:
			r, n := utf8.DecodeRuneInString(glob[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += n
		}
	}
	b.WriteByte('$')
	return b.String(), nil
}

func newGlob(glob string) (*matcher, error) {
	re, err := globToRegexp(glob)
	if err != nil {
		return nil, err
	}
	m, err := newMatcher(re)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: %q", se.Code, se.Expr)
		}
		return nil, err
	}
	return m, nil
}

// stringSet is a constant list of in_list, built at load.
type stringSet struct {
	m map[string]struct{}
}

func newStringSet(list []string) *stringSet {
	s := &stringSet{m: make(map[string]struct{}, len(list))}
	for _, v := range list {
		s.m[v] = struct{}{}
	}
	return s
}

func (s *stringSet) has(v string) bool {
	if s == nil {
		return false
	}
	_, ok := s.m[v]
	return ok
}

// foldList is a constant list of icontains_any, folded at load.
type foldList struct {
	needles []string
	anchors []int        // anchor of each needle
	empty   bool         // a needle is "": every string contains it
	m       *foldMatcher // all the needles in one automaton; nil when none or too many
}

func newFoldList(list []string) *foldList {
	l := &foldList{}
	var canon []string
	for _, v := range list {
		f := foldString(v)
		if f == "" {
			l.empty = true
			continue
		}
		l.needles = append(l.needles, f)
		l.anchors = append(l.anchors, anchor(f))
		// containsFold compares foldRune of the needle's characters,
		// which f holds folded once more.
		canon = append(canon, foldString(f))
	}
	if !l.empty {
		l.m = newFoldMatcher(canon)
	}
	return l
}

// in reports whether s contains one of the needles, ignoring case: with
// the automaton when it can answer, else needle by needle.
func (l *foldList) in(s string) bool {
	if l == nil {
		return false
	}
	if l.empty {
		return true
	}
	if l.m != nil {
		if found, exact := l.m.contains(s); exact {
			return found
		}
	}
	return l.inEach(s)
}

// inEach is in searching for each needle in turn, the reference the
// automaton answers as.
func (l *foldList) inEach(s string) bool {
	if l == nil {
		return false
	}
	if l.empty {
		return true
	}
	for i, n := range l.needles {
		if containsFoldAt(s, n, l.anchors[i]) {
			return true
		}
	}
	return false
}

// domainSet is a constant list of domain_matches, normalised at load.
type domainSet struct {
	m map[string]struct{}
}

func newDomainSet(list []string) *domainSet {
	s := &domainSet{m: make(map[string]struct{}, len(list))}
	for _, v := range list {
		if d := normDomainPattern(v); d != "" {
			s.m[d] = struct{}{}
		}
	}
	return s
}

// matches reports whether the normalised domain d, or one of its parent
// domains, is in the set.
func (s *domainSet) matches(d string) bool {
	if s == nil {
		return false
	}
	for d != "" {
		if _, ok := s.m[d]; ok {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return false
		}
		d = d[i+1:]
	}
	return false
}

// normDomain lower-cases a domain and drops a final dot.
func normDomain(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	return strings.ToLower(s)
}

// normDomainPattern normalises an element of a domain list: "*.example.com"
// and ".example.com" mean example.com and its subdomains, as example.com
// does.
func normDomainPattern(s string) string {
	s = normDomain(s)
	s = strings.TrimPrefix(s, "*.")
	s = strings.TrimPrefix(s, ".")
	return s
}

// prefixSet is the constant CIDR list of cidr_match, parsed at load.
type prefixSet struct {
	prefixes []netip.Prefix
}

// newPrefixSet parses CIDRs; a bare address is a prefix of its full length.
func newPrefixSet(list []string) (*prefixSet, error) {
	s := &prefixSet{}
	for _, v := range list {
		v = strings.TrimSpace(v)
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, fmt.Errorf("bad CIDR %q", v)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), unmapBits(p)).Masked()
			s.prefixes = append(s.prefixes, p)
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("bad CIDR %q", v)
		}
		a = a.Unmap()
		s.prefixes = append(s.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return s, nil
}

// unmapBits is the prefix length of p once an IPv4-mapped address is
// written as IPv4.
func unmapBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		return max(p.Bits()-96, 0)
	}
	return p.Bits()
}

func (s *prefixSet) contains(ip string) bool {
	if s == nil {
		return false
	}
	a, ok := parseIP(ip)
	if !ok {
		return false
	}
	for _, p := range s.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseIP parses an IPv4 or IPv6 address, dropping a zone and writing an
// IPv4-mapped address as IPv4.
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// jsonPath is a parsed path of json_path: keys separated by dots, [n]
// indexes, and ["key"] for keys holding dots or brackets.
type jsonPath struct {
	steps []pathStep
}

type pathStep struct {
	key   string
	index int // -1 for a key
}

func parsePath(s string) (*jsonPath, error) {
	if s == "" {
		return nil, errors.New("empty path")
	}
	p := &jsonPath{}
	i := 0
	for i < len(s) {
		switch s[i] {
		case '[':
			j := strings.IndexByte(s[i:], ']')
			if i+1 < len(s) && s[i+1] == '"' {
				// A quoted key: find the closing quote, then ].
				q, err := strconv.QuotedPrefix(s[i+1:])
				if err != nil {
					return nil, fmt.Errorf("bad quoted key at offset %d", i)
				}
				end := i + 1 + len(q)
				if end >= len(s) || s[end] != ']' {
					return nil, fmt.Errorf("missing ] at offset %d", end)
				}
				key, _ := strconv.Unquote(q)
				p.steps = append(p.steps, pathStep{key: key, index: -1})
				i = end + 1
				break
			}
			if j < 0 {
				return nil, fmt.Errorf("missing ] after offset %d", i)
			}
			n, err := strconv.Atoi(s[i+1 : i+j])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad index %q: want a number from 0", s[i+1:i+j])
			}
			p.steps = append(p.steps, pathStep{index: n})
			i += j + 1
		case '.':
			if i == 0 || i+1 >= len(s) || s[i+1] == '.' {
				return nil, fmt.Errorf("empty key at offset %d", i)
			}
			i++
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			p.steps = append(p.steps, pathStep{key: s[i:j], index: -1})
			i = j
		}
	}
	return p, nil
}

// lookup returns the value at the path in v, nil when absent.
func (p *jsonPath) lookup(v any) any {
	if p == nil {
		return nil
	}
	for _, st := range p.steps {
		if st.index < 0 {
			switch m := v.(type) {
			case map[string]any:
				v = m[st.key]
			case map[string]string:
				s, ok := m[st.key]
				if !ok {
					return nil
				}
				v = s
			default:
				return nil
			}
			continue
		}
		switch a := v.(type) {
		case []any:
			if st.index >= len(a) {
				return nil
			}
			v = a[st.index]
		case []string:
			if st.index >= len(a) {
				return nil
			}
			v = a[st.index]
		case []map[string]any:
			if st.index >= len(a) {
				return nil
			}
			v = a[st.index]
		default:
			if ss, ok := stringsOf(v); ok && st.index < len(ss) {
				v = ss[st.index]
				continue
			}
			return nil
		}
	}
	return v
}

// contextGate is a set of exact literals every match of a branch holds
// between a character of before (or the start of a line, of the text, when
// lineStart, textStart) and one of after, when they are known: in
// (?m)(^|[\s;&|(])git\s, git after a space, ;, &, |, ( or a line's start
// and before a space; github.com has none.
type contextGate struct {
	lits                 []string
	before, after        [256]bool
	checkBefore          bool // false: anything may come before
	lineStart, textStart bool // nothing before is fine at a line's, the text's start
	checkAfter           bool // false: anything may come after
}

// in reports whether s holds one of the literals in its context.
func (g *contextGate) in(s string) bool {
	for _, l := range g.lits {
		for from := 0; ; {
			i := strings.Index(s[from:], l)
			if i < 0 {
				break
			}
			i += from
			if g.fits(s, i, i+len(l)) {
				return true
			}
			from = i + 1
		}
	}
	return false
}

// fits reports whether s[i:j] has the gate's context.
func (g *contextGate) fits(s string, i, j int) bool {
	if g.checkBefore {
		switch {
		case i == 0:
			if !g.textStart && !g.lineStart {
				return false
			}
		case !g.before[s[i-1]] && !(g.lineStart && s[i-1] == '\n'):
			return false
		}
	}
	return !g.checkAfter || j < len(s) && g.after[s[j]]
}

// newContextGate returns the context gate of re, nil when it has none: re
// is a concatenation holding a run of pieces matching a few exact strings
// (finite) with a piece of one character (or a line's or the text's start)
// before it, or one of one character after it.
func newContextGate(re *syntax.Regexp) *contextGate {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpConcat {
		return nil
	}
	var best *contextGate
	bestScore := 0
	subs := re.Sub
	for i := 0; i < len(subs); {
		// The run of finite pieces from i.
		run, j := []literal(nil), i
		for ; j < len(subs); j++ {
			f, ok := finite(subs[j])
			if !ok {
				break
			}
			if run == nil {
				run = f
			} else if run = product(run, f); run == nil {
				break
			}
		}
		if j == i || run == nil {
			i = max(j, i+1)
			continue
		}
		g := &contextGate{}
		exact := !hasEmpty(run)
		for _, l := range run {
			exact = exact && !l.fold
			g.lits = append(g.lits, l.s)
		}
		if i > 0 {
			g.checkBefore = charBefore(g, subs[i-1])
		}
		if j < len(subs) {
			g.checkAfter = !firstBytes(&g.after, subs[j])
		}
		if score := gateScore(run); exact && (g.checkBefore || g.checkAfter) && score > bestScore {
			best, bestScore = g, score
		}
		i = j
	}
	return best
}

// charBefore sets g's before context from re, the piece before its
// literals, reporting whether re constrains it: one character, or an
// alternation of characters and line or text starts.
func charBefore(g *contextGate, re *syntax.Regexp) bool {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	alts := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		alts = re.Sub
	}
	for _, a := range alts {
		for a.Op == syntax.OpCapture {
			a = a.Sub[0]
		}
		switch a.Op {
		case syntax.OpBeginLine:
			g.lineStart = true
		case syntax.OpBeginText:
			g.textStart = true
		case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			// firstBytes of one character holds its last byte too: an
			// ASCII character is one byte, the others end in 0x80-0xBF.
			firstBytes(&g.before, a)
		case syntax.OpLiteral:
			if len(a.Rune) != 1 {
				return false
			}
			firstBytes(&g.before, a)
		default:
			return false
		}
	}
	return true
}

// Placeholders for patternString: runes of the last private use plane, not
// printable, so that String writes them \x{10xxxx}.
const (
	placeholder    = 0x100000
	maxPlaceholder = 0x10FFFD
)

// patternString returns the text of re, as re.String does. String spends
// milliseconds on a large class (it runs SimpleFold on each of its
// characters to choose the (?i) around it), so patternString has it write
// a placeholder for each, and writes those classes itself, as ranges that
// (?-i) keeps from folding again.
func patternString(re *syntax.Regexp) string {
	var classes []*syntax.Regexp
	ok := true
	var swap func(re *syntax.Regexp) *syntax.Regexp
	swap = func(re *syntax.Regexp) *syntax.Regexp {
		switch re.Op {
		case syntax.OpLiteral, syntax.OpCharClass:
			for _, r := range re.Rune {
				if r >= placeholder {
					ok = ok && re.Op == syntax.OpCharClass && isLargeClass(re)
				}
			}
			if re.Op == syntax.OpCharClass && isLargeClass(re) && placeholder+len(classes) <= maxPlaceholder {
				classes = append(classes, re)
				return &syntax.Regexp{Op: syntax.OpLiteral, Rune: []rune{rune(placeholder + len(classes) - 1)}}
			}
			return re
		}
		if len(re.Sub) == 0 {
			return re
		}
		c := *re
		c.Sub = make([]*syntax.Regexp, len(re.Sub))
		for i, sub := range re.Sub {
			c.Sub[i] = swap(sub)
		}
		return &c
	}
	swapped := swap(re)
	if !ok || len(classes) == 0 {
		return re.String()
	}
	text := swapped.String()
	for i, class := range classes {
		mark := `\x{` + strconv.FormatInt(int64(placeholder+i), 16) + `}`
		if strings.Count(text, mark) != 1 {
			return re.String()
		}
		var b strings.Builder
		b.WriteString(`(?-i:[`)
		for j := 0; j+1 < len(class.Rune); j += 2 {
			fmt.Fprintf(&b, `\x{%x}-\x{%x}`, class.Rune[j], class.Rune[j+1])
		}
		b.WriteString(`])`)
		text = strings.Replace(text, mark, b.String(), 1)
	}
	return text
}

// isLargeClass reports whether re is a class String is slow to write: one
// of more than a few hundred characters, or with some past U+FFFF.
func isLargeClass(re *syntax.Regexp) bool {
	n := 0
	for i := 0; i+1 < len(re.Rune); i += 2 {
		n += int(re.Rune[i+1]-re.Rune[i]) + 1
	}
	return len(re.Rune) > 0 && (n > 256 || re.Rune[len(re.Rune)-1] >= placeholder)
}
