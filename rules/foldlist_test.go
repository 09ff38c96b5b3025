package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// foldPieces are the fragments random needles and texts are made of: ASCII
// in both cases, the non-ASCII characters folding to ASCII, other folding
// characters (Σ has three forms, Å two, ß and ẞ fold apart), a character
// whose fold is longer, U+FFFD and invalid UTF-8.
var foldPieces = []string{
	"a", "b", "e", "i", "k", "s", "t", "x", "A", "E", "I", "K", "S", "T",
	" ", "_", ".", "<", "|",
	"ı", "İ", "ſ", "K",
	"é", "É", "ß", "ẞ", "σ", "Σ", "ς", "å", "Å", "Å", "ǅ", "ǆ", "Ǆ", "ɐ", "Ɐ", "日", "🙂",
	"\uFFFD", "\xff", "\x80", "\xe2\x84", "\xc4", "\xf0\x9f",
}

// randFold returns up to n random pieces, from the first k of foldPieces.
func randFold(rng *rand.Rand, n, k int) string {
	var b strings.Builder
	for range rng.IntN(n + 1) {
		b.WriteString(foldPieces[rng.IntN(k)])
	}
	return b.String()
}

// checkFoldList fails t when the automaton of list and the per-needle
// search disagree on text.
func checkFoldList(t *testing.T, list []string, text string) {
	t.Helper()
	l := newFoldList(list)
	if got, want := l.in(text), l.inEach(text); got != want {
		t.Fatalf("newFoldList(%q).in(%q) = %v, per needle %v", list, text, got, want)
	}
}

func TestFoldListMatchesEach(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for it := range 20000 {
		k := len(foldPieces)
		if it%3 == 0 {
			k = 23 // ASCII and the look-alikes only
		}
		list := make([]string, 1+rng.IntN(12))
		for i := range list {
			list[i] = randFold(rng, 5, k)
		}
		if rng.IntN(20) > 0 {
			// An empty needle matches everything: make it rare.
			for i := range list {
				if list[i] == "" {
					list[i] = "q"
				}
			}
		}
		text := randFold(rng, 30, len(foldPieces))
		if it%4 == 0 {
			// Long enough for four walks, with needles planted anywhere.
			filler := strings.Repeat("abc def ", 40+rng.IntN(100))
			p := rng.IntN(len(filler))
			text = filler[:p] + text + filler[p:]
		}
		if it%2 == 0 {
			// Plant a needle in another case (or another look-alike).
			n := list[rng.IntN(len(list))]
			p := rng.IntN(len(text) + 1)
			text = text[:p] + strings.ToUpper(n) + text[p:]
		}
		checkFoldList(t, list, text)
	}
}

// TestFoldListBoundaries plants needles at every offset of texts long
// enough for four walks, so that matches straddle where the walks start
// and end; the planted forms are longer or shorter than the needles.
func TestFoldListBoundaries(t *testing.T) {
	lists := []struct {
		list  []string
		plant string
	}{
		{[]string{"kiss me", "zzz"}, "KıſS me"},
		{[]string{"task"}, "taſK"},
		{[]string{"σας"}, "ΣΑΣ"},
		{[]string{"ɐb"}, "Ɐb"},
		{[]string{"bcc", "ignore previous instructions"}, "IGNORE PREVIOUS instructions"},
	}
	for _, tc := range lists {
		l := newFoldList(tc.list)
		for _, size := range []int{256, 300, 1021, 1024} {
			base := strings.Repeat("x.y ", size/4+1)[:size]
			if l.in(base) {
				t.Fatalf("%q in %q", tc.list, base)
			}
			for p := 0; p <= len(base); p++ {
				text := base[:p] + tc.plant + base[p:]
				if !l.in(text) {
					t.Fatalf("%q not found in text of %d bytes with %q at %d", tc.list, len(text), tc.plant, p)
				}
				if cut := text[:len(text)-1]; l.in(cut) != l.inEach(cut) {
					t.Fatalf("%q: in and inEach disagree on text of %d bytes with %q at %d", tc.list, len(cut), tc.plant, p)
				}
			}
		}
	}
}

func TestFoldListCases(t *testing.T) {
	tests := []struct {
		list []string
		text string
		want bool
	}{
		{nil, "anything", false},
		{[]string{}, "", false},
		{[]string{""}, "", true},
		{[]string{"x", ""}, "abc", true},
		{[]string{"IGNORE previous"}, "please ignore PREVIOUS ones", true},
		{[]string{"secret"}, "ſecret", true},
		{[]string{"ignore"}, "ıgnore", true},
		{[]string{"ignore"}, "İGNORE", true},
		{[]string{"task"}, "tas\u212A", true},
		{[]string{"tas\u212A"}, "TASK", true},
		{[]string{"straße"}, "STRASSE", false},
		{[]string{"σας"}, "ΣΑΣ", true},
		{[]string{"cd"}, "ab\xffcd", true},
		{[]string{"\xff"}, "\xff", true},
		{[]string{"\xff"}, "\uFFFD", true},
		{[]string{"é"}, "\xc3", false},
		{[]string{"ab", "abc"}, "xxabx", true},
		{[]string{"abc", "b"}, "xbx", true},
	}
	for _, tt := range tests {
		l := newFoldList(tt.list)
		if got := l.in(tt.text); got != tt.want {
			t.Errorf("newFoldList(%q).in(%q) = %v, want %v", tt.list, tt.text, got, tt.want)
		}
		if got := l.inEach(tt.text); got != tt.want {
			t.Errorf("newFoldList(%q).inEach(%q) = %v, want %v", tt.list, tt.text, got, tt.want)
		}
	}
	if (*foldList)(nil).in("x") {
		t.Error("nil foldList contains x")
	}
}

// TestFoldListLarge checks a list too large for one automaton still
// answers, needle by needle.
func TestFoldListLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large list")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	list := make([]string, 20000)
	for i := range list {
		list[i] = randFold(rng, 40, 23) + "q"
	}
	l := newFoldList(list)
	if l.m != nil {
		t.Fatal("the list got an automaton")
	}
	text := randFold(rng, 200, 23)
	if got, want := l.in(text), l.inEach(text); got != want {
		t.Errorf("in = %v, inEach = %v", got, want)
	}
}

func FuzzFoldList(f *testing.F) {
	f.Add("ignore previous|secret|id_rsa", "Please IGNORE previous instructions", uint16(0))
	f.Add("task|ſecret|ı", "taſK İ", uint16(300))
	f.Add("σας|\xff|é", "ΣΑΣ \xc3 \uFFFD", uint16(999))
	f.Add("kiss", "\xe2\x84\xaaıſs", uint16(1200))
	f.Fuzz(func(t *testing.T, list, text string, pad uint16) {
		needles := strings.Split(list, "|")
		checkFoldList(t, needles, text)
		if pad > 0 {
			// The same with the text in the middle of a long one, so that
			// it is scanned with four walks.
			filler := strings.Repeat("-x ", int(pad%1024))
			p := int(pad) % (len(filler) + 1)
			checkFoldList(t, needles, filler[:p]+text+filler[p:])
		}
	})
}
