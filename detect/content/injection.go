package content

import (
	"encoding/base64"
	"math"
	"sync"
	"unicode/utf8"
)

// table is the compiled phrase vocabulary, built on first use and never
// changed afterwards.
var table = sync.OnceValue(buildPhraseTable)

// Layer tells where in the text a finding was made.
type Layer uint8

// Layers of a scanned text.
const (
	LayerText   Layer = iota // the text as given (after normalisation)
	LayerTags                // ASCII spelled with invisible Unicode tag characters
	LayerHex                 // a run of hex bytes ("5b 65 72 …") decoded
	LayerBase64              // a base64 run decoded
)

var layerNames = [...]string{"text", "tags", "hex", "base64"}

// String returns "text", "tags", "hex" or "base64".
func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "unknown"
}

// Finding is one piece of evidence behind an injection score.
type Finding struct {
	// Family is the phrase family: "override", "role", "separator",
	// "conceal", "toolcall", "exfil", "address", "steer", "verdict",
	// "urgency", "adhere", "danger", "code" or "hidden".
	Family string
	// Phrase is the matched text in normalised form (lower case, single
	// spaces); for a cue pair it runs from the first cue to the second.
	Phrase string
	// Start and End are byte offsets into the scanned text. For a finding
	// in a decoded layer they span the whole encoded run.
	Start, End int
	// Layer is where the phrase was found.
	Layer Layer
	// Hidden is set when the phrase sits inside an HTML comment or a
	// decoded layer.
	Hidden bool
	// Weight is the points the phrase contributed before family caps.
	Weight float64
}

// Findings is the result of Scan.
type Findings struct {
	// Score is InjectionScore of the text.
	Score float64
	// Points is the capped sum behind Score (Score = 1 - 2^-Points).
	Points float64
	// Families holds the points of each family that contributed, by name.
	Families map[string]float64
	// Findings are the phrases and cue pairs that carried weight, in text
	// order.
	Findings []Finding
	// Invisible counts zero-width, bidi-control and tag characters.
	Invisible int
}

// Limits on work per call. Texts longer than maxScan bytes are scored on
// their first maxScan bytes and their last maxScanTail bytes (injections
// are often appended at the end of a document).
const (
	maxScan     = 256 << 10
	maxScanTail = 32 << 10
	maxHits     = 1024
	maxLayers   = 16
	maxDecoded  = 16 << 10
	maxFindings = 64
)

// hit is one validated pattern occurrence in the normalised buffer.
type hit struct {
	pat        int32
	start, end int32
	sent       int32 // sentence number
	layer      int8  // index into scanState.layers, -1 for the main text
	hidden     bool
}

// layer is a decoded region appended to the normalised buffer.
type layer struct {
	kind       Layer
	start, end int // in the normalised buffer
	orig       span
}

// scanState is the reusable scratch space of one scan.
type scanState struct {
	n      normalizer
	hits   []hit
	tmp    []byte
	layers []layer
	fam    [numFamilies]float32
	seen   []uint8 // per pattern occurrence count (saturating)
	combo  []float32
}

var statePool = sync.Pool{New: func() any { return new(scanState) }}

func getState() *scanState {
	st := statePool.Get().(*scanState)
	return st
}

func putState(st *scanState) {
	if cap(st.n.buf) > 1<<20 || cap(st.tmp) > 1<<20 {
		return // let oversized buffers go
	}
	statePool.Put(st)
}

// InjectionScore returns 0..1: how much s reads like instructions aimed at
// a model rather than data. 0.5 is the default alert threshold: one strong
// indicator (an override of previous instructions, a chat-template token, a
// request to hide something from the user) or two medium ones reach it.
// See docs/content.md for the measured precision and recall.
func InjectionScore(s string) float64 {
	st := getState()
	p := st.run(s, false)
	putState(st)
	return scoreOf(p)
}

// InjectionPhrases returns the instruction-like phrases found in s, in text
// order, without repeats: each is the matched text in normalised form (lower
// case, single spaces), so rules can compare it with string literals. Cue
// pairs ("ignore … previous instructions") are returned as the text from the
// first cue to the second. It returns nil when nothing carried weight.
func InjectionPhrases(s string) []string {
	st := getState()
	st.run(s, false)
	var out []string
	st.findings(s, func(f Finding) {
		for _, o := range out {
			if o == f.Phrase {
				return
			}
		}
		out = append(out, f.Phrase)
	})
	putState(st)
	return out
}

