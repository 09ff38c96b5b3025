package content

import (
	"encoding/binary"
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
	// maxDup bounds how many positions one repeated window keeps.
	maxDup = 4
)

type flowState struct {
	a, b []byte
	keys []uint64
	vals []int32 // position + 1; 0 marks an empty slot
}

var flowPool = sync.Pool{New: func() any { return new(flowState) }}

// SharesText reports whether a and b have a common substring of at least
// min bytes after light normalisation: ASCII letters are lower-cased and
// every run of white space becomes one space (so a quote re-wrapped or
// re-indented in an outgoing message still matches). A min below 8 is
// raised to 8; only the first MiB of each string is compared.
//
// It hashes every window of w = min/2 bytes of the shorter string into a
// set and probes the longer string every min-w+1 bytes: any common run of
// min bytes contains a probed window, which is then extended both ways and
// compared byte by byte. The work is linear in the input sizes and the set
// holds at most 64 Ki windows (beyond that the roles of stride and density
// swap), so a 64 KiB result against a 2 KiB message costs microseconds.
func SharesText(a, b string, min int) bool {
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

	if len(short) <= denseSetMax {
		// Every window of short; probe long at stride k.
		n := len(short) - w + 1
		st.initSet(n)
		for p := 0; p < n; p++ {
			st.insert(hashWindow(short[p:p+w]), int32(p))
		}
		for q := 0; q+w <= len(long); q += k {
			if st.lookup(hashWindow(long[q:q+w]), short, long, q, w, min) {
				return true
			}
		}
		return false
	}
	// Every k-th window of short; probe long at every offset.
	n := (len(short)-w)/k + 1
	st.initSet(n)
	for p := 0; p+w <= len(short); p += k {
		st.insert(hashWindow(short[p:p+w]), int32(p))
	}
	for q := 0; q+w <= len(long); q++ {
		if st.lookup(hashWindow(long[q:q+w]), short, long, q, w, min) {
			return true
		}
	}
	return false
}

// normFlow appends s lower-cased (ASCII) with white-space runs collapsed to
// one space and leading/trailing white space dropped.
func normFlow(dst []byte, s string) []byte {
	if len(s) > maxFlowInput {
		s = s[:maxFlowInput]
	}
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			space = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if space && len(dst) > 0 {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, c)
	}
	return dst
}

// hashWindow hashes 4 or more bytes, eight (or four) at a time.
func hashWindow(b []byte) uint64 {
	const m = 0x9E3779B97F4A7C15
	h := uint64(len(b))
	if len(b) >= 8 {
		i := 0
		for ; i+8 <= len(b); i += 8 {
			h = (h ^ binary.LittleEndian.Uint64(b[i:])) * m
			h ^= h >> 29
		}
		if i < len(b) {
			h = (h ^ binary.LittleEndian.Uint64(b[len(b)-8:])) * m
			h ^= h >> 29
		}
		return h
	}
	x := uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[len(b)-4:]))<<32
	h = (h ^ x) * m
	return h ^ h>>29
}

func (st *flowState) initSet(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(st.keys) < size {
		st.keys = make([]uint64, size)
		st.vals = make([]int32, size)
	}
	st.keys = st.keys[:size]
	st.vals = st.vals[:size]
	clear(st.vals)
}

func (st *flowState) insert(h uint64, pos int32) {
	mask := uint64(len(st.keys) - 1)
	dup := 0
	for i := h & mask; ; i = (i + 1) & mask {
		if st.vals[i] == 0 {
			st.keys[i], st.vals[i] = h, pos+1
			return
		}
		if st.keys[i] == h {
			if dup++; dup >= maxDup {
				return
			}
		}
	}
}

// lookup reports whether a window of short hashing to h matches long at q
// and extends to a common run of at least min bytes.
func (st *flowState) lookup(h uint64, short, long []byte, q, w, min int) bool {
	mask := uint64(len(st.keys) - 1)
	for i := h & mask; st.vals[i] != 0; i = (i + 1) & mask {
		if st.keys[i] != h {
			continue
		}
		p := int(st.vals[i] - 1)
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

// Overlap returns 0..1: the share of b's distinct word tokens that also
// occur in a. Tokens are runs of letters and digits (non-ASCII letters
// included) of at least 3 bytes, ASCII lower-cased; a short list of English
// stop words ("the", "and", "with" …) is left out. It returns 0 when b has
// no tokens. Only the first MiB of each string is read.
func Overlap(a, b string) float64 {
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

func estimateTokens(s string) int {
	n := len(s)/4 + 1
	if n > 1<<18 {
		n = 1 << 18
	}
	return n
}

// addToken inserts h (vals 1 = present) and reports whether it is new.
// Tokens beyond the table's capacity are ignored.
func (st *flowState) addToken(h uint64) bool {
	mask := uint64(len(st.keys) - 1)
	for i, n := h&mask, 0; n < len(st.keys)/2; i, n = (i+1)&mask, n+1 {
		switch {
		case st.vals[i] == 0:
			st.keys[i], st.vals[i] = h, 1
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
	for i := h & mask; st.vals[i] != 0; i = (i + 1) & mask {
		if st.keys[i] == h {
			if st.vals[i] == 1 {
				st.vals[i] = 2
				return true
			}
			return false
		}
	}
	return false
}

// eachToken calls fn with the FNV-1a hash of every token of s that is at
// least 3 bytes long and not a stop word.
func eachToken(s string, fn func(uint64)) {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h, n := uint64(offset), 0
	for i := 0; i <= len(s); i++ {
		var c byte
		if i < len(s) {
			c = s[i]
		}
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c >= 0x80:
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			if n >= 3 && !isStop(h) {
				fn(h)
			}
			h, n = offset, 0
			continue
		}
		h = (h ^ uint64(c)) * prime
		n++
	}
}

// stopSet holds the FNV-1a hashes of English function words of three or
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
		h := uint64(14695981039346656037)
		for i := 0; i < len(w); i++ {
			h = (h ^ uint64(w[i])) * 1099511628211
		}
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
