package content

import (
	"encoding/base64"
	"slices"
	"strings"
	"unicode/utf8"
)

// Encoded layers: instructions hidden as hex bytes ("5b 65 72 72 …"), as
// base64, or spelled with invisible Unicode tag characters are decoded and
// scanned like the text itself (and count as hidden).

// encRun is an encoded run of the original text that decodes to readable
// text.
type encRun struct {
	kind Layer
	orig span // in the original text
	dec  span // in scanState.dec
}

// minHexPairs is the number of hex bytes from which a hex run is decoded;
// base64 runs are decoded from minB64Layer characters.
const (
	minHexPairs = 16
	minB64Layer = 24
)

// findRuns finds the encoded runs of s that decode to readable text. A run
// of hex pairs is at least 47 bytes long and a contiguous hex run at least
// 32, so probing every 32nd byte finds both; base64 runs are probed every
// 24th byte. Clean text costs a few hundred table lookups.
func (st *scanState) findRuns(s string) {
	st.runs = st.runs[:0]
	st.dec = st.dec[:0]
	limit := min(len(s), maxScan)
	// keep records the run decoded into st.dec[start:] if it reads as
	// text and the budget allows.
	keep := func(kind Layer, a, b, start int) {
		if len(st.runs) >= maxLayers || len(st.dec) > maxDecoded || !readable(st.dec[start:]) {
			st.dec = st.dec[:start]
			return
		}
		st.runs = append(st.runs, encRun{kind: kind, orig: span{a, b}, dec: span{start, len(st.dec)}})
	}
	for i := 0; i < limit; i += 32 {
		if c := s[i]; !hexDigit[c] && !isSpaceByte(c) {
			continue
		}
		step := 3 // "5b 65 72"
		a, b, ok := hexPairRun(s, i)
		if !ok {
			step = 2 // "5b6572"
			if a, b, ok = hexContRun(s, i); !ok {
				continue
			}
		}
		start := len(st.dec)
		st.dec = decodeHex(st.dec, s[a:b], step)
		keep(LayerHex, a, b, start)
		i = b
	}
	for i := 0; i < limit; i += minB64Layer {
		// A run of 24 holding i holds all of i-12..i or all of i..i+12;
		// prose has a space in most 12-byte stretches.
		if !isB64[s[i]] || !b64Stretch(s, i-12, i) && !b64Stretch(s, i, i+12) {
			continue
		}
		a, b, ok := base64Run(s, i, minB64Layer)
		if ok {
			start := len(st.dec)
			var dok bool
			if st.dec, dok = decodeBase64(st.dec, s[a:b]); dok {
				keep(LayerBase64, a, b, start)
			}
		}
		if b > i {
			i = b
		}
	}
}

// b64Stretch reports whether s[a:b] is in bounds and all base64 alphabet;
// it usually stops at the first space.
func b64Stretch(s string, a, b int) bool {
	if a < 0 || b > len(s) {
		return false
	}
	for ; a < b; a++ {
		if !isB64[s[a]] {
			return false
		}
	}
	return true
}

// addLayers appends the tag-character text and the decoded runs to the
// normalised buffer, each after a paragraph break.
func (st *scanState) addLayers(s string) {
	n := &st.n
	addLayer := func(kind Layer, decoded string, orig span) {
		if len(st.layers) >= maxLayers {
			return
		}
		n.buf = append(n.buf, '\n', '\n')
		if n.track {
			n.offs = append(n.offs, int32(orig.start), int32(orig.start))
		}
		start := len(n.buf)
		n.pendSpace = spaceNone
		n.add(decoded)
		n.finish()
		if n.track {
			for k := start; k < len(n.offs); k++ {
				n.offs[k] = int32(orig.start)
			}
		}
		st.layers = append(st.layers, layer{kind: kind, start: start, end: len(n.buf), orig: orig})
	}
	if len(n.tags) > 0 {
		addLayer(LayerTags, string(n.tags), span{0, len(s)})
	}
	for _, r := range st.runs {
		addLayer(r.kind, string(st.dec[r.dec.start:r.dec.end]), r.orig)
	}
}

// hexPairRun finds a run of at least minHexPairs two-digit hex tokens
// separated by single white-space bytes ("5b 65 72") around offset i.
func hexPairRun(b string, i int) (int, int, bool) {
	// Quick test: in a run of pairs every third byte is white space.
	p := i
	for p < i+3 && p < len(b) && !isSpaceByte(b[p]) {
		p++
	}
	if p+3 >= len(b) || p == i+3 || !isSpaceByte(b[p+3]) {
		return 0, 0, false
	}
	isTok := func(j int) bool {
		return j >= 0 && j+2 <= len(b) && hexDigit[b[j]] && hexDigit[b[j+1]] &&
			(j == 0 || isSpaceByte(b[j-1])) && (j+2 == len(b) || isSpaceByte(b[j+2]))
	}
	j := -1
	for k := i - 2; k <= i+1; k++ {
		if isTok(k) {
			j = k
			break
		}
	}
	if j < 0 {
		return 0, 0, false
	}
	a, e := j, j
	for isTok(a - 3) {
		a -= 3
	}
	for isTok(e + 3) {
		e += 3
	}
	if (e-a)/3+1 < minHexPairs {
		return 0, 0, false
	}
	return a, e + 2, true
}

// hexContRun finds a run of at least 2*minHexPairs hex digits around i that
// is a word of its own.
func hexContRun(b string, i int) (int, int, bool) {
	if i+4 > len(b) || !hexDigit[b[i]] || !hexDigit[b[i+1]] || !hexDigit[b[i+2]] || !hexDigit[b[i+3]] {
		return 0, 0, false
	}
	a, e := runAround(b, i, &hexDigit)
	if e-a < 2*minHexPairs || a > 0 && isWordByte(b[a-1]) || e < len(b) && isWordByte(b[e]) {
		return 0, 0, false
	}
	return a, e - (e-a)%2, true
}

// hexDigit marks 0-9, a-f and A-F.
var hexDigit = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// decodeHex appends the bytes of a hex run whose pairs start every step
// bytes (2: contiguous, 3: separated).
func decodeHex(dst []byte, b string, step int) []byte {
	for j := 0; j+1 < len(b); j += step {
		dst = append(dst, hexVal(b[j])<<4|hexVal(b[j+1]))
	}
	return dst
}

// readable reports whether decoded bytes look like text: valid UTF-8 with
// at most 10% control characters and at least one letter in four bytes.
func readable(b []byte) bool {
	if len(b) < 8 || !utf8.Valid(b) {
		return false
	}
	ctl, letters := 0, 0
	for _, c := range b {
		switch {
		case c == '\n' || c == '\r' || c == '\t':
		case c < 0x20 || c == 0x7F:
			ctl++
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80:
			letters++
		}
	}
	return ctl*10 <= len(b) && letters*4 >= len(b)
}

// decodeBase64 appends the decoding of a base64 run (standard or URL
// alphabet, padding optional) to dst.
func decodeBase64(dst []byte, run string) ([]byte, bool) {
	run = strings.TrimRight(run, "=")
	if len(run)%4 == 1 {
		run = run[:len(run)-1]
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(run, "-_") {
		enc = base64.RawURLEncoding
	}
	start := len(dst)
	dst = slices.Grow(dst, enc.DecodedLen(len(run)))[:start+enc.DecodedLen(len(run))]
	k, err := enc.Decode(dst[start:], rawBytes(run))
	if err != nil {
		return dst[:start], false
	}
	return dst[:start+k], true
}