// Scan scores s like InjectionScore and returns the evidence: every phrase
// and cue pair that carried weight, with its family and its byte span in s,
// and the points per family.
func Scan(s string) Findings {
	st := getState()
	p := st.run(s, true)
	f := Findings{Score: scoreOf(p), Points: p, Invisible: st.n.st.invisible}
	for i, v := range st.fam {
		if v > 0 {
			if f.Families == nil {
				f.Families = make(map[string]float64)
			}
			f.Families[familyNames[i]] = float64(v)
		}
	}
	st.findings(s, func(x Finding) {
		if len(f.Findings) < maxFindings {
			f.Findings = append(f.Findings, x)
		}
	})
	putState(st)
	return f
}

func scoreOf(points float64) float64 {
	if points <= 0 {
		return 0
	}
	return 1 - math.Exp2(-points)
}

// run normalises s, scans it and computes the family points. It returns
// the total points.
func (st *scanState) run(s string, track bool) float64 {
	t := table()
	n := &st.n
	n.track = track
	n.reset(n.buf)
	st.layers = st.layers[:0]
	st.hits = st.hits[:0]
	if len(s) > maxScan+maxScanTail {
		head := s[:maxScan]
		tail := s[len(s)-maxScanTail:]
		n.add(head)
		n.space(true, maxScan)
		n.space(true, maxScan)
		n.base = len(s) - maxScanTail
		n.add(tail)
		n.base = 0
	} else {
		n.add(s)
	}
	n.finish()
	mainLen := len(n.buf)

	st.decodeLayers(s, mainLen)

	buf := n.buf
	hits := st.hits
	t.ac.scan(buf, func(pi, end int) bool {
		ph := &t.pats[pi]
		start := end - len(ph.text)
		if !validHit(buf, ph, start, end) {
			return true
		}
		hits = append(hits, hit{pat: int32(pi), start: int32(start), end: int32(end), layer: -1})
		return len(hits) < maxHits
	})
	st.hits = hits
	return st.score(buf, mainLen)
}

// validHit checks word boundaries and the pattern's flags.
func validHit(buf []byte, ph *phrase, start, end int) bool {
	if ph.left && start > 0 && isWordByte(buf[start-1]) {
		// "\nIgnore" in doubly escaped JSON: the n of the escape is
		// not part of the word.
		if !(start >= 2 && buf[start-2] == '\\' && (buf[start-1] == 'n' || buf[start-1] == 't' || buf[start-1] == 'r')) {
			return false
		}
	}
	if ph.right && end < len(buf) && isWordByte(buf[end]) {
		return false
	}
	if ph.flag&flagStrict != 0 && end < len(buf) {
		switch buf[end] {
		case ' ', '\n', '"', '\'', ';', ')', '|', '&':
		default:
			return false
		}
	}
	if ph.flag&flagSentence != 0 && !sentenceStart(buf, start) {
		return false
	}
	return true
}

// sentenceStart reports whether position i starts a sentence, a line, a
// list item or a tag's content: only white space, bullets, quotes or an
// opening bracket, and a polite opener ("please", "kindly", "also", "now"),
// stand between it and a sentence end, a line break, a closing bracket or
// the start of the text.
func sentenceStart(buf []byte, i int) bool {
	j := i - 1
	for steps := 0; j >= 0 && steps < 24; steps++ {
		switch c := buf[j]; c {
		case ' ', '"', '\'', '(', '-', '#', '=':
			j--
			continue
		case '\n', '.', '!', '?', ':', ';', ']', '>', '|', '}', ')':
			return true
		default:
			if c >= 'a' && c <= 'z' {
				// skip one polite opener
				k := j
				for k >= 0 && buf[k] >= 'a' && buf[k] <= 'z' {
					k--
				}
				switch string(buf[k+1 : j+1]) {
				case "please", "kindly", "also", "now", "then", "and", "just", "simply":
					j = k
					continue
				}
			}
			return false
		}
	}
	return j < 0
}

