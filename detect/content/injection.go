package content

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// table is the compiled phrase vocabulary, built on first use and never
// changed afterwards.
var table = sync.OnceValue(buildPhraseTable)

// Layer tells where in the text a finding was made.
type Layer uint8

// Layers of a scanned text.
const (
	LayerText   Layer = iota // the text as given
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
	// "urgency", "adhere", "danger", "code", "coderisk" or "hidden".
	Family string
	// Phrase is the matched text in normalised form (lower case, single
	// spaces); for a cue pair it runs from the first cue to the last.
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
	// order (at most 64).
	Findings []Finding
	// Invisible counts zero-width, bidi-control and tag characters.
	Invisible int
}

// Limits on work per call. Texts longer than maxScan+maxScanTail bytes are
// scored on their first maxScan bytes and their last maxScanTail bytes
// (injections are often appended at the end of a document).
const (
	maxScan     = 256 << 10
	maxScanTail = 32 << 10
	maxHits     = 1024
	maxLayers   = 16
	maxDecoded  = 16 << 10
	maxFindings = 64
)

// exfilDescriptiveCap caps the exfiltration family when no send verb in
// the imperative took part.
const exfilDescriptiveCap = 0.5

// hit is one validated pattern occurrence in the scanned buffer.
type hit struct {
	pat        int32
	start, end int32
	sent       int32 // sentence number (see sentenceBreaks)
	layer      int8  // index into scanState.layers, -1 for the main text
	hidden     bool
	cue        cue // the pattern's cue
}

// layer is a decoded region appended to the normalised buffer.
type layer struct {
	kind       Layer
	start, end int // in the buffer
	orig       span
}

// scanState is the reusable scratch space of one scan.
type scanState struct {
	n      normalizer
	buf    []byte // what was scanned: the raw text or n.buf
	raw    bool   // buf is the raw text itself
	hits   []hit
	runs   []encRun
	dec    []byte // decoded runs, back to back
	layers []layer
	fam    [numFamilies]float32
	seen   []uint8   // per pattern occurrence count (saturating)
	cues   uint32    // the cues of hits (bit 1<<cue)
	pairs  []pairHit // the cue pairs that carried weight (see score)
	sc     scratch
	t      *phraseTable
}

// pairHit is a cue pair that carried weight in the last run: the indexes
// of its first and last hits, its family and its weight. score finds them
// and findings reports them.
type pairHit struct {
	first, last int
	fam         family
	w           float32
}

// statePool recycles scan buffers between calls; it holds no state that
// outlives a call.
var statePool = sync.Pool{New: func() any { return new(scanState) }}

func getState() *scanState { return statePool.Get().(*scanState) }

func putState(st *scanState) {
	st.buf = nil // do not keep the caller's string alive
	st.t = nil
	if cap(st.n.buf) > 1<<20 || cap(st.dec) > 1<<20 || cap(st.sc.z) > 2<<20 || cap(st.sc.ev) > 1<<16 {
		return // let oversized buffers go
	}
	statePool.Put(st)
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

// DescriptionScore returns 0..1: how much a tool or parameter description
// reads like instructions smuggled to the model. It is InjectionScore with
// a stricter view of what a description may contain: instructions to the
// model are normal there ("Use this tool to …", "Ask the user for …"), but
// chat-template tokens and fake turn markers ([system], <|im_start|>),
// hidden text (zero-width, bidi or tag characters, HTML comments, padding)
// and references to secrets are not, so each of those adds points (0.5,
// 0.5 and 0.25, plus 0.25 when something is also being hidden from the
// user). Use it on tools/list results; use InjectionScore on tool results.
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
	t := st.t
	var p float64
	if st.fam[famConceal] > 0 {
		p += 0.25
	}
	// score has gathered the cues of the hits; the phrases of cueTurn are
	// all of famRole.
	turn := st.cues&(1<<cueTurn) != 0
	secret := st.cues&(1<<cueSensitive) != 0
	for i := 0; i < len(st.hits) && !secret; i++ {
		ph := &t.pats[st.hits[i].pat]
		secret = ph.fam == famDanger && ph.w > 0
	}
	if turn {
		p += 0.5
	}
	if secret {
		p += 0.25
	}
	return p
}

