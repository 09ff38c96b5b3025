package content

import (
	"encoding/binary"
	"slices"
	"sync"
)

// Data-flow measures: did text read in one step (a tool result) reappear
// in a later one (the arguments of an outgoing call)?

const (
	// minShared is the smallest min SharesText accepts; shorter common
	// substrings ("the user", "https://") are everywhere.
	minShared = 8
	// maxFlowInput bounds the work: only the first MiB of each argument
	// of SharesText and Overlap is compared.
	maxFlowInput = 1 << 20
	// denseSetMax is the largest shorter side whose every window goes
	// into the hash set; above it the set takes every k-th window and the
	// longer side is probed at every offset instead.
	denseSetMax = 64 << 10
)

type flowState struct {
	a, b []byte
	// The window set: open addressing on the window hash; each slot
	// holds the first and last position (+1) of the windows with that
	// hash, and next links each position to the following one.
	keys       []uint64
	head, tail []int32
	next       []int32
	budget     int // candidate checks left in this call
}

var flowPool = sync.Pool{New: func() any { return new(flowState) }}

// maxChain bounds how many positions of one repeated window are tried per
// probe; the call as a whole tries at most 8 per byte of input.
const maxChain = 256

// sharesText implements SharesText.
func sharesText(a, b string, min int) bool {
	if min < minShared {
		min = minShared
	}
	if len(a) < min || len(b) < min {
		return false
	}
	st := flowPool.Get().(*flowState)
	defer flowPool.Put(st)
	st.a = normFlow(st.a[:0], a)
	st.b = normFlow(st.b[:0], b)
	short, long := st.b, st.a
	if len(short) > len(long) {
		short, long = long, short
	}
	if len(short) < min {
		return false
	}
	w := min / 2
	k := min - w + 1
	st.budget = 8 * (len(short) + len(long))

	// Every window of short, probing long at stride k; or, for a long
	// short side, every k-th window of short, probing long at every offset.
	setStep, probeStep, windows := 1, k, len(short)
	if len(short) > denseSetMax {
		setStep, probeStep, windows = k, 1, len(short)/k+1
	}
	st.initSet(windows)
	for p := 0; p+w <= len(short); p += setStep {
		st.insert(hashWindow(short[p:p+w]), p)
	}
	for q := 0; q+w <= len(long); q += probeStep {
		if st.lookup(hashWindow(long[q:q+w]), short, long, q, w, min) {
			return true
		}
	}
	return false
}

// normFlow returns s lower-cased (ASCII) with white-space runs collapsed
// to one space and leading/trailing white space dropped, in dst's storage.
// Eight bytes at a time go through unchanged (capitals lower-cased) when
// they hold no control character, tab or line break and no double space.
func normFlow(dst []byte, s string) []byte {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
		low7 = 0x7F7F7F7F7F7F7F7F
	)
	if len(s) > maxFlowInput {
		s = s[:maxFlowInput]
	}
	// The output is never longer than the input.
	out := slices.Grow(dst[:0], len(s))[:len(s)]
	src := rawBytes(s)
	w := 0
	space := false
	for i := 0; i < len(src); {
		if !space && i+8 <= len(src) && w+8 <= len(out) {
			x := binary.LittleEndian.Uint64(src[i : i+8])
			t := x & low7
			ctl := ^(t + (0x80-0x20)*ones) & ^x & high // bytes < 0x20
			v := x ^ 0x2020202020202020                // spaces become zero bytes
			sp := ^(((v & low7) + low7) | v) & high
			lead := x&0xFF == ' ' && (w == 0 || out[w-1] == ' ')
			if ctl == 0 && sp&(sp>>8) == 0 && !lead {
				upper := (t + (0x80-0x41)*ones) & ^(t + (0x80-0x5B)*ones) & ^x & high
				binary.LittleEndian.PutUint64(out[w:w+8], x|upper>>2)
				w += 8
				i += 8
				continue
			}
		}
		c := src[i]
		i++
		switch flowClass[c] {
		case flowUpper:
			c += 'a' - 'A'
		case flowSpace:
			space = true
			continue
		}
		if space {
			if w > 0 && out[w-1] != ' ' {
				out[w] = ' '
				w++
			}
			space = false
		}
		out[w] = c
		w++
	}
	for w > 0 && out[w-1] == ' ' {
		w--
	}
	return out[:w]
}