// isBoundary reports whether buf[j] ends a sentence: '.', '!' or '?'
// followed by white space or the end, or a blank line.
func isBoundary(buf []byte, j int) bool {
	switch buf[j] {
	case '.', '!', '?':
		return j+1 == len(buf) || buf[j+1] == ' ' || buf[j+1] == '\n'
	case '\n':
		return j+1 < len(buf) && buf[j+1] == '\n'
	}
	return false
}

// score assigns sentences and hidden placement to the hits and sums the
// family points.
func (st *scanState) score(buf []byte, mainLen int) float64 {
	t := table()
	hits := st.hits
	st.fam = [numFamilies]float32{}
	if len(hits) == 0 {
		return 0
	}
	// The automaton reports hits by end offset; order them by start.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && (hits[j].start < hits[j-1].start ||
			hits[j].start == hits[j-1].start && hits[j].end < hits[j-1].end); j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}

	// Sentence numbers, layers and comment placement, in one walk.
	var (
		sent     int32
		pos      int
		li       int
		inCom    bool
		comStart int32 = -1
	)
	for i := range hits {
		h := &hits[i]
		for ; pos < int(h.start); pos++ {
			if isBoundary(buf, pos) {
				sent++
			}
		}
		for li < len(st.layers) && int(h.start) >= st.layers[li].end {
			li++
		}
		if li < len(st.layers) && int(h.start) >= st.layers[li].start {
			h.layer = int8(li)
			h.sent = sent + 1<<20*int32(li+1)
			h.hidden = true
		} else {
			h.sent = sent
		}
		switch t.pats[h.pat].cue {
		case cueCommentOpen:
			if !inCom {
				inCom, comStart = true, h.start
			}
		case cueCommentClose:
			inCom = false
		}
		if inCom && h.start > comStart {
			h.hidden = true
		}
	}

	// Standalone weights, once per pattern plus a little for repeats.
	if cap(st.seen) < len(t.pats) {
		st.seen = make([]uint8, len(t.pats))
	}
	seen := st.seen[:len(t.pats)]
	clear(seen)
	var fam [numFamilies]float32
	hiddenW := float32(0)
	for i := range hits {
		h := &hits[i]
		ph := &t.pats[h.pat]
		if ph.w == 0 {
			continue
		}
		if seen[h.pat] < 255 {
			seen[h.pat]++
		}
		switch seen[h.pat] {
		case 1:
			fam[ph.fam] += ph.w
		case 2, 3, 4:
			fam[ph.fam] += ph.w * 0.1
		}
		if h.hidden && ph.w >= 0.25 {
			hiddenW += ph.w
		}
	}

	// Cue pairs: each counts once.
	for _, c := range combos {
		if w, hid := st.comboWeight(buf, c); w > 0 {
			fam[c.fam] += w
			if hid {
				hiddenW += w
			}
		}
	}

	// Instructions in hidden places weigh more.
	if hiddenW >= 0.5 {
		fam[famHidden] += 0.5
		if hiddenW >= 1 {
			fam[famHidden] += 0.5
		}
	}
	if st.n.st.invisible > 0 {
		var total float32
		for f := range fam {
			total += fam[f]
		}
		if total >= 0.5 {
			fam[famHidden] += 0.25
			if st.n.st.bidi > 0 {
				fam[famHidden] += 0.25
			}
		}
	}

	var p float64
	for f := range fam {
		v := fam[f]
		if v > familyCap[f] {
			v = familyCap[f]
		}
		st.fam[f] = v
		p += float64(v)
	}
	return p
}

// comboWeight reports whether combo c occurs: a hit of cue c.a followed by
// a hit of cue c.b in the same sentence, at most c.gap bytes after it.
func (st *scanState) comboWeight(buf []byte, c combo) (float32, bool) {
	t := table()
	hits := st.hits
	for i := range hits {
		a := &hits[i]
		if t.pats[a.pat].cue != c.a {
			continue
		}
		for j := i + 1; j < len(hits); j++ {
			b := &hits[j]
			if int(b.start-a.end) > c.gap {
				break
			}
			if b.sent != a.sent {
				break
			}
			if t.pats[b.pat].cue != c.b || b.start < a.end {
				continue
			}
			return c.w, a.hidden || b.hidden
		}
	}
	return 0, false
}

