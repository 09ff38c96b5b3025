package content

import "slices"

// automaton is an Aho-Corasick automaton compiled into a dense DFA over byte
// classes. It is built once and never changes, so any number of goroutines
// may scan with it at once.
//
// The package does not use github.com/cloudflare/ahocorasick: its Match
// returns only dictionary indexes (no positions, which evidence spans and
// the cue-pair rules need), allocates its result on every call, and spends
// two [256]*node arrays (4 KiB) per trie node, which for this vocabulary
// (some 1,300 phrases, 10,000 trie nodes) is 40 MiB.
//
// A DFA walk is a chain of dependent loads, so its speed is set by how
// much of the table stays in the L1 cache and by the instructions around
// each load:
//
//   - There are 32 byte classes: the 26 letters (either case), white
//     space, markdown marks, and three classes for brackets, sentence
//     punctuation and other symbols and digits; class 0 takes the bytes no
//     pattern uses. A state's row is 32 uint16 entries, one 64-byte cache
//     line. Bytes that share a class are told apart when a candidate match
//     is checked against its pattern.
//   - uint16 state numbers; states that end a pattern are numbered last, so
//     "does a pattern end here" is one comparison.
//   - From 256 bytes on, four quarters of the text are walked in the same
//     loop, in a function that makes no calls and indexes the table
//     through an array pointer (no bounds checks), so the CPU overlaps the
//     four chains of loads (see scan).
//   - Most states reached through a digit or a symbol end only patterns
//     with one particular last byte ("@"); a bit set per state of the bytes
//     its patterns may end with (mayEnd) spares the check of the pattern
//     at the other bytes of the class.
//
// With collapse set (the phrase automaton), a run of white space matches a
// single space of a pattern and the markdown marks '*' and '`' are
// skipped, so the automaton can run on raw text as well as on normalised
// text: "**Ignore**   previous" matches "ignore previous".
type automaton struct {
	class    [256]uint8
	delta    []uint16 // delta[state<<classBits|class]
	firstOut uint16   // states >= firstOut end at least one pattern
	outStart []uint32 // outs[outStart[s-firstOut]:outStart[s-firstOut+1]]
	outs     []uint16 // pattern indexes, own and via dictionary suffixes
	pats     []string
	exact    []bool // pattern has only letters and spaces: no check needed
	maxLen   int
	collapse bool
	// lastID[s-firstOut] indexes lastSets: the bytes that can end a match
	// of one of the patterns of state s (see mayEnd).
	lastID   []uint8
	lastSets [][4]uint64
	// split is set when the byte 0 leads the root to itself, so a walk
	// over a run of zero bytes stays in the root (see scanSplit).
	split bool
}

const (
	classBits  = 5
	classSpace = 27
	classMark  = 28
	// maxStates bounds the automaton; the transition table's capacity is
	// maxStates rows, so the hot loop can index it through an array
	// pointer without bounds checks (rows past the used ones are never
	// touched, so they cost address space, not memory).
	maxStates = 1 << 15
)

// byteClass is the class layout described above.
func byteClass(c byte, collapse bool) uint8 {
	switch {
	case 'a' <= c && c <= 'z':
		return 1 + c - 'a'
	case 'A' <= c && c <= 'Z':
		return 1 + c - 'A'
	case isSpaceByte(c):
		return classSpace
	case collapse && (c == '*' || c == '`'):
		return classMark
	case c == '<' || c == '>' || c == '[' || c == ']' || c == '(' || c == ')' ||
		c == '{' || c == '}' || c == '|':
		return 29
	case c == '.' || c == ',' || c == ':' || c == ';' || c == '!' || c == '?':
		return 30
	case c > ' ' && c < 0x7F:
		return 31
	}
	return 0
}

// wideByteClass spreads the bytes of UTF-8 sequences over the classes (the
// wide automaton's patterns are all checked against the text anyway).
func wideByteClass(c byte, collapse bool) uint8 {
	if c >= 0x80 {
		return 1 + c%31
	}
	return byteClass(c, collapse)
}

