package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The i* helpers compare text ignoring case: two characters are equal when
// foldRune maps them to the same character (their upper case's lower case),
// which also folds the look-alikes attackers use to dodge an ASCII
// comparison: K (Kelvin sign) is k, ſ (long s) is s, ı and İ are i.

// foldRune returns the case-folded form of r.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

// foldString returns s with every character folded.
func foldString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// nonASCIIFolds lists the non-ASCII characters whose fold is ASCII (ı and
// İ fold to i, ſ to s, K to k); containsFold relies on it.
var nonASCIIFolds = []rune{0x130, 0x131, 0x17F, 0x212A}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// indexEither returns the index of the first a or b in s, or -1.
func indexEither(s string, a, b byte) int {
	i := strings.IndexByte(s, a)
	if a == b {
		return i
	}
	t := s
	if i >= 0 {
		t = s[:i]
	}
	if j := strings.IndexByte(t, b); j >= 0 {
		return j
	}
	return i
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	_, ok := prefixFoldLen(s, prefix)
	return ok
}

// prefixFoldLen returns the length in bytes of the prefix of s that equals
// prefix ignoring case, and whether there is one.
func prefixFoldLen(s, prefix string) (int, bool) {
	i, j := 0, 0
	for j < len(prefix) {
		if i >= len(s) {
			return 0, false
		}
		a, b := s[i], prefix[j]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if lowerASCII(a) != lowerASCII(b) {
				return 0, false
			}
			i++
			j++
			continue
		}
		ra, na := utf8.DecodeRuneInString(s[i:])
		rb, nb := utf8.DecodeRuneInString(prefix[j:])
		if foldRune(ra) != foldRune(rb) {
			return 0, false
		}
		i += na
		j += nb
	}
	return i, true
}

// hasSuffixFold reports whether s ends with suffix, ignoring case.
func hasSuffixFold(s, suffix string) bool {
	i, j := len(s), len(suffix)
	for j > 0 {
		if i <= 0 {
			return false
		}
		a, b := s[i-1], suffix[j-1]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if lowerASCII(a) != lowerASCII(b) {
				return false
			}
			i--
			j--
			continue
		}
		ra, na := utf8.DecodeLastRuneInString(s[:i])
		rb, nb := utf8.DecodeLastRuneInString(suffix[:j])
		if foldRune(ra) != foldRune(rb) {
			return false
		}
		i -= na
		j -= nb
	}
	return true
}

// equalFold reports whether a and b are equal ignoring case.
func equalFold(a, b string) bool {
	n, ok := prefixFoldLen(a, b)
	return ok && n == len(a)
}

// byteRank ranks ASCII characters by how often they occur in English text
// and code, most frequent first; containsFold searches for the rarest
// character of a needle. Characters not listed rank after all of these.
const byteRank = " etaonhrdlcumwfgypbvjxqz"

// anchor returns the index in sub of the character to search for first:
// the rarest ASCII character whose only case-folded forms are its two ASCII
// cases (not i, k or s, which have non-ASCII look-alikes); -1 when there is
// none.
func anchor(sub string) int {
	best, bestRank := -1, -1
	for j := 0; j < len(sub); j++ {
		c := lowerASCII(sub[j])
		if c >= utf8.RuneSelf || c == 'i' || c == 'k' || c == 's' {
			continue
		}
		if rank := anchorRank(c); rank > bestRank {
			best, bestRank = j, rank
		}
	}
	return best
}

// anchorRanks holds anchorRank of every byte.
var anchorRanks = func() (t [256]uint8) {
	for c := range t {
		t[c] = uint8(len(byteRank))
		if r := strings.IndexByte(byteRank, lowerASCII(byte(c))); r >= 0 {
			t[c] = uint8(r)
		}
	}
	return t
}()

// anchorRank is the rarity of the ASCII character c: higher is rarer.
func anchorRank(c byte) int { return int(anchorRanks[c]) }

// containsFold reports whether s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	return containsFoldAt(s, sub, anchor(sub))
}

