package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hidden is one place where a text hides content from a human reader.
type Hidden struct {
	// Kind is "zero-width", "bidi", "tag", "comment" or "padding".
	Kind string
	// Start and End are byte offsets of the hidden run in the text.
	Start, End int
	// Text is what the run hides, cut to 200 bytes: the ASCII spelled by
	// tag characters, the body of a comment, or the text that follows the
	// padding. Empty for zero-width and bidi runs.
	Text string
}

// Padding thresholds: a run of at least padSpaces horizontal white-space
// characters, or of at least padLines line breaks, followed by visible text
// pushes that text out of view. Ordinary documents (tables, aligned
// cheat-sheet columns, e-mail signatures) stay well below both.
const (
	padSpaces = 100
	padLines  = 20
	// commentWords is the number of words (two or more letters) from
	// which an HTML comment counts as hidden prose; "<!-- ignore -->" and
	// "<!-- prettier-ignore -->" are markup, not prose.
	commentWords = 3
	hiddenText   = 200
)

// FindHidden returns every hidden run in s, in text order (at most 64).
func FindHidden(s string) []Hidden {
	var out []Hidden
	findHidden(s, &out)
	return out
}

// findHidden reports whether s hides text. With out nil it stops at the
// first hidden run; otherwise it collects up to 64 of them in *out.
func findHidden(s string, out *[]Hidden) bool {
	found := false
	// add records h and reports whether to keep scanning.
	add := func(h Hidden) bool {
		found = true
		if out == nil {
			return false
		}
		if len(h.Text) > hiddenText {
			h.Text = h.Text[:cutUTF8(h.Text, hiddenText)]
		}
		*out = append(*out, h)
		return len(*out) < 64
	}
	var (
		spaces, lines int // current white-space run
		runStart      int
	)
	for i := 0; i < len(s); {
		c := s[i]
		if hiddenPlain[c] {
			// Visible ASCII other than '<': it ends a white-space run
			// (padding if long) and the bytes after it go fast.
			if spaces >= padSpaces || lines >= padLines {
				if !add(Hidden{Kind: "padding", Start: runStart, End: i, Text: lineAt(s, i)}) {
					return found
				}
			}
			spaces, lines = 0, 0
			// A single space between visible bytes cannot be padding.
			for i++; i < len(s); i++ {
				if c := s[i]; !hiddenPlain[c] && !(c == ' ' && i+1 < len(s) && hiddenPlain[s[i+1]]) {
					break
				}
			}
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case ' ', '\t':
				if spaces == 0 && lines == 0 {
					runStart = i
				}
				spaces++
				i++
				continue
			case '\n':
				if spaces == 0 && lines == 0 {
					runStart = i
				}
				lines++
				spaces = 0
				i++
				continue
			case '\r', '\f', '\v':
				i++
				continue
			}
			if spaces >= padSpaces || lines >= padLines {
				if !add(Hidden{Kind: "padding", Start: runStart, End: i, Text: lineAt(s, i)}) {
					return found
				}
			}
			spaces, lines = 0, 0
			if c == '<' && strings.HasPrefix(s[i:], "<!--") {
				end := strings.Index(s[i+4:], "-->")
				body := s[i+4:]
				stop := len(s)
				if end >= 0 {
					body = body[:end]
					stop = i + 4 + end + 3
				}
				if proseWords(body) >= commentWords {
					if !add(Hidden{Kind: "comment", Start: i, End: stop, Text: strings.TrimSpace(body)}) {
						return found
					}
				}
				i = stop
				continue
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0xA0 || r == 0x202F || r == 0x3000 || r >= 0x2000 && r <= 0x200A:
			if spaces == 0 && lines == 0 {
				runStart = i
			}
			spaces++
			i += w
			continue
		case r >= 0xE0000 && r <= 0xE007F:
			j, text := tagRun(s, i)
			if !emojiTagSequence(s, i) {
				if !add(Hidden{Kind: "tag", Start: i, End: j, Text: text}) {
					return found
				}
			}
			i = j
			spaces, lines = 0, 0
			continue
		case isBidiControl(r):
			j := runeRun(s, i+w, isBidiControl)
			if !add(Hidden{Kind: "bidi", Start: i, End: j}) {
				return found
			}
			i = j
			spaces, lines = 0, 0
			continue
		case isZeroWidth(r):
			if !benignZeroWidth(s, i, r, w) {
				j := runeRun(s, i+w, isZeroWidth)
				if !add(Hidden{Kind: "zero-width", Start: i, End: j}) {
					return found
				}
				i = j
				spaces, lines = 0, 0
				continue
			}
		}
		if spaces >= padSpaces || lines >= padLines {
			if !add(Hidden{Kind: "padding", Start: runStart, End: i, Text: lineAt(s, i)}) {
				return found
			}
		}
		spaces, lines = 0, 0
		i += w
	}
	return found
}

