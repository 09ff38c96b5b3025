package content

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// Plain ASCII text (no character references, no backslashes, nothing
// encoded) is scanned as it is: the automaton ignores case, reads a run of
// white space as one space and skips markdown marks by itself. Any other
// text is scanned in a normalised copy:
//
//   - ASCII letters are lower-cased; letters with diacritics (é, ñ, ł …),
//     fullwidth forms, mathematical alphanumerics (𝐢𝐠𝐧𝐨𝐫𝐞), circled
//     letters and the Cyrillic and Greek letters that look like Latin ones
//     are folded to their plain ASCII look-alike, so "іgnore" written with
//     a Cyrillic і still matches; other letters are lower-cased.
//   - Runs of white space (any Unicode space, tabs, line breaks) become one
//     space, or one '\n' when the run holds a line break, or "\n\n" when it
//     holds a blank line (a paragraph break). The automaton matches a space
//     in a pattern against either, so a phrase may be split across lines.
//   - Invisible characters are dropped: zero-width characters, bidi
//     controls, soft hyphens, variation selectors and Unicode tag
//     characters; tag characters that spell ASCII are decoded into a
//     separate layer that is scanned too.
//   - Markdown emphasis and code marks ('*', '`') are dropped, so
//     "**NEVER** tell" reads "never tell".
//   - HTML character references (&lt; &#x49; &#73; …) are decoded.
//   - Curly quotes and dashes become their ASCII forms.
//   - A literal backslash escape \n, \r or \t (text that was JSON-escaped
//     twice) followed by an upper-case letter, a digit, white space or
//     punctuation is read as white space.

// normStats are by-products of normalisation used by the scorers.
type normStats struct {
	invisible int  // zero-width, bidi and tag characters seen
	bidi      int  // bidi embedding, override and isolate controls seen
	wide      bool // a character outside ASCII was kept as UTF-8
}

// span is a half-open byte range.
type span struct{ start, end int }

// normalizer appends the normalised form of a string to buf.
type normalizer struct {
	buf   []byte
	offs  []int32 // origin offset of each byte of buf, when track is set
	tags  []byte  // ASCII spelled by Unicode tag characters
	caps  []int32 // offsets in buf of words that were capitalised
	track bool
	st    normStats

	pendSpace int // spaceNone, spaceBlank, spaceLine or spacePara
	pendOff   int // origin offset of the pending white space
	base      int // added to origin offsets (for decoded layers)
}

const (
	spaceNone = iota
	spaceBlank
	spaceLine
	spacePara
)

func (n *normalizer) reset(dst []byte) {
	n.buf = dst[:0]
	n.offs = n.offs[:0]
	n.tags = n.tags[:0]
	n.caps = n.caps[:0]
	n.st = normStats{}
	n.pendSpace = spaceNone
	n.base = 0
}

// emit appends one normalised byte that came from origin offset off.
func (n *normalizer) emit(c byte, off int) {
	if n.pendSpace != spaceNone {
		n.flushSpace()
	}
	n.put(c, off)
}

func (n *normalizer) flushSpace() {
	if len(n.buf) > 0 {
		switch n.pendSpace {
		case spaceBlank:
			n.put(' ', n.pendOff)
		case spaceLine:
			n.put('\n', n.pendOff)
		default:
			n.put('\n', n.pendOff)
			n.put('\n', n.pendOff)
		}
	}
	n.pendSpace = spaceNone
}

// put appends one byte that came from origin offset off.
func (n *normalizer) put(c byte, off int) {
	n.buf = append(n.buf, c)
	if n.track {
		n.offs = append(n.offs, int32(n.base+off))
	}
}

// space records white space at off; nl marks a line break.
func (n *normalizer) space(nl bool, off int) {
	if n.pendSpace == spaceNone {
		n.pendOff = off
		n.pendSpace = spaceBlank
	}
	if nl {
		if n.pendSpace >= spaceLine {
			n.pendSpace = spacePara
		} else {
			n.pendSpace = spaceLine
		}
	}
}

// finish drops trailing white space.
func (n *normalizer) finish() { n.pendSpace = spaceNone }

// asciiClass tells the fast path what to do with each ASCII byte.
var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		switch {
		case 'A' <= c && c <= 'Z':
			t[c] = 1
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			t[c] = 2
		case c == '\n':
			t[c] = 3
		case c == '*' || c == '`':
			t[c] = 4
		case c == '&' || c == '\\':
			t[c] = 5
		}
	}
	return t
}()