// isSpaceByte reports ASCII white space: ' ' and '\t' '\n' '\v' '\f' '\r',
// which are 9 to 13, so two comparisons.
func isSpaceByte(c byte) bool {
	return c == ' ' || c-'\t' <= '\r'-'\t'
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// buildAutomaton compiles pats (lower-case where letters, non-empty, fewer
// than 65536, no double spaces) with the byte classes of classOf. Matching
// ignores ASCII case. The transition table gets capacity for maxStates
// rows, which the four-walk loop needs.
func buildAutomaton(pats []string, collapse bool, classOf func(byte, bool) uint8) *automaton {
	a := &automaton{pats: pats, exact: make([]bool, len(pats)), collapse: collapse}
	for c := 0; c < 256; c++ {
		a.class[c] = classOf(byte(c), collapse)
	}
	const nc = 1 << classBits
	type tnode struct {
		next [nc]int32
		out  []uint16
		last uint8 // class of the byte that leads here
	}
	nodes := []tnode{{}}
	for pi, p := range pats {
		if len(p) > a.maxLen {
			a.maxLen = len(p)
		}
		a.exact[pi] = true
		s := int32(0)
		for i := 0; i < len(p); i++ {
			if !('a' <= p[i] && p[i] <= 'z') && p[i] != ' ' {
				a.exact[pi] = false
			}
			c := a.class[p[i]]
			nx := nodes[s].next[c]
			if nx == 0 {
				nx = int32(len(nodes))
				nodes = append(nodes, tnode{last: c})
				nodes[s].next[c] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, uint16(pi))
	}

	// Breadth-first failure links; delta holds trie node numbers for now.
	ns := len(nodes)
	delta := make([]int32, ns*nc)
	fail := make([]int32, ns)
	queue := make([]int32, 0, ns)
	for c := 0; c < nc; c++ {
		if nx := nodes[0].next[c]; nx != 0 {
			delta[c] = nx
			queue = append(queue, nx)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		nodes[s].out = append(nodes[s].out, nodes[fail[s]].out...)
		for c := 0; c < nc; c++ {
			f := delta[int(fail[s])*nc+c]
			if nx := nodes[s].next[c]; nx != 0 {
				fail[nx] = f
				delta[int(s)*nc+c] = nx
				queue = append(queue, nx)
			} else {
				delta[int(s)*nc+c] = f
			}
		}
	}
	if collapse {
		// Skip markdown marks everywhere, and stay put on more white space
		// after white space: patterns have single spaces only, so this is
		// the automaton of the text with runs collapsed.
		for s := 0; s < ns; s++ {
			delta[s*nc+classMark] = int32(s)
			if nodes[s].last == classSpace || s == 0 {
				delta[s*nc+classSpace] = int32(s)
			}
		}
	}

	// Renumber: states without output from 0 (the root stays 0), states
	// with output from firstOut, a power of two with every state below
	// 2*firstOut, so "either state ends a pattern" is (s1|s2) >= firstOut.
	nout := 0
	for s := 0; s < ns; s++ {
		if len(nodes[s].out) > 0 {
			nout++
		}
	}
	first := 1
	for first < ns-nout || first < nout {
		first <<= 1
	}
	if 2*first > maxStates {
		panic("content: automaton too large")
	}
	id := make([]uint16, ns)
	byID := make([]int32, 2*first)
	lo, hi := 0, first
	for s := 0; s < ns; s++ {
		if len(nodes[s].out) == 0 {
			id[s] = uint16(lo)
			lo++
		} else {
			id[s] = uint16(hi)
			hi++
		}
		byID[id[s]] = int32(s)
	}
	a.firstOut = uint16(first)
	a.delta = make([]uint16, hi<<classBits, maxStates<<classBits)
	for s := 0; s < ns; s++ {
		for c := 0; c < nc; c++ {
			a.delta[int(id[s])<<classBits|c] = id[delta[s*nc+c]]
		}
	}
	a.outStart = make([]uint32, 0, hi-first+1)
	for k := first; k < hi; k++ {
		a.outStart = append(a.outStart, uint32(len(a.outs)))
		a.outs = append(a.outs, nodes[byID[k]].out...)
	}
	a.outStart = append(a.outStart, uint32(len(a.outs)))
	a.buildLast()
	a.split = a.delta[a.class[0]] == 0
	return a
}

// buildLast fills lastID and lastSets. emit finds no match in state s at
// a byte outside the set of s: matchBack and sameFold compare the last
// byte of each pattern with the text first, ignoring case, and matchBack
// takes any white space for a space; an exact pattern of an automaton
// without collapse is not checked, so it allows every byte.
func (a *automaton) buildLast() {
	ids := map[[4]uint64]uint8{}
	for k := 0; k+1 < len(a.outStart); k++ {
		var set [4]uint64
		for _, p := range a.outs[a.outStart[k]:a.outStart[k+1]] {
			pat := a.pats[p]
			last := pat[len(pat)-1]
			for c := 0; c < 256; c++ {
				b := byte(c)
				ok := b == last || lower(b) == last
				switch {
				case !a.collapse && a.exact[p]:
					ok = true
				case a.collapse && last == ' ':
					ok = isSpaceByte(b)
				}
				if ok {
					set[c>>6] |= 1 << (c & 63)
				}
			}
		}
		id, ok := ids[set]
		if !ok {
			if len(a.lastSets) == 256 {
				panic("content: too many final-byte sets")
			}
			id = uint8(len(a.lastSets))
			ids[set] = id
			a.lastSets = append(a.lastSets, set)
		}
		a.lastID = append(a.lastID, id)
	}
}

// mayEnd reports whether a pattern of state s (s >= firstOut) can end
// with byte c. Most states reached through a digit or a symbol end only
// patterns with one particular last byte ("@"), so this spares the call
// of emit at most of them.
func (a *automaton) mayEnd(s uint16, c byte) bool {
	set := &a.lastSets[a.lastID[s-a.firstOut]]
	return set[c>>6]>>(c&63)&1 != 0
}

// hitFunc receives a match of pattern pat at text[start:end]; it returns
// false to stop the scan.
type hitFunc func(pat, start, end int) bool

// emit reports the patterns ending at end in state s (s >= firstOut) after
// finding where each starts and checking bytes that share a class.
func emit[T string | []byte](a *automaton, text T, s uint16, end int, hit hitFunc) bool {
	k := int(s - a.firstOut)
	for _, p := range a.outs[a.outStart[k]:a.outStart[k+1]] {
		pat := a.pats[p]
		start := end - len(pat)
		switch {
		case a.collapse:
			var ok bool
			if start, ok = matchBack(a, text, end, pat); !ok {
				continue
			}
		case !a.exact[p]:
			if !sameFold(text[start:end], pat) {
				continue
			}
		}
		if !hit(int(p), start, end) {
			return false
		}
	}
	return true
}

// sameFold compares text with a lower-case pattern, ignoring ASCII case.
func sameFold[T string | []byte](text T, pat string) bool {
	for i := 0; i < len(pat); i++ {
		if c := text[i]; c != pat[i] && lower(c) != pat[i] {
			return false
		}
	}
	return true
}

// matchBack matches pat backwards from end, as the collapsing automaton
// does forwards (any white space run for a space, markdown marks skipped,
// case ignored), and returns where the match starts.
func matchBack[T string | []byte](a *automaton, text T, end int, pat string) (int, bool) {
	i := end
	for j := len(pat) - 1; j >= 0; j-- {
		p := pat[j]
		if j < len(pat)-1 {
			for i > 0 && a.class[text[i-1]] == classMark {
				i--
			}
		}
		if i == 0 {
			return 0, false
		}
		if p == ' ' {
			if !isSpaceByte(text[i-1]) {
				return 0, false
			}
			for i > 0 && (isSpaceByte(text[i-1]) || a.class[text[i-1]] == classMark) {
				i--
			}
			continue
		}
		if c := text[i-1]; c != p && lower(c) != p {
			return 0, false
		}
		i--
	}
	return i, true
}

// event is a step at which at least one of the four walks of walk4 was in
// a state that ends a pattern.
type event struct {
	k  int32
	st [4]uint16
}

// walk4 runs four DFA walks in step over t[0..3] (of equal length) from
// offset k, recording in ev every step where any walk reaches a state that
// ends a pattern. It stops at the end of the texts or when ev is full, and
// returns the next offset and the number of events; st holds the states.
// It makes no calls and indexes the table through an array pointer (no
// bounds checks), so the states stay in registers and the CPU overlaps the
// four chains of dependent loads, which is what bounds a DFA walk.
func walk4(delta []uint16, class *[256]uint8, first uint32, t *[4][]byte, k int, st *[4]uint32, ev *[64]event) (int, int) {
	const mask = maxStates<<classBits - 1
	d := (*[maxStates << classBits]uint16)(delta[:maxStates<<classBits])
	cls := class
	_ = cls[0]
	t0 := t[0]
	t1, t2, t3 := t[1][:len(t0)], t[2][:len(t0)], t[3][:len(t0)]
	s0, s1, s2, s3 := st[0], st[1], st[2], st[3]
	n := 0
	for ; k < len(t0); k++ {
		s0 = uint32(d[(s0<<classBits|uint32(cls[t0[k]]))&mask])
		s1 = uint32(d[(s1<<classBits|uint32(cls[t1[k]]))&mask])
		s2 = uint32(d[(s2<<classBits|uint32(cls[t2[k]]))&mask])
		s3 = uint32(d[(s3<<classBits|uint32(cls[t3[k]]))&mask])
		if s0|s1|s2|s3 >= first {
			ev[n&63] = event{int32(k), [4]uint16{uint16(s0), uint16(s1), uint16(s2), uint16(s3)}}
			if n++; n == len(ev) {
				k++
				break
			}
		}
	}
	st[0], st[1], st[2], st[3] = s0, s1, s2, s3
	return k, n
}

// walk1 walks one text from offset k in state s until a state that ends a
// pattern, and returns that offset (len(t) when none) and the state.
func walk1[T string | []byte](delta []uint16, class *[256]uint8, first uint32, t T, k int, s uint32) (int, uint32) {
	for ; k < len(t); k++ {
		s = uint32(delta[s<<classBits|uint32(class[t[k]])])
		if s >= first {
			return k, s
		}
	}
	return k, s
}

// scanOne is scan with a single walk.
func scanOne[T string | []byte](a *automaton, text T, hit hitFunc) {
	first := uint32(a.firstOut)
	var s uint32
	for k := 0; k < len(text); k++ {
		if k, s = walk1(a.delta, &a.class, first, text, k, s); k == len(text) {
			return
		}
		if a.mayEnd(uint16(s), text[k]) && !emit(a, text, uint16(s), k+1, hit) {
			return
		}
	}
}

// scratch is the reusable memory of scanSplit.
type scratch struct {
	z  []byte  // the text between runs of zero bytes
	ev []event // the steps where a walk ended a pattern
}

// splitMin is the shortest text scanSplit takes: below it, the overlaps
// cost more than the four walks save.
const splitMin = 256

// splitOverlap bounds how far before its quarter each walk of scanSplit
// starts. A longer lead-in would let a walk catch up inside a long phrase
// that straddles the boundary, but it is walked four times per text (a
// seventh of the steps of a 1 KiB text at maxLen+4), whereas the partial
// match that a shorter one misses is rare in any text and costs only the
// single-walk catch-up, a few bytes until the walks agree.
const splitOverlap = 16

// splitMax bounds the copy scanSplit makes; longer texts are walked once.
const splitMax = 1 << 20

// scan calls hit for every occurrence of every pattern in text, in the
// order of one walk: by end offset. It stops when hit returns false. With
// sc nil, or for a text shorter than splitMin or longer than splitMax, it
// walks the text once; otherwise it walks four quarters at once
// (scanSplit), which reports exactly what one walk reports. Either way the
// result is that of one walk, whatever the size of the text.
func scan[T string | []byte](a *automaton, text T, hit hitFunc, sc *scratch) {
	n := len(text)
	if sc != nil && n >= splitMin && n <= splitMax && a.split {
		scanSplit(a, text, hit, sc)
		return
	}
	scanOne(a, text, hit)
}

// scanSplit walks the four quarters of text at once and reports the
// matches quarter by quarter, so in the order of one walk. Each walk
// starts ov bytes before its quarter, in the root; by the start of the
// quarter it has almost always reached the state the walk over the whole
// text is in there, since that state stands for the longest end of the
// text read so far that begins a pattern, which in prose is a word or two
// (see splitOverlap). The walks are checked, not trusted: walk j ends
// where quarter j+1 starts, so its state there must be the one walk j+1
// reached. Where they differ (a match stretched by a long run of white
// space or markdown marks, or a long phrase, across the boundary), a
// single walk takes over from the boundary until walk j+1 has caught up
// with it (see below), and scanSplit returns false; it returns true when
// every walk had caught up by its quarter. Either way it reports what one
// walk over the whole text reports, in the same order, at any size. The
// text is copied between runs of zero bytes (zero leads the root to
// itself) so that the first walk also starts ov bytes early and all four
// are equally long.
func scanSplit[T string | []byte](a *automaton, text T, hit hitFunc, sc *scratch) bool {
	n := len(text)
	ov := min(a.maxLen+4, splitOverlap)
	q := (n + 3) / 4
	w := q + ov // bytes per walk
	z := slices.Grow(sc.z[:0], 4*q+ov)[:4*q+ov]
	sc.z = z
	clear(z[:ov])
	copy(z[ov:], text)
	clear(z[ov+n:])
	var t [4][]byte
	for j := range t {
		t[j] = z[j*q : j*q+w]
	}
	first := uint32(a.firstOut)
	var st [4]uint32
	var ev [64]event
	// The overlaps: events there belong to the previous quarter.
	head := [4][]byte{t[0][:ov], t[1][:ov], t[2][:ov], t[3][:ov]}
	for k := 0; k < ov; {
		k, _ = walk4(a.delta, &a.class, first, &head, k, &st, &ev)
	}
	mid := st
	evs := sc.ev[:0]
	for k := ov; k < w; {
		var m int
		k, m = walk4(a.delta, &a.class, first, &t, k, &st, &ev)
		evs = append(evs, ev[:m]...)
	}
	sc.ev = evs
	// Replay quarter by quarter. in is the state of one walk over the
	// whole text at the start of quarter j: the root for quarter 0, which
	// walk 0 also starts in, then the state walk j-1 ends in. Where walk j
	// started in another state (it had not caught up: a match stretched
	// across the boundary), one walk goes on from the boundary in state in,
	// stepping walk j's state alongside, until the two agree; from there
	// on walk j is exact. They agree as soon as the state no longer
	// depends on text before walk j's start, mostly a few words later; at
	// worst the single walk covers the quarter, and the next boundary is
	// checked against its state.
	exact := true
	var in uint32
	for j := range 4 {
		lo, hi := j*q, min((j+1)*q, n) // the quarter: matches ending in (lo, hi]
		if j > 0 && in != mid[j] {
			exact = false
			s1, s2 := in, mid[j]
			for ; lo < hi && s1 != s2; lo++ {
				c := a.class[text[lo]]
				s1 = uint32(a.delta[s1<<classBits|uint32(c)])
				s2 = uint32(a.delta[s2<<classBits|uint32(c)])
				if s1 >= first && a.mayEnd(uint16(s1), text[lo]) && !emit(a, text, uint16(s1), lo+1, hit) {
					return false
				}
			}
			if s1 != s2 {
				in = s1 // not caught up within the quarter
				continue
			}
		}
		base := j*q - ov + 1 // end offset of a match at step 0
		for i := range evs {
			e := &evs[i]
			s := e.st[j]
			if uint32(s) < first {
				continue
			}
			end := base + int(e.k)
			if end <= lo {
				continue
			}
			if end > hi {
				break
			}
			if a.mayEnd(s, text[end-1]) && !emit(a, text, s, end, hit) {
				return exact
			}
		}
		in = st[j]
	}
	return exact
}