// hiddenPlain marks the bytes findHidden can skip: printable ASCII other
// than '<' (which may open a comment).
var hiddenPlain = func() (t [256]bool) {
	for c := '!'; c < 0x7F; c++ {
		t[c] = c != '<'
	}
	return t
}()

// isZeroWidth reports the zero-width characters HiddenText looks for:
// U+200B–U+200F, U+2060–U+2064 and U+FEFF.
func isZeroWidth(r rune) bool {
	return r >= 0x200B && r <= 0x200F || r >= 0x2060 && r <= 0x2064 || r == 0xFEFF
}

// runeRun returns the end of the run of characters of s from j for which
// in holds.
func runeRun(s string, j int, in func(rune) bool) int {
	for j < len(s) {
		r, w := utf8.DecodeRuneInString(s[j:])
		if !in(r) {
			break
		}
		j += w
	}
	return j
}

// benignZeroWidth reports the ordinary uses of zero-width characters: a
// leading byte-order mark, a joiner inside an emoji sequence, and
// non-joiners and direction marks next to letters of scripts that use them.
func benignZeroWidth(s string, i int, r rune, w int) bool {
	if r == 0xFEFF && i == 0 {
		return true
	}
	if r < 0x200C || r > 0x200F {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	next, _ := utf8.DecodeRuneInString(s[i+w:])
	if r == 0x200D && (isEmoji(prev) || isEmoji(next)) {
		return true
	}
	return needsJoiners(prev) || needsJoiners(next)
}

func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r == 0xFE0F
}

// needsJoiners reports letters of scripts written with ZWNJ/ZWJ or
// direction marks: Hebrew, Arabic, Syriac, Thaana, N'Ko, the Indic
// scripts, Sinhala, Thai, Lao, Tibetan, Myanmar, Khmer.
func needsJoiners(r rune) bool {
	return r >= 0x0590 && r <= 0x08FF || r >= 0x0900 && r <= 0x0DFF ||
		r >= 0x0E00 && r <= 0x0FFF || r >= 0x1000 && r <= 0x109F ||
		r >= 0x1780 && r <= 0x17FF || r >= 0xFB1D && r <= 0xFDFF ||
		r >= 0xFE70 && r <= 0xFEFC
}

// tagRun returns the end of the run of tag characters starting at i and
// the ASCII it spells.
func tagRun(s string, i int) (int, string) {
	var b strings.Builder
	j := i
	for j < len(s) {
		r, w := utf8.DecodeRuneInString(s[j:])
		if r < 0xE0000 || r > 0xE007F {
			break
		}
		if r >= 0xE0020 && r <= 0xE007E && b.Len() < hiddenText {
			b.WriteByte(byte(r - 0xE0000))
		}
		j += w
	}
	return j, b.String()
}

// emojiTagSequence reports a subdivision flag (🏴 + tags + cancel tag),
// the one legitimate use of tag characters.
func emojiTagSequence(s string, i int) bool {
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	return prev == 0x1F3F4
}

// proseWords counts words of two or more letters in s, up to commentWords.
func proseWords(s string) int {
	n, run := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			run++
			continue
		}
		if run >= 2 {
			n++
			if n >= commentWords {
				return n
			}
		}
		run = 0
	}
	if run >= 2 {
		n++
	}
	return n
}

// lineAt returns the rest of the line starting at i.
func lineAt(s string, i int) string {
	e := strings.IndexByte(s[i:], '\n')
	if e < 0 {
		e = len(s) - i
	}
	if e > hiddenText {
		e = cutUTF8(s[i:], hiddenText)
	}
	return s[i : i+e]
}

// cutUTF8 returns the largest n <= max at which s can be cut without
// splitting a character.
func cutUTF8(s string, max int) int {
	if max >= len(s) {
		return len(s)
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return max
}