// add appends the normalised form of s.
func (n *normalizer) add(s string) {
	if !n.track {
		// Room for the common case, where the output is no longer than
		// the input; the slow path appends and grows as needed.
		n.buf = slices.Grow(n.buf, len(s)+8)
	}
	for i := 0; i < len(s); {
		if !n.track && n.pendSpace == spaceNone {
			i = n.fast(s, i)
			if i >= len(s) {
				break
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch asciiClass[c] {
			case 0:
				n.emit(c, i)
			case 1:
				word := n.pendSpace != spaceNone || len(n.buf) == 0
				n.emit(c+'a'-'A', i)
				if word {
					n.caps = append(n.caps, int32(len(n.buf)-1))
				}
			case 2:
				n.space(false, i)
			case 3:
				n.space(true, i)
			case 4:
				// dropped
			case 5:
				if c == '&' {
					if r, w := htmlRef(s[i:]); w > 0 {
						n.rune(r, i)
						i += w
						continue
					}
					n.emit(c, i)
				} else { // backslash
					if i+1 < len(s) && (s[i+1] == 'n' || s[i+1] == 'r' || s[i+1] == 't') &&
						(i+2 == len(s) || !('a' <= s[i+2] && s[i+2] <= 'z')) {
						n.space(s[i+1] == 'n', i)
						i += 2
						continue
					}
					n.emit(c, i)
				}
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 {
			n.st.wide = true
			n.emit(c, i)
			i++
			continue
		}
		n.rune(r, i)
		i += w
	}
}

// fast copies the plain run of s starting at i (lower-case letters,
// digits, most punctuation, capitals lower-cased, single spaces between
// words) and returns where it stopped. It writes into the spare capacity of
// buf and never grows it; it is used only when offsets are not tracked and
// no white space is pending.
func (n *normalizer) fast(s string, i int) int {
	out := n.buf[:cap(n.buf)]
	w := len(n.buf)
	for i < len(s) && w < len(out) {
		// Tight loop over bytes copied as they are; it makes no calls.
		src := s[i:]
		if len(src) > len(out)-w {
			src = src[:len(out)-w]
		}
		dst := out[w : w+len(src)]
		fc := &fastClass
		k := 0
		for ; k < len(src); k++ {
			c := src[k]
			f := fc[c]
			if f == fastCopy {
				dst[k] = c
				continue
			}
			if f != fastSpace || k+1 >= len(src) || fc[src[k+1]] > fastUpper ||
				w+k == 0 || out[w+k-1] == ' ' || out[w+k-1] == '\n' {
				break
			}
			dst[k] = ' ' // one space between two words
		}
		i += k
		w += k
		if i >= len(s) || w >= len(out) || fastClass[s[i]] != fastUpper {
			break
		}
		if w == 0 || out[w-1] == ' ' || out[w-1] == '\n' {
			n.caps = append(n.caps, int32(w))
		}
		out[w] = s[i] + 'a' - 'A'
		w++
		i++
	}
	n.buf = out[:w]
	return i
}

const (
	fastCopy = iota
	fastUpper
	fastSpace
	fastStop
)

// fastClass sorts bytes for the fast path: copied as they are, upper-case
// ASCII, the space character, and everything that needs the slow path.
var fastClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = fastStop
		case c == ' ':
			t[c] = fastSpace
		default:
			switch asciiClass[c] {
			case 0:
				t[c] = fastCopy
			case 1:
				t[c] = fastUpper
			default:
				t[c] = fastStop
			}
		}
	}
	return t
}()

// rune handles one decoded character (non-ASCII, or from a character
// reference).
func (n *normalizer) rune(r rune, off int) {
	if r < utf8.RuneSelf {
		c := byte(r)
		switch asciiClass[c] {
		case 1:
			n.emit(c+'a'-'A', off)
		case 2:
			n.space(false, off)
		case 3:
			n.space(true, off)
		case 4:
		default:
			n.emit(c, off)
		}
		return
	}
	switch {
	case isInvisible(r):
		n.st.invisible++
		if isBidiControl(r) {
			n.st.bidi++
		}
		return
	case r >= 0xE0000 && r <= 0xE007F:
		n.st.invisible++
		if r >= 0xE0020 && r <= 0xE007E {
			c := byte(r - 0xE0000)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			n.tags = append(n.tags, c)
		}
		return
	case isUnicodeSpace(r):
		n.space(r == 0x85 || r == 0x2028 || r == 0x2029, off)
		return
	}
	if c := foldRune(r); c != 0 {
		n.emit(c, off)
		return
	}
	r = unicode.ToLower(r)
	n.st.wide = true
	var tmp [utf8.UTFMax]byte
	k := utf8.EncodeRune(tmp[:], r)
	for j := 0; j < k; j++ {
		n.emit(tmp[j], off)
	}
}

// isInvisible reports the format characters a reader does not see:
// zero-width spaces and joiners, directional marks, bidi embeddings,
// overrides and isolates, word joiner and invisible operators, BOM/ZWNBSP,
// soft hyphen, combining grapheme joiner, Mongolian vowel separator and
// variation selectors.
func isInvisible(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F,
		r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x2064,
		r >= 0x2066 && r <= 0x2069,
		r == 0xFEFF, r == 0x00AD, r == 0x034F, r == 0x180E,
		r >= 0xFE00 && r <= 0xFE0F:
		return true
	}
	return false
}

func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