// containsFoldAt is containsFold with j = anchor(sub), for needles prepared
// at load; sub is not empty.
func containsFoldAt(s, sub string, j int) bool {
	if j >= 0 {
		// Find each occurrence of the anchor with IndexByte, then check
		// what precedes and follows it.
		lo, up := lowerASCII(sub[j]), upperASCII(sub[j])
		pre, post := sub[:j], sub[j:]
		for i := 0; i < len(s); {
			k := indexEither(s[i:], lo, up)
			if k < 0 {
				return false
			}
			p := i + k
			if hasPrefixFold(s[p:], post) && hasSuffixFold(s[:p], pre) {
				return true
			}
			i = p + 1
		}
		return false
	}
	r0, _ := utf8.DecodeRuneInString(sub)
	f0 := foldRune(r0)
	if f0 < utf8.RuneSelf {
		// A match starts with f0 in either case or, for i, k and s, with
		// a non-ASCII look-alike: let IndexByte find the candidates.
		lo, up := byte(f0), upperASCII(byte(f0))
		var lead byte // the first byte of the look-alikes
		switch f0 {
		case 'i':
			lead = 0xC4 // ı U+0131, İ U+0130
		case 's':
			lead = 0xC5 // ſ U+017F
		case 'k':
			lead = 0xE2 // K U+212A
		}
		for i := 0; i < len(s); {
			j := indexEither(s[i:], lo, up)
			if lead != 0 {
				t := s[i:]
				if j >= 0 {
					t = t[:j]
				}
				if k := strings.IndexByte(t, lead); k >= 0 {
					j = k
				}
			}
			if j < 0 {
				return false
			}
			i += j
			if hasPrefixFold(s[i:], sub) {
				return true
			}
			i++
		}
		return false
	}
	// Only a non-ASCII character folds to a non-ASCII one.
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf || !utf8.RuneStart(c) {
			continue
		}
		if hasPrefixFold(s[i:], sub) {
			return true
		}
	}
	return false
}

// foldMatcher finds whether a text contains any of a list of needles,
// ignoring case as containsFold does, in one pass whatever the number of
// needles: it is an Aho-Corasick automaton over the bytes of the folded
// text (each character replaced by its foldRune, in UTF-8), compiled into a
// dense DFA. It never changes once built, so any number of goroutines may
// use it at once.
//
// On valid UTF-8 it answers exactly as containsFold tried on each needle:
// both compare the folded characters of the text with those of the needle
// at every character boundary. Invalid UTF-8 is where they could part (the
// per-needle search decodes some of it backwards and skips some stray
// bytes), so there the matcher answers only when every needle is ASCII,
// which no invalid byte can match, and leaves the others to the caller.
//
// ASCII text is walked byte by byte through the table; a byte that is not
// ASCII leaves the fast loop (through the escape column) for its character
// to be decoded, folded and stepped over. A DFA walk is a chain of
// dependent loads, so longer texts are cut into four overlapping parts
// walked in the same loop, letting the CPU overlap the four chains.
type foldMatcher struct {
	// class is the class of each byte of folded text: 0 for the bytes no
	// needle has; A-Z share the class of a-z.
	class [256]uint8
	// raw is the class of each byte of the text itself: class for ASCII,
	// the escape column for the others.
	raw [256]uint8
	// delta[row+class] is the row of the next state; a state's row is its
	// number times the number of columns, so that a step is one addition
	// and one load. The escape column of row r holds foldEscape|r.
	delta []uint32
	// match is the row of every state that ends a needle: such states are
	// final (the answer is known), so they have no row of their own, and
	// match is a power of two above every row, so that "did a walk end a
	// needle or meet a byte that is not ASCII" is one comparison, even of
	// four walks' rows or-ed together.
	match uint32
	// overlap is the most bytes of text a match can span, less one: how
	// much the parts of a four-walk scan overlap.
	overlap int
	// ascii is set when every needle is ASCII: invalid bytes of a text
	// then only break matches, so the matcher answers on any text.
	ascii bool
}

// foldEscape marks a row that met a byte that is not ASCII.
const foldEscape = 1 << 31

// maxFoldDelta bounds the transition table of a foldMatcher (entries, of
// 4 bytes), some 5,000 phrases of 20 bytes; a larger list is searched
// needle by needle.
const maxFoldDelta = 1 << 22

