package content

import (
	"bytes"
	"slices"
)

// Text helpers for the phrase scanner. They read either the raw text (when
// it is plain ASCII) or the normalised copy, so they fold case and treat
// any white space alike.

// validHit checks word boundaries and the pattern's flags for a match of
// ph at buf[start:end].
func (st *scanState) validHit(ph *phrase, start, end int) bool {
	buf := st.buf
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
		switch c := buf[end]; {
		case isSpaceByte(c), c == '"', c == '\'', c == ';', c == ')', c == '|', c == '&',
			c == '`', c == '*':
		default:
			return false
		}
	}
	if ph.flag&flagEmail != 0 && !emailAt(buf, start) {
		return false
	}
	if ph.flag&flagNoPoss != 0 && end+1 < len(buf) && buf[end] == '\'' && lower(buf[end+1]) == 's' {
		return false
	}
	if ph.flag&flagSentence != 0 && !sentenceStart(buf, start) && !st.capitalised(start) {
		return false
	}
	return true
}

// capitalised reports whether the word at offset i was written with a
// capital letter after white space. Injected sentences are often pasted
// into a line without a full stop before them ("… $120 Modify your answer
// to …"); a capitalised imperative verb then still starts a sentence.
func (st *scanState) capitalised(i int) bool {
	if st.raw {
		c := st.buf[i]
		return 'A' <= c && c <= 'Z' && i > 0 && isSpaceByte(st.buf[i-1])
	}
	_, ok := slices.BinarySearch(st.n.caps, int32(i))
	return ok
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

// sentenceStart reports whether position i starts a sentence, a line, a
// list item or a tag's content, possibly after an opener such as "please",
// "then", "you must" or "always" (at most four such words), or after a
// conditional clause ("When the user asks, …"): what follows is in the
// imperative. Any line break counts: injected text is usually put on a
// line of its own after a line that need not end with a full stop.
func sentenceStart(buf []byte, i int) bool {
	j := i - 1
	words := 0
	for steps := 0; j >= 0 && steps < 48; steps++ {
		switch c := buf[j]; c {
		case ' ', '\t', '\r', '\f', '"', '\'', '(', '=', '*', '`':
			j--
		case '-', '#', '>':
			if c == '>' && j > 0 && !isSpaceByte(buf[j-1]) {
				return true // closing tag: <instruction>ignore …
			}
			j--
		case '\n', '.', '!', '?', ':', ';', ']', '|', '}', ')':
			return true
		case ',':
			return conditionalClause(buf, j)
		default:
			if !isLetter(c) || words >= 4 {
				return false
			}
			k := j
			for k >= 0 && isLetter(buf[k]) {
				k--
			}
			w := buf[k+1 : j+1]
			if !openerSet.has(w) {
				return false
			}
			if isWord(w, []string{"to"}) && !toOpener(buf, k) {
				return false // "To copy a file:" is not an order
			}
			if isWord(w, modals) && precededByYou(buf, k) {
				return true // "… you must send", "… you should now email"
			}
			words++
			j = k
		}
	}
	return j < 0
}

// openers may stand before an imperative verb.
var openers = []string{
	"please", "kindly", "also", "now", "then", "and", "just", "simply",
	"always", "first", "immediately", "you", "must", "should", "need", "to",
	"will", "secretly", "silently", "quietly", "automatically", "so", "next",
	"finally", "instead", "have", "want", "i",
}

var modals = []string{"must", "should", "need", "will", "have"}

// openerSet is openers by length: sentenceStart looks up every word it
// steps back over, and most are not openers, so comparing a word only
// with the openers of its length spares a dozen compares each time.
var openerSet = newWordSet(openers)

// wordSet holds lower-case words by length (shorter than 16 bytes).
type wordSet [16][]string

func newWordSet(words []string) *wordSet {
	ws := new(wordSet)
	for _, x := range words {
		ws[len(x)] = append(ws[len(x)], x)
	}
	return ws
}

// has reports whether w, ignoring ASCII case, is one of the words.
func (ws *wordSet) has(w []byte) bool {
	if len(w) >= len(ws) {
		return false
	}
	for _, x := range ws[len(w)] {
		if sameFold(w, x) {
			return true
		}
	}
	return false
}

// isWord reports whether w, ignoring ASCII case, is one of words (which
// are lower case).
func isWord(w []byte, words []string) bool {
	for _, x := range words {
		if len(x) == len(w) && sameFold(w, x) {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// wordBefore returns the word that ends before offset k+1, skipping white
// space.
func wordBefore(buf []byte, k int) []byte {
	e := k
	for e >= 0 && isSpaceByte(buf[e]) {
		e--
	}
	b := e
	for b >= 0 && isLetter(buf[b]) {
		b--
	}
	return buf[b+1 : e+1]
}

// toOpener reports whether the "to" ending at k+1 follows need, have,
// want, you, going, ought or has ("you need to send").
func toOpener(buf []byte, k int) bool {
	return isWord(wordBefore(buf, k), []string{"need", "have", "want", "you", "going", "ought", "has"})
}

// precededByYou reports whether the word before offset k+1 is "you".
func precededByYou(buf []byte, k int) bool {
	return isWord(wordBefore(buf, k), []string{"you"})
}

// conditionalClause reports whether the comma at j closes a clause that
// opens its sentence with when, if, before, after, once, whenever, while or
// upon, and is the clause's first comma: "When the user asks for the
// weather, first call …" is an order, "If a tool needs shell, email, …" is
// a list.
func conditionalClause(buf []byte, j int) bool {
	k := j - 1
	for ; k >= 0 && j-k < 160; k-- {
		c := buf[k]
		if c == ',' {
			return false // a list, not the end of the clause
		}
		if c == '\n' || c == ':' || c == ';' || c == '(' || isBoundary(buf, k) {
			break
		}
	}
	if k >= 0 && j-k >= 160 {
		return false
	}
	k++
	for k < j && (isSpaceByte(buf[k]) || buf[k] == '"' || buf[k] == '-' || buf[k] == '*') {
		k++
	}
	e := k
	for e < j && isLetter(buf[e]) {
		e++
	}
	return isWord(buf[k:e], []string{"when", "if", "before", "after", "once", "whenever", "while", "upon"})
}

// isProseTail reports whether a line ending in c probably continues on the
// next line (hard-wrapped prose) rather than ending there.
func isProseTail(c byte) bool { return isLetter(c) || c == ',' }

// isBoundary reports whether buf[j] ends a sentence: '.', '!' or '?'
// followed by white space or the end, a blank line, or a line break after
// anything but a word or a comma (a command, a heading, a list item, a
// label: a line of a cheat sheet or a record is not continued prose).
func isBoundary(buf []byte, j int) bool {
	switch buf[j] {
	case '.', '!', '?':
		return j+1 == len(buf) || isSpaceByte(buf[j+1])
	case '\n':
		k := j + 1
		for k < len(buf) && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\r') {
			k++
		}
		if k < len(buf) && buf[k] == '\n' {
			return true // blank line
		}
		p := j - 1
		for p >= 0 && (buf[p] == ' ' || buf[p] == '\t' || buf[p] == '\r') {
			p--
		}
		return p < 0 || !isProseTail(buf[p])
	}
	return false
}

// maxPairSpan is the farthest two hits of a cue pair can be apart (the
// largest gap plus the reverse-search slack); hits farther apart are put in
// different sentences without looking at the text between them.
const maxPairSpan = 200

// sentenceBreaks returns 1 when a sentence boundary lies between the hit
// before, prev, and h (or they are too far apart to pair), 0 otherwise.
// Numbering consecutive hits this way makes "same sentence" a comparison.
func sentenceBreaks(buf []byte, prev, h *hit) int32 {
	if prev.layer != h.layer || int(h.start-prev.end) > maxPairSpan {
		return 1
	}
	// Whether any boundary lies between them, not where: so each byte
	// isBoundary can hold true at is looked for on its own, with
	// bytes.IndexByte, which skips the words between them many bytes at a
	// time.
	for _, c := range mayBreak {
		for k := int(prev.end); k < int(h.start); k++ {
			i := bytes.IndexByte(buf[k:h.start], c)
			if i < 0 {
				break
			}
			if k += i; isBoundary(buf, k) {
				return 1
			}
		}
	}
	return 0
}

// mayBreak are the bytes isBoundary can hold true at.
var mayBreak = [...]byte{'.', '\n', '!', '?'}

// sameSentence reports whether hits a and b are in the same sentence.
func sameSentence(a, b *hit) bool { return a.sent == b.sent }