// findings calls fn with every weighted hit and every cue pair of the last
// run, in text order, with offsets mapped back to s when tracked.
func (st *scanState) findings(s string, fn func(Finding)) {
	t := table()
	buf := st.n.buf
	mk := func(fam family, a, b *hit, w float32) Finding {
		f := Finding{
			Family: familyNames[fam],
			Phrase: string(buf[a.start:b.end]),
			Hidden: a.hidden || b.hidden,
			Weight: float64(w),
		}
		if a.layer >= 0 {
			l := st.layers[a.layer]
			f.Layer = l.kind
			f.Start, f.End = l.orig.start, l.orig.end
		} else if len(st.n.offs) == len(buf) {
			f.Start = int(st.n.offs[a.start])
			f.End = origEnd(s, int(st.n.offs[b.end-1]))
		}
		return f
	}
	// Cue pairs are reported at their first occurrence, standalone
	// phrases at every first occurrence of their pattern.
	type pair struct{ i, j int }
	var pairs [16]pair
	np := 0
	for _, c := range combos {
		hits := st.hits
	outer:
		for i := range hits {
			a := &hits[i]
			if t.pats[a.pat].cue != c.a {
				continue
			}
			for j := i + 1; j < len(hits); j++ {
				b := &hits[j]
				if int(b.start-a.end) > c.gap || b.sent != a.sent {
					break
				}
				if t.pats[b.pat].cue == c.b && b.start >= a.end {
					if np < len(pairs) {
						pairs[np] = pair{i, j}
						np++
					}
					break outer
				}
			}
		}
	}
	seen := st.seen[:len(t.pats)]
	clear(seen)
	for i := range st.hits {
		h := &st.hits[i]
		for k := 0; k < np; k++ {
			if pairs[k].i == i {
				a, b := &st.hits[pairs[k].i], &st.hits[pairs[k].j]
				var w float32
				for _, c := range combos {
					if t.pats[a.pat].cue == c.a && t.pats[b.pat].cue == c.b {
						w = c.w
						fn(mk(c.fam, a, b, w))
						break
					}
				}
			}
		}
		ph := &t.pats[h.pat]
		if ph.w == 0 || seen[h.pat] > 0 {
			continue
		}
		seen[h.pat] = 1
		fn(mk(ph.fam, h, h, ph.w))
	}
}

// origEnd returns the offset just after the character starting at off.
func origEnd(s string, off int) int {
	if off >= len(s) {
		return len(s)
	}
	_, w := utf8.DecodeRuneInString(s[off:])
	if s[off] == '&' {
		if _, k := htmlRef(s[off:]); k > 0 {
			w = k
		}
	}
	return off + w
}