const (
	flowCopy = iota
	flowUpper
	flowSpace
)

var flowClass = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = flowUpper
	}
	for _, c := range " \t\n\r\f\v" {
		t[c] = flowSpace
	}
	return t
}()

// mix folds x into the hash h (the step of hashWindow and tokenHash).
func mix(h, x uint64) uint64 {
	h = (h ^ x) * 0x9E3779B97F4A7C15
	return h ^ h>>29
}

// hashWindow hashes 4 or more bytes, eight (or four) at a time.
func hashWindow(b []byte) uint64 {
	h := uint64(len(b))
	if len(b) >= 8 {
		i := 0
		for ; i+8 <= len(b); i += 8 {
			h = mix(h, binary.LittleEndian.Uint64(b[i:]))
		}
		if i < len(b) {
			h = mix(h, binary.LittleEndian.Uint64(b[len(b)-8:]))
		}
		return h
	}
	x := uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[len(b)-4:]))<<32
	return mix(h, x)
}

// initSet empties the set for up to n windows of a text of n bytes.
func (st *flowState) initSet(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(st.keys) < size {
		st.keys = make([]uint64, size)
		st.head = make([]int32, size)
		st.tail = make([]int32, size)
	}
	st.keys = st.keys[:size]
	st.head = st.head[:size]
	st.tail = st.tail[:size]
	clear(st.head)
	if cap(st.next) < n+1 {
		st.next = make([]int32, n+1)
	}
}

// insert adds the window at position p with hash h.
func (st *flowState) insert(h uint64, p int) {
	mask := uint64(len(st.keys) - 1)
	if p >= len(st.next) {
		st.next = append(st.next, make([]int32, p+1-len(st.next))...)
	}
	st.next[p] = 0
	for i := h & mask; ; i = (i + 1) & mask {
		switch {
		case st.head[i] == 0:
			st.keys[i], st.head[i], st.tail[i] = h, int32(p+1), int32(p+1)
			return
		case st.keys[i] == h:
			st.next[st.tail[i]-1] = int32(p + 1)
			st.tail[i] = int32(p + 1)
			return
		}
	}
}

// lookup reports whether a window of short hashing to h matches long at q
// and extends to a common run of at least min bytes.
func (st *flowState) lookup(h uint64, short, long []byte, q, w, min int) bool {
	mask := uint64(len(st.keys) - 1)
	i := h & mask
	for st.head[i] != 0 && st.keys[i] != h {
		i = (i + 1) & mask
	}
	for p1, n := st.head[i], 0; p1 != 0 && n < maxChain && st.budget > 0; p1, n = st.next[p1-1], n+1 {
		st.budget--
		p := int(p1 - 1)
		if string(short[p:p+w]) != string(long[q:q+w]) {
			continue
		}
		l := 0
		for l < min && p-l > 0 && q-l > 0 && short[p-l-1] == long[q-l-1] {
			l++
		}
		r := w
		for l+r < min && p+r < len(short) && q+r < len(long) && short[p+r] == long[q+r] {
			r++
		}
		if l+r >= min {
			return true
		}
	}
	return false
}

// overlap implements Overlap.
func overlap(a, b string) float64 {
	if len(a) > maxFlowInput {
		a = a[:maxFlowInput]
	}
	if len(b) > maxFlowInput {
		b = b[:maxFlowInput]
	}
	st := flowPool.Get().(*flowState)
	defer flowPool.Put(st)

	// Distinct tokens of b first (usually the shorter one), then mark
	// those seen in a.
	nb := 0
	st.initSet(estimateTokens(b))
	eachToken(b, func(h uint64) {
		if st.addToken(h) {
			nb++
		}
	})
	if nb == 0 {
		return 0
	}
	matched := 0
	eachToken(a, func(h uint64) {
		if st.markToken(h) {
			matched++
		}
	})
	return float64(matched) / float64(nb)
}

