package correlate

import (
	"fmt"
	"slices"
	"strings"
)

// Diff limits: the context lines around a change, and the edit distance
// (in lines) above which the changed region is shown as removed and added
// whole instead of aligned.
const (
	diffContext = 3
	diffMaxEdit = 256
)

// lineDiff returns a unified diff ("--- previous", "+++ current", @@ hunks)
// of two texts, line by line. Past max bytes the diff is cut at a line end
// and a last line says so. Equal texts give "".
func lineDiff(a, b string, max int) string {
	if a == b {
		return ""
	}
	ops := diffLines(splitLines(a), splitLines(b))
	var w strings.Builder
	w.WriteString("--- previous\n+++ current\n")
	for _, h := range hunks(ops, diffContext) {
		fmt.Fprintf(&w, "@@ -%s +%s @@\n", hunkRange(h.aStart, h.aLen), hunkRange(h.bStart, h.bLen))
		for _, o := range ops[h.from:h.to] {
			line := string(o.kind) + o.text + "\n"
			if w.Len()+len(line) > max {
				fmt.Fprintf(&w, "... diff cut at %d bytes\n", max)
				return w.String()
			}
			w.WriteString(line)
		}
	}
	return w.String()
}

// diffOp is one line of an edit script: ' ' kept, '-' removed, '+' added.
type diffOp struct {
	kind byte
	text string
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// diffLines returns an edit script turning a into b: common prefix and
// suffix lines are kept, and the lines between are aligned with Myers'
// O(ND) algorithm.
func diffLines(a, b []string) []diffOp {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	q := 0
	for q < len(a)-p && q < len(b)-p && a[len(a)-1-q] == b[len(b)-1-q] {
		q++
	}
	ops := make([]diffOp, 0, len(a)+len(b)-p-q)
	for _, l := range a[:p] {
		ops = append(ops, diffOp{' ', l})
	}
	ops = append(ops, myers(a[p:len(a)-q], b[p:len(b)-q])...)
	for _, l := range a[len(a)-q:] {
		ops = append(ops, diffOp{' ', l})
	}
	return ops
}

// myers aligns a and b; beyond diffMaxEdit edits it gives up and removes a
// then adds b.
func myers(a, b []string) []diffOp {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(a, b)
	}
	ids := map[string]int{}
	id := func(ls []string) []int {
		out := make([]int, len(ls))
		for i, l := range ls {
			v, ok := ids[l]
			if !ok {
				v = len(ids)
				ids[l] = v
			}
			out[i] = v
		}
		return out
	}
	x1, x2 := id(a), id(b)
	maxD := min(n+m, diffMaxEdit)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int // trace[d]: v[-d..d] after round d
	for d := 0; d <= maxD; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && x1[x] == x2[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				trace = append(trace, slices.Clone(v[off-d:off+d+1]))
				return backtrack(a, b, trace)
			}
		}
		trace = append(trace, slices.Clone(v[off-d:off+d+1]))
	}
	return replaceAll(a, b)
}

func backtrack(a, b []string, trace [][]int) []diffOp {
	x, y := len(a), len(b)
	var ops []diffOp
	for d := len(trace) - 1; d > 0; d-- {
		prev := trace[d-1] // covers k in [-(d-1), d-1]
		at := func(k int) int { return prev[k+d-1] }
		k := x - y
		var pk int
		if k == -d || k != d && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			ops = append(ops, diffOp{' ', a[x-1]})
			x--
			y--
		}
		if x == px {
			ops = append(ops, diffOp{'+', b[y-1]})
			y--
		} else {
			ops = append(ops, diffOp{'-', a[x-1]})
			x--
		}
	}
	for x > 0 && y > 0 {
		ops = append(ops, diffOp{' ', a[x-1]})
		x--
		y--
	}
	slices.Reverse(ops)
	return ops
}

func replaceAll(a, b []string) []diffOp {
	ops := make([]diffOp, 0, len(a)+len(b))
	for _, l := range a {
		ops = append(ops, diffOp{'-', l})
	}
	for _, l := range b {
		ops = append(ops, diffOp{'+', l})
	}
	return ops
}

// hunk is a run of ops[from:to] shown together, with its line ranges
// (starting at 1) in the old and new text.
type hunk struct {
	from, to     int
	aStart, aLen int
	bStart, bLen int
}

func hunks(ops []diffOp, ctx int) []hunk {
	var hs []hunk
	i := 0
	for i < len(ops) {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		from := max(i-ctx, 0)
		// Extend over changes separated by at most 2*ctx kept lines.
		j := i
		for {
			for j < len(ops) && ops[j].kind != ' ' {
				j++
			}
			k := j
			for k < len(ops) && ops[k].kind == ' ' {
				k++
			}
			if k < len(ops) && k-j <= 2*ctx {
				j = k
				continue
			}
			break
		}
		to := min(j+ctx, len(ops))
		hs = append(hs, hunk{from: from, to: to})
		i = to
	}
	// Line numbers.
	an, bn, h := 0, 0, 0
	for i, o := range ops {
		if h < len(hs) && i == hs[h].from {
			hs[h].aStart, hs[h].bStart = an+1, bn+1
		}
		if h < len(hs) && i >= hs[h].from && i < hs[h].to {
			if o.kind != '+' {
				hs[h].aLen++
			}
			if o.kind != '-' {
				hs[h].bLen++
			}
		}
		if o.kind != '+' {
			an++
		}
		if o.kind != '-' {
			bn++
		}
		if h < len(hs) && i == hs[h].to-1 {
			h++
		}
	}
	return hs
}

// hunkRange formats a hunk's line range as unified diffs do: "start,len",
// ",len" left out when it is 1, and the line before an empty range.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