// decodeLayers appends decoded hex runs, base64 runs and tag-character text
// to the normalised buffer, each after a paragraph break.
func (st *scanState) decodeLayers(s string, mainLen int) {
	n := &st.n
	budget := maxDecoded
	addLayer := func(kind Layer, decoded []byte, orig span) {
		if len(st.layers) >= maxLayers || budget <= 0 {
			return
		}
		if len(decoded) > budget {
			decoded = decoded[:budget]
		}
		budget -= len(decoded)
		n.buf = append(n.buf, '\n', '\n')
		if n.track {
			n.offs = append(n.offs, int32(orig.start), int32(orig.start))
		}
		start := len(n.buf)
		n.base = orig.start
		n.pendSpace = spaceNone
		n.add(string(decoded))
		n.finish()
		n.base = 0
		if n.track {
			for k := start; k < len(n.offs); k++ {
				n.offs[k] = int32(orig.start)
			}
		}
		st.layers = append(st.layers, layer{kind: kind, start: start, end: len(n.buf), orig: orig})
	}

	if len(n.tags) > 0 {
		tags := append(st.tmp[:0], n.tags...)
		st.tmp = tags
		addLayer(LayerTags, tags, span{0, len(s)})
	}

	// Hex runs in the normalised main text, probed every 16 bytes.
	buf := n.buf[:mainLen]
	for i := 0; i < len(buf); i += 16 {
		if a, b, ok := hexPairRun(buf, i); ok {
			dec := decodeHexPairs(st.tmp[:0], buf[a:b])
			st.tmp = dec
			if readable(dec) {
				addLayer(LayerHex, dec, st.origSpan(a, b, len(s)))
				buf = n.buf[:mainLen]
			}
			i = b
			continue
		}
		if a, b, ok := hexContRun(buf, i); ok {
			dec := decodeHexCont(st.tmp[:0], buf[a:b])
			st.tmp = dec
			if readable(dec) {
				addLayer(LayerHex, dec, st.origSpan(a, b, len(s)))
				buf = n.buf[:mainLen]
			}
			i = b
		}
	}

	// Base64 runs in the original text, probed every 16 bytes.
	limit := len(s)
	if limit > maxScan {
		limit = maxScan
	}
	for i := 0; i < limit; i += 16 {
		a, b, ok := base64Run(s, i, 24)
		if !ok {
			if b > i {
				i = b
			}
			continue
		}
		dec, ok := decodeBase64(st.tmp[:0], s[a:b])
		st.tmp = dec[:0]
		if ok && readable(dec) {
			addLayer(LayerBase64, dec, span{a, b})
		}
		i = b
	}
}

// origSpan maps a span of the normalised main text back to s.
func (st *scanState) origSpan(a, b, n int) span {
	if len(st.n.offs) > b {
		return span{int(st.n.offs[a]), int(st.n.offs[b-1]) + 1}
	}
	return span{0, n}
}

// hexPairRun finds a run of at least minHexPairs space-separated two-digit
// hex tokens ("5b 65 72") around position i of b.
func hexPairRun(b []byte, i int) (int, int, bool) {
	isTok := func(j int) bool {
		return j >= 0 && j+2 <= len(b) && isHexDigit(b[j]) && isHexDigit(b[j+1]) &&
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

// hexContRun finds a run of at least 2*minHexPairs hex digits around i.
func hexContRun(b []byte, i int) (int, int, bool) {
	if i >= len(b) || !isHexDigit(b[i]) {
		return 0, 0, false
	}
	a, e := i, i
	for a > 0 && isHexDigit(b[a-1]) {
		a--
	}
	for e < len(b) && isHexDigit(b[e]) {
		e++
	}
	if e-a < 2*minHexPairs || a > 0 && isWordByte(b[a-1]) || e < len(b) && isWordByte(b[e]) {
		return 0, 0, false
	}
	return a, e - (e-a)%2, true
}

// minHexPairs is the number of hex bytes from which a hex run is decoded.
const minHexPairs = 16

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f'
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' }

func hexVal(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

func decodeHexPairs(dst, b []byte) []byte {
	for j := 0; j+1 < len(b); j += 3 {
		dst = append(dst, hexVal(b[j])<<4|hexVal(b[j+1]))
	}
	return dst
}

func decodeHexCont(dst, b []byte) []byte {
	for j := 0; j+1 < len(b); j += 2 {
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

// decodeBase64 decodes a base64 run (standard or URL alphabet, padding
// optional) into dst.
func decodeBase64(dst []byte, run string) ([]byte, bool) {
	for len(run) > 0 && run[len(run)-1] == '=' {
		run = run[:len(run)-1]
	}
	if len(run)%4 == 1 {
		run = run[:len(run)-1]
	}
	enc := base64.RawStdEncoding
	for i := 0; i < len(run); i++ {
		if run[i] == '-' || run[i] == '_' {
			enc = base64.RawURLEncoding
			break
		}
	}
	need := enc.DecodedLen(len(run))
	if cap(dst) < need {
		dst = make([]byte, need)
	}
	dst = dst[:need]
	k, err := enc.Decode(dst, []byte(run))
	if err != nil {
		return dst[:0], false
	}
	return dst[:k], true
}

// DescriptionScore returns 0..1: how much a tool or parameter description
// reads like instructions smuggled to the model.
func DescriptionScore(s string) float64 { return InjectionScore(s) }