// newFoldMatcher builds the matcher of needles, which are folded (each
// character is its own foldRune, so there is no A-Z) and not empty. It
// returns nil when there are no needles or too many.
func newFoldMatcher(needles []string) *foldMatcher {
	if len(needles) == 0 {
		return nil
	}
	m := &foldMatcher{ascii: true}
	nc := 1 // classes; 0 is the bytes no needle has
	for _, n := range needles {
		raw := 0 // the most bytes of text a match of n can span
		for _, r := range n {
			raw += maxRawLen(r)
		}
		m.overlap = max(m.overlap, raw-1)
		for i := 0; i < len(n); i++ {
			c := n[i]
			if c >= utf8.RuneSelf {
				m.ascii = false
			}
			if m.class[c] == 0 {
				m.class[c] = uint8(nc)
				nc++
			}
		}
	}
	for c := byte('A'); c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	esc := nc // the escape column
	for c := range m.raw {
		m.raw[c] = uint8(esc)
		if c < utf8.RuneSelf {
			m.raw[c] = m.class[c]
		}
	}

	// The trie. A needle that has a shorter one as a prefix stops there:
	// the DFA stops at the shorter one first.
	next := make([]int32, nc) // next[s*nc+c]: the child of s on class c, 0 for none
	end := []bool{false}      // the state ends a needle
	for _, n := range needles {
		s := 0
		for i := 0; i < len(n) && !end[s]; i++ {
			k := s*nc + int(m.class[n[i]])
			if next[k] == 0 {
				if len(next)+nc > maxFoldDelta {
					return nil
				}
				next[k] = int32(len(end))
				end = append(end, false)
				next = append(next, make([]int32, nc)...)
			}
			s = int(next[k])
		}
		end[s] = true
	}

	// Breadth-first failure links, filling in the transitions of the
	// states that do not end a needle (those that do are never left).
	delta := make([]int32, len(next))
	fail := make([]int32, len(end))
	order := make([]int32, 1, len(end)) // reachable states, root first
	for c := range nc {
		if nx := next[c]; nx != 0 {
			delta[c] = nx
			order = append(order, nx)
		}
	}
	for qi := 1; qi < len(order); qi++ {
		s := int(order[qi])
		if end[fail[s]] {
			end[s] = true // a suffix is a needle
		}
		if end[s] {
			continue
		}
		f := int(fail[s])
		for c := range nc {
			to := delta[f*nc+c]
			if nx := next[s*nc+c]; nx != 0 {
				fail[nx] = to
				to = nx
				order = append(order, nx)
			}
			delta[s*nc+c] = to
		}
	}

	// Rows, in breadth-first order (the root's is 0), of nc+1 columns.
	width := nc + 1
	row := make([]uint32, len(end))
	rows := 0
	for _, s := range order {
		if !end[s] {
			row[s] = uint32(rows * width)
			rows++
		}
	}
	m.match = 1
	for m.match < uint32(rows*width) {
		m.match <<= 1
	}
	for _, s := range order {
		if end[s] {
			row[s] = m.match
		}
	}
	m.delta = make([]uint32, rows*width)
	for _, s := range order {
		if end[s] {
			continue
		}
		r := int(row[s])
		for c := range nc {
			m.delta[r+c] = row[delta[int(s)*nc+c]]
		}
		m.delta[r+esc] = foldEscape | uint32(r)
	}
	return m
}

// maxRawLen is the longest UTF-8 encoding of a character whose fold is the
// folded character f.
func maxRawLen(f rune) int {
	switch {
	case f >= utf8.RuneSelf:
		return utf8.UTFMax
	case f == 'k':
		return 3 // K U+212A
	case f == 'i' || f == 's':
		return 2 // ı U+0131, İ U+0130, ſ U+017F
	}
	return 1
}

// minFoldWalk4 is the length from which a text is scanned with four walks.
const minFoldWalk4 = 256

// contains reports whether s contains one of the needles, ignoring case;
// exact is false when s is not valid UTF-8 and some needle is not ASCII,
// where the answer is the per-needle search's to give.
func (m *foldMatcher) contains(s string) (found, exact bool) {
	if len(s) >= minFoldWalk4 && len(s)/4 > 2*m.overlap {
		return m.walk4(s)
	}
	return m.walk(s, 0, len(s), 0, 0)
}

