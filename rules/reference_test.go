package rules

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// The implementations of arg_text and tojson before they were made
// faster, as references for differential tests.

// refArgText is argText as it was: one walk, a key slice per map.
func refArgText(v any) string {
	if s, ok := v.(string); ok {
		return cutString(s, MaxArgText)
	}
	var b strings.Builder
	refWalkStrings(v, 0, func(s string) bool {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		room := MaxArgText - b.Len()
		if len(s) >= room {
			b.WriteString(cutString(s, room))
			return false
		}
		b.WriteString(s)
		return true
	})
	return b.String()
}

func refWalkStrings(v any, depth int, fn func(string) bool) bool {
	if depth > maxWalkDepth {
		return true
	}
	switch x := v.(type) {
	case string:
		return fn(x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !refWalkStrings(x[k], depth+1, fn) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !refWalkStrings(e, depth+1, fn) {
				return false
			}
		}
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !fn(x[k]) {
				return false
			}
		}
	default:
		if ss, ok := stringsOf(v); ok {
			for _, s := range ss {
				if !fn(s) {
					return false
				}
			}
		}
	}
	return true
}

// refScanStrings is scanStrings over refWalkStrings.
func refScanStrings(v any, scan func(s string, out []string) []string) []string {
	var out []string
	budget := MaxArgText
	refWalkStrings(v, 0, func(s string) bool {
		s = cutString(s, budget)
		budget -= len(s)
		out = scan(s, out)
		return budget > 0 && len(out) < maxFound
	})
	return out
}

// refCanonicalJSON is canonicalJSON as it was, on the values appendJSON
// handles; ok is false for the others.
func refCanonicalJSON(v any) (string, bool) {
	out, ok := refAppendJSON(nil, v)
	return string(out), ok
}

