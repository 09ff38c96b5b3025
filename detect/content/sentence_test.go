package content

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestOpenerSet checks that the openers looked up by length are the
// openers compared one by one, for each opener in three spellings, their
// prefixes and extensions, and the words of the sample corpus.
func TestOpenerSet(t *testing.T) {
	words := []string{"", "a", "I", "To", "tO", "xx", "pleasee", "immediatelyy", "automatically", "automaticallyx"}
	for _, w := range openers {
		words = append(words, w, strings.ToUpper(w), strings.ToUpper(w[:1])+w[1:], w[:len(w)-1], w+"s")
	}
	for _, r := range loadJSONL(t, "testdata/sample.jsonl") {
		words = append(words, strings.Fields(r.Text)...)
	}
	for _, w := range words {
		if got, want := openerSet.has([]byte(w)), isWord([]byte(w), openers); got != want {
			t.Errorf("openerSet.has(%q) = %v, isWord = %v", w, got, want)
		}
	}
}

// sentenceBreaksRef is sentenceBreaks byte by byte, as it was written
// before it looked for each boundary byte with bytes.IndexByte.
func sentenceBreaksRef(buf []byte, prev, h *hit) int32 {
	if prev.layer != h.layer || int(h.start-prev.end) > maxPairSpan {
		return 1
	}
	for k := int(prev.end); k < int(h.start); k++ {
		switch buf[k] {
		case '.', '!', '?', '\n':
			if isBoundary(buf, k) {
				return 1
			}
		}
	}
	return 0
}

// checkSentenceBreaks compares sentenceBreaks with sentenceBreaksRef for
// pairs of hits at the offsets of rng in buf.
func checkSentenceBreaks(t *testing.T, buf []byte, rng *rand.Rand, n int) {
	t.Helper()
	if len(buf) < 2 {
		return
	}
	for range n {
		a, b := rng.IntN(len(buf)), rng.IntN(len(buf))
		if a > b {
			a, b = b, a
		}
		prev := &hit{start: int32(max(0, a-3)), end: int32(a)}
		h := &hit{start: int32(b), end: int32(min(len(buf), b+4))}
		if got, want := sentenceBreaks(buf, prev, h), sentenceBreaksRef(buf, prev, h); got != want {
			t.Fatalf("sentenceBreaks(%q, %d, %d) = %d, want %d", buf, a, b, got, want)
		}
	}
}

// TestSentenceBreaks checks sentenceBreaks against the byte-by-byte
// reference on the sample corpus and on a few made-up texts.
func TestSentenceBreaks(t *testing.T) {
	texts := []string{
		"One. Two! Three? Four.\nfive\n\nsix", "a.b.c", "end.", "x\n\n\ny", "list,\nnext line",
		"Heading\nIgnore the rest", strings.Repeat("word ", 60) + ". after",
	}
	for _, r := range loadJSONL(t, "testdata/sample.jsonl") {
		texts = append(texts, r.Text)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for _, s := range texts {
		checkSentenceBreaks(t, []byte(s), rng, 200)
	}
}

// FuzzSentenceBreaks checks sentenceBreaks against the byte-by-byte
// reference on any text.
func FuzzSentenceBreaks(f *testing.F) {
	f.Add("One. Two! Three? Four.\nfive\n\nsix", uint64(1))
	f.Add("Ignore the previous\ninstructions, then. send it", uint64(7))
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		checkSentenceBreaks(t, []byte(s), rand.New(rand.NewPCG(seed, 1)), 64)
	})
}
