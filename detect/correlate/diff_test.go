package correlate

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	lines := func(n int, prefix string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(prefix)
			b.WriteByte(byte('a' + i%26))
			b.WriteByte('\n')
		}
		return b.String()
	}
	tests := []struct {
		name string
		a, b string
		max  int
		want string
	}{
		{name: "equal", a: "x\ny", b: "x\ny", want: ""},
		{
			name: "line added at the end",
			a:    "one\ntwo", b: "one\ntwo\nthree",
			want: "--- previous\n+++ current\n@@ -1,2 +1,3 @@\n one\n two\n+three\n",
		},
		{
			name: "line removed at the start",
			a:    "zero\none\ntwo", b: "one\ntwo",
			want: "--- previous\n+++ current\n@@ -1,3 +1,2 @@\n-zero\n one\n two\n",
		},
		{
			name: "line changed in the middle, three lines of context",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9", b: "1\n2\n3\n4\nfive\n6\n7\n8\n9",
			want: "--- previous\n+++ current\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "from nothing",
			a:    "", b: "new\ntext",
			want: "--- previous\n+++ current\n@@ -0,0 +1,2 @@\n+new\n+text\n",
		},
		{
			name: "to nothing",
			a:    "old", b: "",
			want: "--- previous\n+++ current\n@@ -1 +0,0 @@\n-old\n",
		},
		{
			name: "two hunks far apart",
			a:    "a\n" + lines(10, "k") + "b", b: "A\n" + lines(10, "k") + "B",
			want: "--- previous\n+++ current\n@@ -1,4 +1,4 @@\n-a\n+A\n ka\n kb\n kc\n@@ -9,4 +9,4 @@\n kh\n ki\n kj\n-b\n+B\n",
		},
		{
			name: "changes close together share a hunk",
			a:    "a\n1\n2\n3\nb", b: "A\n1\n2\n3\nB",
			want: "--- previous\n+++ current\n@@ -1,5 +1,5 @@\n-a\n+A\n 1\n 2\n 3\n-b\n+B\n",
		},
		{
			name: "cut at the bound",
			a:    "", b: lines(100, "line "), max: 80,
			want: "--- previous\n+++ current\n@@ -0,0 +1,100 @@\n+line a\n+line b\n+line c\n+line d\n... diff cut at 80 bytes\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = 1 << 20
			}
			if got := lineDiff(tt.a, tt.b, max); got != tt.want {
				t.Errorf("lineDiff(%q, %q) =\n%s\nwant\n%s", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestDiffLinesMinimal checks on random texts that the edit script turns a
// into b and is as short as the longest common subsequence allows.
func TestDiffLinesMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func() []string {
		n := r.IntN(12)
		out := make([]string, n)
		for i := range out {
			out[i] = string(rune('a' + r.IntN(4)))
		}
		return out
	}
	for range 2000 {
		a, b := gen(), gen()
		ops := diffLines(a, b)
		var gotA, gotB []string
		edits := 0
		for _, o := range ops {
			if o.kind != '+' {
				gotA = append(gotA, o.text)
			}
			if o.kind != '-' {
				gotB = append(gotB, o.text)
			}
			if o.kind != ' ' {
				edits++
			}
		}
		if strings.Join(gotA, ",") != strings.Join(a, ",") || strings.Join(gotB, ",") != strings.Join(b, ",") {
			t.Fatalf("diffLines(%q, %q) = %v: does not rebuild both sides", a, b, ops)
		}
		if want := len(a) + len(b) - 2*lcs(a, b); edits != want {
			t.Fatalf("diffLines(%q, %q) has %d edits, want %d", a, b, edits, want)
		}
	}
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestDiffLinesGivesUpOnLargeEdits(t *testing.T) {
	var a, b []string
	for i := range 2 * diffMaxEdit {
		a = append(a, "a"+string(rune('0'+i%10)))
		b = append(b, "b"+string(rune('0'+i%10)))
	}
	ops := diffLines(a, b)
	if len(ops) != len(a)+len(b) || ops[0].kind != '-' || ops[len(ops)-1].kind != '+' {
		t.Errorf("diffLines of two unrelated texts: %d ops starting %q, want all removed then all added", len(ops), ops[0].kind)
	}
}