func isUnicodeSpace(r rune) bool {
	switch {
	case r == 0x85, r == 0xA0, r == 0x1680,
		r >= 0x2000 && r <= 0x200A,
		r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// latin1Fold and latinExtAFold map U+00C0–U+00FF and U+0100–U+017F to the
// base ASCII letter ('.' for the signs × and ÷, which are not folded).
const (
	latin1Fold    = "aaaaaaaceeeeiiiidnooooo.ouuuuytsaaaaaaaceeeeiiiidnooooo.ouuuuyty"
	latinExtAFold = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs"
)

// foldRune maps a look-alike of an ASCII character to that character, or
// returns 0.
func foldRune(r rune) byte {
	switch {
	case r >= 0xC0 && r <= 0xFF:
		if c := latin1Fold[r-0xC0]; c != '.' {
			return c
		}
		return 0
	case r >= 0x100 && r <= 0x17F:
		return latinExtAFold[r-0x100]
	case r >= 0xFF01 && r <= 0xFF5E: // fullwidth ASCII
		c := byte(r - 0xFEE0)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return c
	case r >= 0x1D400 && r <= 0x1D6A3: // mathematical alphanumeric letters
		k := (r - 0x1D400) % 52
		if k < 26 {
			return byte('a' + k)
		}
		return byte('a' + k - 26)
	case r >= 0x1D7CE && r <= 0x1D7FF: // mathematical digits
		return byte('0' + (r-0x1D7CE)%10)
	case r >= 0x24B6 && r <= 0x24CF: // circled capitals
		return byte('a' + r - 0x24B6)
	case r >= 0x24D0 && r <= 0x24E9: // circled small letters
		return byte('a' + r - 0x24D0)
	}
	switch r {
	// Cyrillic
	case 0x0430, 0x0410:
		return 'a'
	case 0x0412, 0x0432:
		return 'b'
	case 0x0441, 0x0421:
		return 'c'
	case 0x0501:
		return 'd'
	case 0x0435, 0x0415, 0x0451, 0x0401:
		return 'e'
	case 0x041D, 0x04BB:
		return 'h'
	case 0x0456, 0x0406, 0x04CF:
		return 'i'
	case 0x0458, 0x0408:
		return 'j'
	case 0x041A:
		return 'k'
	case 0x041C:
		return 'm'
	case 0x043E, 0x041E:
		return 'o'
	case 0x0440, 0x0420:
		return 'p'
	case 0x0455, 0x0405:
		return 's'
	case 0x0422:
		return 't'
	case 0x0443, 0x0423, 0x04AF:
		return 'y'
	case 0x0445, 0x0425:
		return 'x'
	// Greek
	case 0x0391, 0x03B1:
		return 'a'
	case 0x0392:
		return 'b'
	case 0x0395:
		return 'e'
	case 0x0397:
		return 'h'
	case 0x0399, 0x03B9:
		return 'i'
	case 0x039A, 0x03BA:
		return 'k'
	case 0x039C:
		return 'm'
	case 0x039D, 0x03BD:
		return 'n'
	case 0x039F, 0x03BF:
		return 'o'
	case 0x03A1, 0x03C1:
		return 'p'
	case 0x03A4, 0x03C4:
		return 't'
	case 0x03A5, 0x03C5:
		return 'u'
	case 0x03A7, 0x03C7:
		return 'x'
	case 0x0396:
		return 'z'
	// punctuation
	case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x02BC:
		return '\''
	case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033:
		return '"'
	case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212:
		return '-'
	case 0x2024, 0x2026:
		return '.'
	case 0x2022, 0x2023, 0x2043, 0x00B7, 0x25CF, 0x25AA, 0x25E6:
		return '-'
	case 0x2039, 0xFF1C:
		return '<'
	case 0x203A, 0xFF1E:
		return '>'
	}
	return 0
}

// htmlRef decodes an HTML character reference at the start of s ("&lt;",
// "&#x49;", "&#73;") and returns the character and the reference's length,
// or 0 when s does not start with one this package knows.
func htmlRef(s string) (rune, int) {
	if len(s) < 3 || s[0] != '&' {
		return 0, 0
	}
	if s[1] == '#' {
		i, base := 2, rune(10)
		if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
			base = 16
			i++
		}
		start := i
		var r rune
		for i < len(s) && i-start < 7 {
			c := s[i]
			var d rune
			switch {
			case '0' <= c && c <= '9':
				d = rune(c - '0')
			case base == 16 && 'a' <= c && c <= 'f':
				d = rune(c-'a') + 10
			case base == 16 && 'A' <= c && c <= 'F':
				d = rune(c-'A') + 10
			default:
				d = -1
			}
			if d < 0 {
				break
			}
			r = r*base + d
			i++
		}
		if i == start || i >= len(s) || s[i] != ';' || r > unicode.MaxRune || r == 0 {
			return 0, 0
		}
		return r, i + 1
	}
	for _, e := range htmlEntities {
		if len(s) >= len(e.name) && s[:len(e.name)] == e.name {
			return e.r, len(e.name)
		}
	}
	return 0, 0
}

var htmlEntities = [...]struct {
	name string
	r    rune
}{
	{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'},
	{"&apos;", '\''}, {"&nbsp;", 0xA0},
}
