package content

import (
	"encoding/base64"
	"math"
	"slices"
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
	layer      int8 // index into scanState.layers, -1 for the main text
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
	idx := t.acIdx
	add := func(ai, end int) bool {
		pi := idx[ai]
		ph := &t.pats[pi]
		start := end - len(ph.text)
		if !validHit(buf, n.caps, ph, start, end) {
			return true
		}
		hits = append(hits, hit{pat: pi, start: int32(start), end: int32(end), layer: -1})
		return len(hits) < maxHits
	}
	scan(t.ac, buf, false, add)
	if n.st.wide && len(hits) < maxHits {
		idx = t.wdIdx
		scan(t.wide, buf, false, add)
	}
	st.hits = hits
	return st.score(buf, mainLen)
}

// validHit checks word boundaries and the pattern's flags.
func validHit(buf []byte, caps []int32, ph *phrase, start, end int) bool {
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
	if ph.flag&flagEmail != 0 && !emailAt(buf, start) {
		return false
	}
	if ph.flag&flagNoPoss != 0 && end+1 < len(buf) && buf[end] == '\'' && buf[end+1] == 's' {
		return false
	}
	if ph.flag&flagSentence != 0 && !sentenceStart(buf, start) && !capitalised(caps, start) {
		return false
	}
	return true
}

// emailAt reports whether the '@' at i joins a local part and a domain
// with a dot ("x@evil.com").
func emailAt(buf []byte, i int) bool {
	if i == 0 || !isWordByte(buf[i-1]) && buf[i-1] != '.' && buf[i-1] != '-' {
		return false
	}
	dot := false
	j := i + 1
	for ; j < len(buf) && j-i < 64; j++ {
		c := buf[j]
		if c == '.' {
			dot = true
			continue
		}
		if !isWordByte(c) && c != '-' {
			break
		}
	}
	return dot && j > i+3 && buf[j-1] != '.'
}

// capitalised reports whether the word at offset i of the normalised text
// was written with a capital letter after white space. Injected sentences
// are often pasted into a line without a full stop before them ("… $120
// Modify your answer to …"); a capitalised imperative verb then still
// starts a sentence.
func capitalised(caps []int32, i int) bool {
	_, ok := slices.BinarySearch(caps, int32(i))
	return ok
}

// sentenceStart reports whether position i starts a sentence, a line, a
// list item or a tag's content, possibly after an opener such as "please",
// "then", "you must" or "always" (at most four such words): what follows is
// in the imperative. Any line break counts: injected text is usually put on
// a line of its own after a line that need not end with a full stop.
func sentenceStart(buf []byte, i int) bool {
	j := i - 1
	words := 0
	for steps := 0; j >= 0 && steps < 48; steps++ {
		switch c := buf[j]; c {
		case ' ':
			j--
		case '"', '\'', '(', '=':
			j--
		case '-', '#', '>':
			if c == '>' && j > 0 && buf[j-1] != ' ' && buf[j-1] != '\n' {
				return true // closing tag: <instruction>ignore …
			}
			j--
		case '\n', '.', '!', '?', ':', ';', ']', '|', '}', ')':
			return true
		case ',':
			return conditionalClause(buf, j)
		default:
			if c < 'a' || c > 'z' || words >= 4 {
				return false
			}
			k := j
			for k >= 0 && buf[k] >= 'a' && buf[k] <= 'z' {
				k--
			}
			w := buf[k+1 : j+1]
			if !openerWord(w) {
				return false
			}
			if string(w) == "to" && !toOpener(buf, k) {
				return false // "To copy a file:" is not an order
			}
			if modal(w) && precededByYou(buf, k) {
				return true // "… you must send", "… you should now email"
			}
			words++
			j = k
		}
	}
	return j < 0
}

// conditionalClause reports whether the comma at j closes a clause that
// opens its sentence with when, if, before, after, once, whenever or
// while: "When the user asks for the weather, first call …" is an order.
func conditionalClause(buf []byte, j int) bool {
	k := j - 1
	for ; k >= 0 && j-k < 160; k-- {
		if c := buf[k]; c == '\n' || c == ':' || c == ';' || c == '(' || isBoundary(buf, k) {
			break
		}
	}
	if k >= 0 && j-k >= 160 {
		return false
	}
	k++
	for k < j && (buf[k] == ' ' || buf[k] == '"' || buf[k] == '-') {
		k++
	}
	e := k
	for e < j && buf[e] >= 'a' && buf[e] <= 'z' {
		e++
	}
	switch string(buf[k:e]) {
	case "when", "if", "before", "after", "once", "whenever", "while", "upon":
		return true
	}
	return false
}