func scoreOf(points float64) float64 {
	if points <= 0 {
		return 0
	}
	return 1 - math.Exp2(-points)
}

// The cues of the hits of a scan are kept as bits of a uint32.
var _ [32 - numCues]struct{}

// plainASCII reports whether s can be scanned as it is: ASCII without
// character references or backslash escapes. The automaton folds case,
// collapses white space and skips markdown marks by itself; only what
// needs decoding goes through the normaliser.
func plainASCII(s string) bool {
	return isASCII(s) && strings.IndexByte(s, '&') < 0 && strings.IndexByte(s, '\\') < 0
}

// isASCII reports whether s holds only ASCII bytes, 32 bytes at a time.
func isASCII(s string) bool {
	b := rawBytes(s)
	i := 0
	for ; i+32 <= len(b); i += 32 {
		q := b[i : i+32]
		w := binary.LittleEndian.Uint64(q[0:]) | binary.LittleEndian.Uint64(q[8:]) |
			binary.LittleEndian.Uint64(q[16:]) | binary.LittleEndian.Uint64(q[24:])
		if w&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// rawBytes returns the bytes of s without copying. The scanner only reads
// them.
func rawBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// run scans s and computes the family points; it returns the total.
func (st *scanState) run(s string, track bool) float64 {
	t := table()
	st.t = t
	n := &st.n
	st.layers = st.layers[:0]
	st.hits = st.hits[:0]
	n.st = normStats{}
	st.findRuns(s)

	if len(st.runs) == 0 && len(s) <= maxScan+maxScanTail && plainASCII(s) {
		st.raw = true
		st.buf = rawBytes(s)
	} else {
		st.raw = false
		n.track = track
		n.reset(n.buf)
		if len(s) > maxScan+maxScanTail {
			n.add(s[:maxScan])
			n.space(true, maxScan)
			n.space(true, maxScan)
			n.base = len(s) - maxScanTail
			n.add(s[len(s)-maxScanTail:])
			n.base = 0
		} else {
			n.add(s)
		}
		n.finish()
		st.addLayers(s)
		st.buf = n.buf
	}

	buf := st.buf
	hits := st.hits
	idx := t.acIdx
	add := func(ai, start, end int) bool {
		pi := idx[ai]
		if !st.validHit(&t.pats[pi], start, end) {
			return true
		}
		hits = append(hits, hit{pat: pi, start: int32(start), end: int32(end), layer: -1, cue: t.pats[pi].cue})
		return len(hits) < maxHits
	}
	scan(t.ac, buf, add, &st.sc)
	if !st.raw && n.st.wide && len(hits) < maxHits {
		idx = t.wdIdx
		scan(t.wide, buf, add, &st.sc)
	}
	st.hits = hits
	return st.score(buf)
}

// score marks hidden placement and sums the family points.
func (st *scanState) score(buf []byte) float64 {
	t := st.t
	hits := st.hits
	st.fam = [numFamilies]float32{}
	st.cues = 0
	st.pairs = st.pairs[:0]
	if len(hits) == 0 {
		return 0
	}
	// The scan finds hits by end offset, which is mostly their order
	// already. Only a strictly increasing order is kept as it is: every
	// sort leaves that one unchanged, whereas equal hits may come out of
	// an unstable sort in another order.
	if !strictlyOrdered(hits) {
		slices.SortFunc(hits, func(a, b hit) int {
			if a.start != b.start {
				return int(a.start - b.start)
			}
			return int(a.end - b.end)
		})
	}

	// Sentences matter only to cue pairs, so they are numbered only when
	// the hits hold the cues of a pair.
	for i := range hits {
		st.cues |= 1 << hits[i].cue
	}
	pairs := false
	for ci := range combos {
		pairs = pairs || st.hasCues(&combos[ci])
	}

	// Sentences, layers and comment placement, in one walk over the hits.
	var (
		li       int
		inCom    bool
		comStart int32 = -1
		sent     int32
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
		if i > 0 && pairs {
			sent += sentenceBreaks(buf, &hits[i-1], h)
		}
		h.sent = sent
		switch h.cue {
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
	ordered := false // an exfiltration pair in the imperative
	for ci := range combos {
		c := &combos[ci]
		i, j, k, w := st.comboMatch(buf, c)
		if w == 0 {
			continue
		}
		if c.fam == famExfil && c.mood && w == c.w {
			ordered = true
		}
		fam[c.fam] += w
		last := j
		if k >= 0 {
			last = k
		}
		st.pairs = append(st.pairs, pairHit{i, last, c.fam, w})
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
	// Writing about exfiltration ("attackers send the data to a server
	// they control") piles up vocabulary; without an order to send
	// something the family stays a weak signal.
	if !ordered {
		fam[famExfil] = min(fam[famExfil], exfilDescriptiveCap)
	}
	var p float64
	for f := range fam {
		v := min(fam[f], familyCap[f])
		st.fam[f] = v
		p += float64(v)
	}
	return p
}

// hasCues reports whether the hits of the last run hold every cue of c.
func (st *scanState) hasCues(c *combo) bool {
	return st.cues&(1<<c.a) != 0 && st.cues&(1<<c.b) != 0 && (c.c == cueNone || st.cues&(1<<c.c) != 0)
}

// strictlyOrdered reports whether hits are in strictly increasing order of
// start, then end.
func strictlyOrdered(hits []hit) bool {
	for i := 1; i < len(hits); i++ {
		a, b := &hits[i-1], &hits[i]
		if a.start > b.start || a.start == b.start && a.end >= b.end {
			return false
		}
	}
	return true
}

// comboMatch finds an occurrence of combo c: the indexes of its hits in
// text order (k is -1 for a pair) and its weight, halved when c asks for
// the imperative and no occurrence is in it.
func (st *scanState) comboMatch(buf []byte, c *combo) (i, j, k int, w float32) {
	if !st.hasCues(c) {
		return -1, -1, -1, 0
	}
	hits := st.hits
	cueOf := func(x int) cue { return hits[x].cue }
	bi, bj, bk := -1, -1, -1
	for x := range hits {
		if cueOf(x) != c.a {
			continue
		}
		a := &hits[x]
		y, z := -1, -1
		for q := x + 1; q < len(hits); q++ {
			b := &hits[q]
			if int(b.start-a.end) > c.gap || !sameSentence(a, b) {
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
				if int(d.start-b.end) > c.gap || !sameSentence(b, d) {
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
					if sameSentence(b, a) {
						y = q
					}
					break
				}
			}
		}
		if y < 0 {
			continue
		}
		if !c.mood || sentenceStart(buf, int(a.start)) || st.capitalised(int(a.start)) {
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
// last run, in text order, with offsets into s. The pairs are those score
// found (st.pairs).
func (st *scanState) findings(s string, fn func(Finding)) {
	if len(st.hits) == 0 {
		return
	}
	t := st.t
	buf := st.buf
	mk := func(fam family, a, b *hit, w float32) Finding {
		f := Finding{
			Family: familyNames[fam],
			Phrase: normPhrase(buf[a.start:b.end]),
			Hidden: a.hidden || b.hidden,
			Weight: float64(w),
		}
		switch {
		case a.layer >= 0:
			l := st.layers[a.layer]
			f.Layer = l.kind
			f.Start, f.End = l.orig.start, l.orig.end
		case st.raw:
			f.Start, f.End = int(a.start), int(b.end)
		case len(st.n.offs) == len(buf):
			f.Start = int(st.n.offs[a.start])
			f.End = origEnd(s, int(st.n.offs[b.end-1]))
		}
		return f
	}
	seen := st.seen[:len(t.pats)]
	clear(seen)
	for i := range st.hits {
		for _, p := range st.pairs {
			if p.first == i {
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

// normPhrase returns b lower-cased, with white-space runs as one space
// and markdown marks dropped.
func normPhrase(b []byte) string {
	out := make([]byte, 0, len(b))
	space := false
	for _, c := range b {
		switch {
		case isSpaceByte(c):
			space = len(out) > 0
			continue
		case c == '*' || c == '`':
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, lower(c))
	}
	return string(out)
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
