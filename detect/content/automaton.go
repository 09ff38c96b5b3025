package content

// automaton is an Aho-Corasick automaton compiled into a dense DFA over byte
// classes. It is built once and never changes, so any number of goroutines may
// scan with it at once.
//
// The package does not use github.com/cloudflare/ahocorasick: its Match
// returns only dictionary indexes (no positions, which evidence spans and the
// proximity rules need), allocates its result on every call, and spends two
// [256]*node arrays (4 KiB) per trie node. Here a state is a row of nclass
// uint32 entries and the whole phrase table compiles to a few hundred KiB.
type automaton struct {
	class  [256]uint8 // byte → class; 0 is "a byte no pattern uses"
	nclass uint32
	// delta[state*nclass+class] is the next state premultiplied by nclass,
	// with outFlag set when the next state ends at least one pattern.
	delta []uint32
	// outs[outStart[s]:outStart[s+1]] are the patterns ending in state s
	// (its own and those of its dictionary suffixes).
	outStart []uint32
	outs     []uint16
	plen     []uint16 // pattern lengths in bytes
}

const outFlag = 1 << 31

// buildAutomaton compiles pats. Every pattern must be non-empty and at most
// 65535 bytes; there must be fewer than 65536 patterns. fold maps A–Z onto
// a–z (the text is then matched ignoring ASCII case). Bytes listed in
// same are matched as if they were the first byte of same (used to let a
// space in a pattern match a newline or a tab in the text).
func buildAutomaton(pats []string, fold bool, same string) *automaton {
	a := &automaton{plen: make([]uint16, len(pats))}
	// Byte classes: every byte that occurs in a pattern gets its own class.
	var used [256]bool
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if fold && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			used[c] = true
		}
	}
	n := uint8(1)
	for c := 0; c < 256; c++ {
		if used[c] {
			a.class[c] = n
			n++
		}
	}
	if fold {
		for c := 'A'; c <= 'Z'; c++ {
			a.class[c] = a.class[c+'a'-'A']
		}
	}
	if len(same) > 1 {
		for i := 1; i < len(same); i++ {
			a.class[same[i]] = a.class[same[0]]
		}
	}
	a.nclass = uint32(n)
	nc := int(n)

	// Trie over classes.
	type tnode struct {
		next map[uint8]int32
		out  []uint16
	}
	nodes := []tnode{{next: map[uint8]int32{}}}
	for pi, p := range pats {
		a.plen[pi] = uint16(len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			nx, ok := nodes[s].next[c]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, tnode{next: map[uint8]int32{}})
				nodes[s].next[c] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, uint16(pi))
	}

	// Breadth-first failure links, filling the dense table as we go.
	ns := len(nodes)
	delta := make([]uint32, ns*nc)
	fail := make([]int32, ns)
	queue := make([]int32, 0, ns)
	for c := 0; c < nc; c++ {
		if nx, ok := nodes[0].next[uint8(c)]; ok {
			delta[c] = uint32(nx)
			fail[nx] = 0
			queue = append(queue, nx)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		// Outputs of the failure state are outputs here too; the failure
		// state is shallower and so already complete.
		nodes[s].out = append(nodes[s].out, nodes[fail[s]].out...)
		for c := 0; c < nc; c++ {
			f := delta[int(fail[s])*nc+c]
			if nx, ok := nodes[s].next[uint8(c)]; ok {
				fail[nx] = int32(f)
				delta[int(s)*nc+c] = uint32(nx)
				queue = append(queue, nx)
			} else {
				delta[int(s)*nc+c] = f
			}
		}
	}

	a.outStart = make([]uint32, ns+1)
	for s := 0; s < ns; s++ {
		a.outStart[s] = uint32(len(a.outs))
		a.outs = append(a.outs, nodes[s].out...)
	}
	a.outStart[ns] = uint32(len(a.outs))
	for i, d := range delta {
		v := d * uint32(nc)
		if len(nodes[d].out) > 0 {
			v |= outFlag
		}
		delta[i] = v
	}
	a.delta = delta
	return a
}

// scan calls hit for every occurrence of every pattern in text, with the
// pattern index and the end offset (exclusive) of the occurrence. It stops
// early when hit returns false.
func (a *automaton) scan(text []byte, hit func(pat int, end int) bool) {
	delta, class, nc := a.delta, &a.class, a.nclass
	var st uint32
	for i := 0; i < len(text); i++ {
		v := delta[st+uint32(class[text[i]])]
		st = v &^ outFlag
		if v&outFlag != 0 {
			s := st / nc
			for _, p := range a.outs[a.outStart[s]:a.outStart[s+1]] {
				if !hit(int(p), i+1) {
					return
				}
			}
		}
	}
}

// scanString is scan over a string (no copy).
func (a *automaton) scanString(text string, hit func(pat int, end int) bool) {
	delta, class, nc := a.delta, &a.class, a.nclass
	var st uint32
	for i := 0; i < len(text); i++ {
		v := delta[st+uint32(class[text[i]])]
		st = v &^ outFlag
		if v&outFlag != 0 {
			s := st / nc
			for _, p := range a.outs[a.outStart[s]:a.outStart[s+1]] {
				if !hit(int(p), i+1) {
					return
				}
			}
		}
	}
}
