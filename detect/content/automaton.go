package content

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
// Here a DFA walk is a chain of dependent loads, so its speed is set by
// how much of the table stays in the L1 cache. Three choices keep it small:
//
//   - At most 32 byte classes: the 26 letters, white space, and five
//     classes for digits, brackets, sentence punctuation, other symbols and
//     bytes no pattern uses. A state's row is then 32 uint16 entries, one
//     64-byte cache line. Bytes that share a class are told apart by
//     comparing the matched text with the pattern (cheap, and only at
//     candidate matches).
//   - uint16 state numbers; states that end a pattern are numbered last,
//     so "is there a match here" is one comparison.
//   - Two halves of the text are walked in the same loop, so the CPU can
//     overlap the two chains of loads.
type automaton struct {
	class    [256]uint8
	delta    []uint16 // delta[state<<5|class]
	firstOut uint16   // states >= firstOut end at least one pattern
	outStart []uint32 // outs[outStart[s-firstOut]:outStart[s-firstOut+1]]
	outs     []uint16 // pattern indexes, own and via dictionary suffixes
	plen     []uint16 // pattern lengths in bytes
	verify   []bool   // pattern has bytes that share a class with others
	pats     []string
	maxLen   int
}

const classBits = 5

// byteClassOf is the class layout described above. fold maps A–Z onto
// a–z.
func byteClassOf(c byte, fold bool) uint8 {
	switch {
	case 'a' <= c && c <= 'z':
		return 1 + c - 'a' // 1..26
	case 'A' <= c && c <= 'Z':
		if fold {
			return 1 + c - 'A'
		}
		return 0
	case c == ' ' || c == '\n' || c == '\t' || c == '\r':
		return 27
	case '0' <= c && c <= '9':
		return 28
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

// exactClass reports whether a class holds a single byte value, so that a
// pattern made only of such classes needs no verification. With fold the
// letter classes hold two byte values but matching them is intended.
func exactClass(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// wideClassOf spreads the bytes of UTF-8 sequences (and everything that
// is not a letter or white space) over the 32 classes; every pattern of the
// wide automaton is verified.
func wideClassOf(c byte, fold bool) uint8 {
	switch k := byteClassOf(c, fold); {
	case k >= 1 && k <= 27:
		return k
	case c >= 0x80:
		return 1 + c%31
	default:
		return k
	}
}

// buildAutomaton compiles pats (non-empty, at most 65535 bytes, fewer than
// 65536 patterns) with the byte classes of classOf. fold makes matching
// ignore ASCII case; white space in a pattern matches any white space byte
// in the text.
func buildAutomaton(pats []string, fold bool, classOf func(byte, bool) uint8) *automaton {
	a := &automaton{pats: pats, plen: make([]uint16, len(pats)), verify: make([]bool, len(pats))}
	for c := 0; c < 256; c++ {
		a.class[c] = classOf(byte(c), fold)
	}
	type tnode struct {
		next [1 << classBits]int32
		out  []uint16
	}
	nodes := []tnode{{}}
	for pi, p := range pats {
		a.plen[pi] = uint16(len(p))
		if len(p) > a.maxLen {
			a.maxLen = len(p)
		}
		s := int32(0)
		for i := 0; i < len(p); i++ {
			if !exactClass(p[i]) && p[i] != ' ' {
				a.verify[pi] = true
			}
			c := a.class[p[i]]
			nx := nodes[s].next[c]
			if nx == 0 {
				nx = int32(len(nodes))
				nodes = append(nodes, tnode{})
				nodes[s].next[c] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, uint16(pi))
	}

	// Breadth-first failure links; delta holds trie node numbers for now.
	const nc = 1 << classBits
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

	// Renumber: states without output first (root stays 0), then those
	// with output.
	if ns > 1<<16 {
		panic("content: phrase automaton has more than 65536 states")
	}
	id := make([]uint16, ns)
	next := uint16(0)
	for s := 0; s < ns; s++ {
		if len(nodes[s].out) == 0 {
			id[s] = next
			next++
		}
	}
	a.firstOut = next
	for s := 0; s < ns; s++ {
		if len(nodes[s].out) > 0 {
			id[s] = next
			next++
		}
	}
	a.delta = make([]uint16, ns*nc)
	for s := 0; s < ns; s++ {
		for c := 0; c < nc; c++ {
			a.delta[int(id[s])<<classBits|c] = id[delta[s*nc+c]]
		}
	}
	a.outStart = make([]uint32, 0, ns-int(a.firstOut)+1)
	byID := make([]int32, ns)
	for s := 0; s < ns; s++ {
		byID[id[s]] = int32(s)
	}
	for k := int(a.firstOut); k < ns; k++ {
		a.outStart = append(a.outStart, uint32(len(a.outs)))
		a.outs = append(a.outs, nodes[byID[k]].out...)
	}
	a.outStart = append(a.outStart, uint32(len(a.outs)))
	return a
}

// emit reports the patterns ending at end in state s (s >= firstOut),
// after checking the text where classes are shared. It returns false to
// stop the scan.
func emit[T string | []byte](a *automaton, text T, s uint16, end int, fold bool, hit func(pat, end int) bool) bool {
	k := int(s - a.firstOut)
	for _, p := range a.outs[a.outStart[k]:a.outStart[k+1]] {
		if a.verify[p] && !same(a, text[end-int(a.plen[p]):end], a.pats[p], fold) {
			continue
		}
		if !hit(int(p), end) {
			return false
		}
	}
	return true
}

// same compares matched text with a pattern: bytes equal, white space
// matching white space, and ASCII case ignored with fold.
func same[T string | []byte](a *automaton, text T, pat string, fold bool) bool {
	for i := 0; i < len(pat); i++ {
		c, p := text[i], pat[i]
		if c == p {
			continue
		}
		if p == ' ' && (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			continue
		}
		if fold && 'A' <= c && c <= 'Z' && c+'a'-'A' == p {
			continue
		}
		return false
	}
	return true
}

// scan calls hit for every occurrence of every pattern in text, with the
// pattern index and the end offset (exclusive), in increasing order of end
// offset within each half of the text. It stops when hit returns false.
func scan[T string | []byte](a *automaton, text T, fold bool, hit func(pat, end int) bool) {
	n := len(text)
	mid := n / 2
	from2 := mid - (a.maxLen - 1)
	if n < 1024 || from2 <= 0 {
		var s uint16
		delta, class, first := a.delta, &a.class, a.firstOut
		for i := 0; i < n; i++ {
			s = delta[int(s)<<classBits|int(class[text[i]])]
			if s >= first && !emit(a, text, s, i+1, fold, hit) {
				return
			}
		}
		return
	}
	// Walk [0, mid) and [from2, n) together; the second walk reports only
	// matches ending after mid, the first only those ending up to mid.
	// The inner loop makes no calls, so both states stay in registers.
	delta, class, first := a.delta, &a.class, a.firstOut
	var s1, s2 uint16
	t1 := text[:mid]
	t2 := text[from2:]
	t2 = t2[:len(t1)] // same length: one bounds check covers both
	for k := 0; k < len(t1); k++ {
		for ; k < len(t1); k++ {
			s1 = delta[int(s1)<<classBits|int(class[t1[k]])]
			s2 = delta[int(s2)<<classBits|int(class[t2[k]])]
			if max(s1, s2) >= first {
				break
			}
		}
		if k == len(t1) {
			break
		}
		if s1 >= first && !emit(a, text, s1, k+1, fold, hit) {
			return
		}
		if s2 >= first && from2+k+1 > mid && !emit(a, text, s2, from2+k+1, fold, hit) {
			return
		}
	}
	for j := from2 + mid; j < n; j++ {
		s2 = delta[int(s2)<<classBits|int(class[text[j]])]
		if s2 >= first && j+1 > mid && !emit(a, text, s2, j+1, fold, hit) {
			return
		}
	}
}