func refAppendJSON(b []byte, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, x), true
	case string:
		return appendJSONString(b, x), true
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return b, false
		}
		f := byte('f')
		if abs := math.Abs(x); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			f = 'e'
		}
		b = strconv.AppendFloat(b, x, f, -1, 64)
		if f == 'e' {
			if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
				b[n-2] = b[n-1]
				b = b[:n-1]
			}
		}
		return b, true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = refAppendJSON(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			if b, ok = refAppendJSON(b, x[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// randValue returns a random JSON-like value (and, with odd, the other
// types argText walks, numbers JSON cannot hold and types it skips) of at
// most depth levels, made of the pieces of strs.
func randValue(rng *rand.Rand, depth int, strs []string, odd bool) any {
	str := func() string { return strs[rng.IntN(len(strs))] }
	kinds := 9
	if odd {
		kinds = 14
	}
	k := rng.IntN(kinds)
	if depth <= 0 && k >= 5 && k < 9 {
		k = rng.IntN(5)
	}
	switch k {
	case 0, 1:
		return str()
	case 2:
		return []float64{0, 1, -1, 0.5, 1e-7, 3e21, 1 << 53, 1<<53 + 2, -(1 << 60), 123456789, 1e20, 1e21 - 1, math.Copysign(0, -1), 2.5e-300}[rng.IntN(14)]
	case 3:
		return rng.IntN(2) == 0
	case 4:
		return nil
	case 5, 6:
		m := make(map[string]any)
		for range rng.IntN(20) {
			m[str()] = randValue(rng, depth-1, strs, odd)
		}
		return m
	case 7, 8:
		l := make([]any, rng.IntN(6))
		for i := range l {
			l[i] = randValue(rng, depth-1, strs, odd)
		}
		return l
	case 9:
		m := make(map[string]string)
		for range rng.IntN(20) {
			m[str()] = str()
		}
		return m
	case 10:
		return []string{str(), str()}
	case 11:
		return event.Strings{str()}
	case 12:
		return []any(nil)
	default:
		return []float64{math.Inf(1), math.NaN(), rng.Float64()}[rng.IntN(3)]
	}
}

var randStrings = []string{"", "a", "B", "key", "x y", "\n", "é", "\xff", "<a&b>", "\u2028", "\"q\"", "\\", "\t\x01", "日本", "k10", "k2", "K2"}

func TestArgTextMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		v := randValue(rng, 1+rng.IntN(4), randStrings, true)
		if got, want := argText(v), refArgText(v); got != want {
			t.Fatalf("argText(%#v) = %q, want %q", v, got, want)
		}
		if got, want := scanStrings(v, findEmails), refScanStrings(v, findEmails); !slices.Equal(got, want) {
			t.Fatalf("scanStrings(%#v) = %q, want %q", v, got, want)
		}
	}
}

func TestArgTextCases(t *testing.T) {
	deep := any("deep")
	for range maxWalkDepth + 2 {
		deep = []any{deep, "x"}
	}
	big := strings.Repeat("é", MaxArgText/2)
	cases := []any{
		nil, "", "one", 1.0, []any{}, map[string]any{},
		[]any{"", "a"}, []any{"", "", "a", "", ""}, []any{"a", "", "b"},
		map[string]any{"b": "2", "a": "1", "c": []any{"3", map[string]any{"z": "4", "y": "5"}}},
		map[string]string{"b": "2", "a": "1"}, []string{"x", "y"}, event.Strings{"p"},
		map[string]any{"only": []any{1.0, true, "lonely"}},
		deep,
		[]any{big, big}, []any{big[:MaxArgText-1], "xy"}, []any{big[:MaxArgText-2], "", "z"},
		[]any{strings.Repeat("a", MaxArgText-1), "", "", "b"},
		[]any{strings.Repeat("a", MaxArgText+5)},
	}
	m := map[string]any{}
	for i := range 40 {
		m[strconv.Itoa(i)] = strconv.Itoa(i * i) // more keys than smallMap
	}
	cases = append(cases, m)
	for _, v := range cases {
		if got, want := argText(v), refArgText(v); got != want {
			t.Errorf("argText(%.80v) = %.80q (%d bytes), want %.80q (%d bytes)", v, got, len(got), want, len(want))
		}
	}
}

func TestCanonicalJSONMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		v := randValue(rng, 1+rng.IntN(4), randStrings, rng.IntN(4) == 0)
		want, ok := refCanonicalJSON(v)
		if !ok {
			want = encodingJSON(v)
		}
		if got := canonicalJSON(v); got != want {
			t.Fatalf("canonicalJSON(%#v) = %q, want %q", v, got, want)
		}
	}
	// Whole numbers around the limits of the fast path.
	for _, x := range []float64{0, math.Copysign(0, -1), 1, -1, 1<<53 - 1, 1 << 53, -(1 << 53), 1<<53 + 2, 1e15, 1e20, 1e21, -1e21, 12345678901234567890} {
		if got, want := canonicalJSON(x), encodingJSON(x); got != want {
			t.Errorf("canonicalJSON(%v) = %s, want %s", x, got, want)
		}
	}
}

// FuzzArgTextJSON compares argText and canonicalJSON with their references
// on values built from the fuzzer's bytes.
func FuzzArgTextJSON(f *testing.F) {
	f.Add(uint64(1), "a|b|\xff|é")
	f.Add(uint64(42), "|k|\u2028|<x>")
	f.Fuzz(func(t *testing.T, seed uint64, pieces string) {
		strs := strings.Split(pieces, "|")
		rng := rand.New(rand.NewPCG(seed, seed>>32))
		v := randValue(rng, 1+rng.IntN(4), strs, true)
		if got, want := argText(v), refArgText(v); got != want {
			t.Fatalf("argText(%#v) = %q, want %q", v, got, want)
		}
		want, ok := refCanonicalJSON(v)
		if !ok {
			want = encodingJSON(v)
		}
		if got := canonicalJSON(v); got != want {
			t.Fatalf("canonicalJSON(%#v) = %q, want %q", v, got, want)
		}
	})
}