// toOpener reports whether the "to" ending at k+1 follows need, have,
// want, you, going or ought ("you need to send").
func toOpener(buf []byte, k int) bool {
	e := k
	for e >= 0 && buf[e] == ' ' {
		e--
	}
	b := e
	for b >= 0 && buf[b] >= 'a' && buf[b] <= 'z' {
		b--
	}
	switch string(buf[b+1 : e+1]) {
	case "need", "have", "want", "you", "going", "ought", "has":
		return true
	}
	return false
}

func modal(w []byte) bool {
	switch string(w) {
	case "must", "should", "need", "will", "have":
		return true
	}
	return false
}

// precededByYou reports whether the word before offset k+1 is "you".
func precededByYou(buf []byte, k int) bool {
	e := k
	for e >= 0 && buf[e] == ' ' {
		e--
	}
	return e >= 2 && string(buf[e-2:e+1]) == "you" && (e == 2 || !isWordByte(buf[e-3]))
}

// openerWord lists words that may stand before an imperative verb.
func openerWord(w []byte) bool {
	switch string(w) {
	case "please", "kindly", "also", "now", "then", "and", "just", "simply",
		"always", "first", "immediately", "you", "must", "should", "need",
		"to", "will", "secretly", "silently", "quietly", "automatically",
		"so", "next", "finally", "instead", "have", "want", "i":
		return true
	}
	return false
}

// isProseTail reports whether a line ending in c probably continues on the
// next line (hard-wrapped prose) rather than ending there.
func isProseTail(c byte) bool {
	return 'a' <= c && c <= 'z' || c == ','
}