func estimateTokens(s string) int { return min(len(s)/4+1, 1<<18) }

// addToken inserts h (head 1 = present) and reports whether it is new.
// Tokens beyond the table's capacity are ignored.
func (st *flowState) addToken(h uint64) bool {
	mask := uint64(len(st.keys) - 1)
	for i, n := h&mask, 0; n < len(st.keys)/2; i, n = (i+1)&mask, n+1 {
		switch {
		case st.head[i] == 0:
			st.keys[i], st.head[i] = h, 1
			return true
		case st.keys[i] == h:
			return false
		}
	}
	return false
}

// markToken marks h as seen in a and reports whether this is the first
// sighting of a token of b.
func (st *flowState) markToken(h uint64) bool {
	mask := uint64(len(st.keys) - 1)
	for i := h & mask; st.head[i] != 0; i = (i + 1) & mask {
		if st.keys[i] == h {
			if st.head[i] == 1 {
				st.head[i] = 2
				return true
			}
			return false
		}
	}
	return false
}

// eachToken calls fn with the hash of every token of s that is at least 3
// bytes long and not a stop word. A token is a run of ASCII letters and
// digits and non-ASCII bytes; it is hashed eight bytes at a time with bit
// 0x20 set in every byte, which lower-cases ASCII letters (and leaves
// digits alone).
func eachToken(s string, fn func(uint64)) {
	i := 0
	for i < len(s) {
		for i < len(s) && !tokenByte[s[i]] {
			i++
		}
		j := i
		for j < len(s) && tokenByte[s[j]] {
			j++
		}
		if n := j - i; n >= 3 {
			var h uint64
			if n < 8 && i+8 <= len(s) {
				// tokenHash of a short token, from one 8-byte load.
				keep := uint64(1)<<(8*n) - 1
				x := (binary.LittleEndian.Uint64(rawBytes(s[i:i+8])) | 0x2020202020202020) & keep
				h = mix(uint64(n), x)
			} else {
				h = tokenHash(s[i:j])
			}
			if !isStop(h) {
				fn(h)
			}
		}
		i = j
	}
}

// tokenByte marks the bytes of word tokens.
var tokenByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
	}
	return t
}()

// tokenHash hashes a token case-insensitively (see eachToken).
func tokenHash(tok string) uint64 {
	h := uint64(len(tok))
	for len(tok) >= 8 {
		h = mix(h, binary.LittleEndian.Uint64(rawBytes(tok[:8]))|0x2020202020202020)
		tok = tok[8:]
	}
	var x uint64
	for k := 0; k < len(tok); k++ {
		x |= uint64(tok[k]|0x20) << (8 * k)
	}
	return mix(h, x)
}

// stopSet holds the token hashes of English function words of three or
// more letters, in a small open-addressing table (no map lookups in the
// token loop).
var stopSet = func() (t [512]uint64) {
	words := []string{
		"the", "and", "for", "are", "but", "not", "you", "your", "with",
		"this", "that", "from", "have", "has", "had", "was", "were", "will",
		"can", "all", "any", "our", "out", "its", "his", "her", "she", "him",
		"they", "them", "their", "there", "then", "than", "what", "when",
		"where", "which", "who", "why", "how", "into", "onto", "about",
		"also", "been", "being", "such", "some", "more", "most", "only",
		"just", "very", "each", "other", "over", "under", "would", "could",
		"should", "may", "might", "must", "shall", "does", "did", "these",
		"those", "here", "because", "while", "after", "before", "both",
		"same", "own", "off", "per", "via", "etc", "yes", "too", "now",
		"use", "get", "let", "one", "two", "new", "see", "way", "like",
	}
	for _, w := range words {
		h := tokenHash(w)
		i := h & 511
		for t[i] != 0 {
			i = (i + 1) & 511
		}
		t[i] = h
	}
	return t
}()

func isStop(h uint64) bool {
	for i := h & 511; stopSet[i] != 0; i = (i + 1) & 511 {
		if stopSet[i] == h {
			return true
		}
	}
	return false
}
