package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The i* helpers compare text ignoring case: two characters are equal when
// foldRune maps them to the same character (their upper case's lower case),
// which also folds the look-alikes attackers use to dodge an ASCII
// comparison: K (Kelvin sign) is k, ſ (long s) is s, ı and İ are i.

// foldRune returns the case-folded form of r.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

// foldString returns s with every character folded.
func foldString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// nonASCIIFolds lists the non-ASCII characters whose fold is ASCII (ı and
// İ fold to i, ſ to s, K to k); containsFold relies on it.
var nonASCIIFolds = []rune{0x130, 0x131, 0x17F, 0x212A}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// indexEither returns the index of the first a or b in s, or -1.
func indexEither(s string, a, b byte) int {
	i := strings.IndexByte(s, a)
	if a == b {
		return i
	}
	t := s
	if i >= 0 {
		t = s[:i]
	}
	if j := strings.IndexByte(t, b); j >= 0 {
		return j
	}
	return i
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	_, ok := prefixFoldLen(s, prefix)
	return ok
}

// prefixFoldLen returns the length in bytes of the prefix of s that equals
// prefix ignoring case, and whether there is one.
func prefixFoldLen(s, prefix string) (int, bool) {
	i, j := 0, 0
	for j < len(prefix) {
		if i >= len(s) {
			return 0, false
		}
		a, b := s[i], prefix[j]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if lowerASCII(a) != lowerASCII(b) {
				return 0, false
			}
			i++
			j++
			continue
		}
		ra, na := utf8.DecodeRuneInString(s[i:])
		rb, nb := utf8.DecodeRuneInString(prefix[j:])
		if foldRune(ra) != foldRune(rb) {
			return 0, false
		}
		i += na
		j += nb
	}
	return i, true
}

// hasSuffixFold reports whether s ends with suffix, ignoring case.
func hasSuffixFold(s, suffix string) bool {
	i, j := len(s), len(suffix)
	for j > 0 {
		if i <= 0 {
			return false
		}
		a, b := s[i-1], suffix[j-1]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if lowerASCII(a) != lowerASCII(b) {
				return false
			}
			i--
			j--
			continue
		}
		ra, na := utf8.DecodeLastRuneInString(s[:i])
		rb, nb := utf8.DecodeLastRuneInString(suffix[:j])
		if foldRune(ra) != foldRune(rb) {
			return false
		}
		i -= na
		j -= nb
	}
	return true
}

// equalFold reports whether a and b are equal ignoring case.
func equalFold(a, b string) bool {
	n, ok := prefixFoldLen(a, b)
	return ok && n == len(a)
}

// byteRank ranks ASCII characters by how often they occur in English text
// and code, most frequent first; containsFold searches for the rarest
// character of a needle. Characters not listed rank after all of these.
const byteRank = " etaonhrdlcumwfgypbvjxqz"

// anchor returns the index in sub of the character to search for first:
// the rarest ASCII character whose only case-folded forms are its two ASCII
// cases (not i, k or s, which have non-ASCII look-alikes); -1 when there is
// none.
func anchor(sub string) int {
	best, bestRank := -1, -1
	for j := 0; j < len(sub); j++ {
		c := lowerASCII(sub[j])
		if c >= utf8.RuneSelf || c == 'i' || c == 'k' || c == 's' {
			continue
		}
		if rank := anchorRank(c); rank > bestRank {
			best, bestRank = j, rank
		}
	}
	return best
}

// anchorRanks holds anchorRank of every byte.
var anchorRanks = func() (t [256]uint8) {
	for c := range t {
		t[c] = uint8(len(byteRank))
		if r := strings.IndexByte(byteRank, lowerASCII(byte(c))); r >= 0 {
			t[c] = uint8(r)
		}
	}
	return t
}()

// anchorRank is the rarity of the ASCII character c: higher is rarer.
func anchorRank(c byte) int { return int(anchorRanks[c]) }

// containsFold reports whether s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	return containsFoldAt(s, sub, anchor(sub))
}

// containsFoldAt is containsFold with j = anchor(sub), for needles prepared
// at load; sub is not empty.
func containsFoldAt(s, sub string, j int) bool {
	if j >= 0 {
		// Find each occurrence of the anchor with IndexByte, then check
		// what precedes and follows it.
		lo, up := lowerASCII(sub[j]), upperASCII(sub[j])
		pre, post := sub[:j], sub[j:]
		for i := 0; i < len(s); {
			k := indexEither(s[i:], lo, up)
			if k < 0 {
				return false
			}
			p := i + k
			if hasPrefixFold(s[p:], post) && hasSuffixFold(s[:p], pre) {
				return true
			}
			i = p + 1
		}
		return false
	}
	r0, _ := utf8.DecodeRuneInString(sub)
	f0 := foldRune(r0)
	if f0 < utf8.RuneSelf {
		// A match starts with f0 in either case or, for i, k and s, with
		// a non-ASCII look-alike: let IndexByte find the candidates.
		lo, up := byte(f0), upperASCII(byte(f0))
		var lead byte // the first byte of the look-alikes
		switch f0 {
		case 'i':
			lead = 0xC4 // ı U+0131, İ U+0130
		case 's':
			lead = 0xC5 // ſ U+017F
		case 'k':
			lead = 0xE2 // K U+212A
		}
		for i := 0; i < len(s); {
			j := indexEither(s[i:], lo, up)
			if lead != 0 {
				t := s[i:]
				if j >= 0 {
					t = t[:j]
				}
				if k := strings.IndexByte(t, lead); k >= 0 {
					j = k
				}
			}
			if j < 0 {
				return false
			}
			i += j
			if hasPrefixFold(s[i:], sub) {
				return true
			}
			i++
		}
		return false
	}
	// Only a non-ASCII character folds to a non-ASCII one.
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf || !utf8.RuneStart(c) {
			continue
		}
		if hasPrefixFold(s[i:], sub) {
			return true
		}
	}
	return false
}