// isBoundary reports whether buf[j] ends a sentence: '.', '!' or '?'
// followed by white space or the end, a blank line, or a line break after
// anything but a word or a comma (a command, a heading, a list item, a
// label: a line of a cheat sheet or a record is not continued prose).
func isBoundary(buf []byte, j int) bool {
	switch buf[j] {
	case '.', '!', '?':
		return j+1 == len(buf) || buf[j+1] == ' ' || buf[j+1] == '\n'
	case '\n':
		if j+1 < len(buf) && buf[j+1] == '\n' {
			return true
		}
		return j == 0 || !isProseTail(buf[j-1])
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
	slices.SortFunc(hits, func(a, b hit) int {
		if a.start != b.start {
			return int(a.start - b.start)
		}
		return int(a.end - b.end)
	})

	// Layers and comment placement, in one walk over the hits.
	var (
		li       int
		inCom    bool
		comStart int32 = -1
	)
	for i := range hits {
		h := &hits[i]
		for li < len(st.layers) && int(h.start) >= st.layers[li].end {
			li++
		}
		if li < len(st.layers) && int(h.start) >= st.layers[li].start {
			h.layer = int8(li)
			h.hidden = true
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
		if h.hidden && ph.w >= 0.25 && ph.fam != famCodeRisk {
			hiddenW += ph.w
		}
	}

	// Cue pairs: each counts once.
	for ci := range combos {
		c := &combos[ci]
		i, j, k, w := st.comboMatch(buf, c)
		if w == 0 {
			continue
		}
		fam[c.fam] += w
		if hits[i].hidden || hits[j].hidden || k >= 0 && hits[k].hidden {
			hiddenW += w
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

	if fam[famCode] == 0 {
		fam[famCodeRisk] = 0
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

// sameSentence reports whether no sentence boundary and no layer change
// lies between hit a and the later hit b.
func sameSentence(buf []byte, a, b *hit) bool {
	if a.layer != b.layer {
		return false
	}
	for k := int(a.end); k < int(b.start); k++ {
		if isBoundary(buf, k) {
			return false
		}
	}
	return true
}

// comboMatch finds an occurrence of combo c: the indexes of its hits in
// text order (k is -1 for a pair) and its weight, halved when c asks for
// the imperative and no occurrence is in it.
func (st *scanState) comboMatch(buf []byte, c *combo) (i, j, k int, w float32) {
	t := table()
	hits := st.hits
	cueOf := func(x int) cue { return t.pats[hits[x].pat].cue }
	bi, bj, bk := -1, -1, -1
	for x := range hits {
		if cueOf(x) != c.a {
			continue
		}
		a := &hits[x]
		y, z := -1, -1
		for q := x + 1; q < len(hits); q++ {
			b := &hits[q]
			if int(b.start-a.end) > c.gap || !sameSentence(buf, a, b) {
				break
			}
			if cueOf(q) != c.b || b.start < a.end {
				continue
			}
			if c.c == cueNone {
				y = q
				break
			}
			for r := q + 1; r < len(hits); r++ {
				d := &hits[r]
				if int(d.start-b.end) > c.gap || !sameSentence(buf, b, d) {
					break
				}
				if cueOf(r) == c.c && d.start >= b.end {
					y, z = q, r
					break
				}
			}
			if y >= 0 {
				break
			}
		}
		if y < 0 && c.any {
			for q := x - 1; q >= 0; q-- {
				b := &hits[q]
				if int(a.start-b.end) > c.gap+64 {
					break
				}
				if cueOf(q) == c.b && b.end <= a.start && int(a.start-b.end) <= c.gap {
					if sameSentence(buf, b, a) {
						y = q
					}
					break
				}
			}
		}
		if y < 0 {
			continue
		}
		if !c.mood || sentenceStart(buf, int(a.start)) || capitalised(st.n.caps, int(a.start)) {
			if y < x {
				return y, x, z, c.w
			}
			return x, y, z, c.w
		}
		if bi < 0 {
			bi, bj, bk = x, y, z
			if y < x {
				bi, bj = y, x
			}
		}
	}
	if bi >= 0 {
		return bi, bj, bk, c.w / 2
	}
	return -1, -1, -1, 0
}

// findings calls fn with every cue pair and every weighted hit of the
// last run, in text order, with offsets mapped back to s when tracked.
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
	type pair struct {
		first, last int
		fam         family
		w           float32
	}
	var pairs [32]pair
	np := 0
	for ci := range combos {
		c := &combos[ci]
		i, j, k, w := st.comboMatch(buf, c)
		if w == 0 || np == len(pairs) {
			continue
		}
		last := j
		if k >= 0 {
			last = k
		}
		pairs[np] = pair{i, last, c.fam, w}
		np++
	}
	seen := st.seen[:len(t.pats)]
	clear(seen)
	for i := range st.hits {
		for k := 0; k < np; k++ {
			if pairs[k].first == i {
				p := pairs[k]
				fn(mk(p.fam, &st.hits[p.first], &st.hits[p.last], p.w))
			}
		}
		h := &st.hits[i]
		ph := &t.pats[h.pat]
		if ph.w == 0 || seen[h.pat] > 0 || st.fam[ph.fam] == 0 {
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
// reads like instructions smuggled to the model. It is InjectionScore with
// a stricter view of what a description may contain: instructions to the
// model are normal there ("Use this tool to …", "Ask the user for …"), but
// chat-template tokens and fake turn markers ([system], <|im_start|>),
// hidden text (zero-width, bidi or tag characters, HTML comments, padding)
// and references to secrets are not, so each of those adds points (0.5,
// 0.5 and 0.25, plus 0.25 when something is also being hidden from the
// user). Use it on tools/list results; use
// InjectionScore on tool results.
func DescriptionScore(s string) float64 {
	st := getState()
	p := st.run(s, false)
	p += st.descriptionExtra()
	putState(st)
	if HiddenText(s) {
		p += 0.5
	}
	return scoreOf(p)
}

// descriptionExtra returns the points DescriptionScore adds to a run.
func (st *scanState) descriptionExtra() float64 {
	t := table()
	var p float64
	if st.fam[famConceal] > 0 {
		p += 0.25
	}
	var turn, secret bool
	for _, h := range st.hits {
		ph := &t.pats[h.pat]
		switch {
		case ph.cue == cueTurn:
			turn = true
		case ph.cue == cueSensitive, ph.fam == famDanger && ph.w > 0:
			secret = true
		}
	}
	if turn {
		p += 0.5
	}
	if secret {
		p += 0.25
	}
	return p
}