// walk runs the DFA over s[i:end] from row st, the first skip bytes being
// the rest of a character already stepped over, and reports whether a
// needle ends there; exact is as for contains. A character that starts
// before end is stepped over whole.
func (m *foldMatcher) walk(s string, i, end int, st uint32, skip int) (found, exact bool) {
	d, raw, match := m.delta, &m.raw, m.match
	for i += skip; i < end; i++ {
		if st = d[st+uint32(raw[s[i]])]; st < match {
			continue
		}
		if st == match {
			return true, true
		}
		var n int
		if st, n, exact = m.stepRune(s, i, st&^foldEscape); !exact || st == match {
			return st == match, exact
		}
		i += n - 1
	}
	return false, true
}

// stepRune steps the DFA from row st over the character starting at s[i]
// (not ASCII) and returns the new row and the character's length; exact is
// false when the character is not valid UTF-8 and a needle is not ASCII.
func (m *foldMatcher) stepRune(s string, i int, st uint32) (_ uint32, n int, exact bool) {
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n == 1 {
		// An invalid byte: it matches no character of an ASCII needle.
		return 0, 1, m.ascii
	}
	f := foldRune(r)
	if f < utf8.RuneSelf {
		return m.delta[st+uint32(m.class[f])], n, true
	}
	if m.ascii {
		return 0, n, true // a character no needle has
	}
	var buf [utf8.UTFMax]byte
	for _, b := range utf8.AppendRune(buf[:0], f) {
		if st = m.delta[st+uint32(m.class[b])]; st == m.match {
			break
		}
	}
	return st, n, true
}

// walk4 is contains with four walks in step: walk j starts at the
// character boundary at or just before j*len(s)/4, less the overlap, and
// goes on until the overlap past where walk j+1 starts, so that every
// match lies whole in the part of one walk.
func (m *foldMatcher) walk4(s string) (found, exact bool) {
	var start, end [4]int
	for j := 1; j < 4; j++ {
		p := j*(len(s)/4) - m.overlap
		for k := 0; k < utf8.UTFMax-1 && p > 0 && !utf8.RuneStart(s[p]); k++ {
			p--
		}
		start[j] = p
	}
	n := len(s) // becomes the number of steps all four walks take
	for j := range 4 {
		end[j] = len(s)
		if j < 3 {
			end[j] = min(len(s), start[j+1]+m.overlap)
		}
		n = min(n, end[j]-start[j])
	}
	t := [4]string{s[start[0]:][:n], s[start[1]:][:n], s[start[2]:][:n], s[start[3]:][:n]}
	var st [4]uint32
	var skip [4]int // bytes left of a character a walk stepped over
	for k := 0; k < n; k++ {
		if k = foldWalk4(m.delta, &m.raw, m.match, &t, k, &st); k == n {
			break
		}
		// At step k a walk ended a needle or met a byte that is not ASCII.
		for j := range st {
			switch {
			case st[j] < m.match:
			case st[j] == m.match:
				return true, true
			case skip[j] > 0:
				st[j] &^= foldEscape
				skip[j]--
			default:
				var size int
				if st[j], size, exact = m.stepRune(s, start[j]+k, st[j]&^foldEscape); !exact || st[j] == m.match {
					return st[j] == m.match, exact
				}
				skip[j] = size - 1
			}
		}
	}
	for j := range st {
		if found, exact = m.walk(s, start[j]+n, end[j], st[j], skip[j]); found || !exact {
			return found, exact
		}
	}
	return false, true
}

// foldWalk4 steps four walks over t[0..3], as long as t[0], from offset k
// and rows st, until the end or a step after which a row is at least match
// (a walk ended a needle or met a byte that is not ASCII). It returns that
// offset, or len(t[0]). It makes no calls, so that the rows stay in
// registers and the CPU overlaps the four chains of loads.
func foldWalk4(d []uint32, raw *[256]uint8, match uint32, t *[4]string, k int, st *[4]uint32) int {
	t0 := t[0]
	t1, t2, t3 := t[1][:len(t0)], t[2][:len(t0)], t[3][:len(t0)]
	s0, s1, s2, s3 := st[0], st[1], st[2], st[3]
	for ; k < len(t0); k++ {
		s0 = d[s0+uint32(raw[t0[k]])]
		s1 = d[s1+uint32(raw[t1[k]])]
		s2 = d[s2+uint32(raw[t2[k]])]
		s3 = d[s3+uint32(raw[t3[k]])]
		if s0|s1|s2|s3 >= match {
			break
		}
	}
	st[0], st[1], st[2], st[3] = s0, s1, s2, s3
	return k
}
