package rules

import (
	"math"
	"strings"
	"testing"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

func TestCanonicalJSONFastPath(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 0x80; c++ {
		all.WriteByte(byte(c))
	}
	strs := []string{"", "plain", all.String(), "a<b>&c", "\u2028x\u2029", "bad \xff\xfe utf8", "é ü 日本 🙂", "tail\xe2\x80", `"\"`, "\x00\x1f\x7f"}
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 1.2345e22, -3e-9, 123456789012345680000, 3.14159, 1e300, 5e-324}
	vals := []any{nil, true, false, []any(nil), map[string]any(nil), []any{}, map[string]any{}}
	for _, s := range strs {
		vals = append(vals, s, map[string]any{s: s}, []any{s, 1.0})
	}
	for _, n := range nums {
		vals = append(vals, n, []any{n})
	}
	vals = append(vals, map[string]any{
		"type": "object", "b": []any{1.0, "x", nil, true, map[string]any{"z": 1e-8, "a": []any{}}},
		"properties": map[string]any{"city": map[string]any{"type": "string", "description": "The <city>\n\tname"}},
	})
	for _, v := range vals {
		got, ok := appendJSON(nil, v)
		if !ok {
			t.Errorf("%#v: not handled", v)
			continue
		}
		if want := encodingJSON(v); string(got) != want {
			t.Errorf("%#v:\n got %s\nwant %s", v, got, want)
		}
	}
	for _, v := range []any{math.Inf(1), math.NaN(), []any{math.Inf(-1)}, 3, struct{ A int }{1}, map[string]any{"x": []string{"a"}}} {
		if canonicalJSON(v) != encodingJSON(v) {
			t.Errorf("%#v: %q, want %q", v, canonicalJSON(v), encodingJSON(v))
		}
	}
}

func FuzzCanonicalJSONString(f *testing.F) {
	f.Add("a\u2028\xff<\x01", 1.5e-7)
	f.Fuzz(func(t *testing.T, s string, n float64) {
		v := map[string]any{s: []any{s, n}, "k": s}
		if got, want := canonicalJSON(v), encodingJSON(v); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

// TestCanonicalJSONAnnotations checks the tool annotations' own path
// against encoding/json, for every combination of the hints.
func TestCanonicalJSONAnnotations(t *testing.T) {
	tr, fa := true, false
	vals := []*bool{nil, &tr, &fa}
	for _, title := range []string{"", "Read <file> & \"more\"", "é\u2028"} {
		for i := range 243 { // 3^5 combinations
			a := event.ToolAnnotations{Title: title}
			n := i
			for _, p := range []**bool{&a.ReadOnlyHint, &a.DestructiveHint, &a.IdempotentHint, &a.OpenWorldHint, &a.Declared} {
				*p = vals[n%3]
				n /= 3
			}
			got, ok := appendJSON(nil, a) // not canonicalJSON: its fallback is the reference
			if want := encodingJSON(a); !ok || string(got) != want {
				t.Fatalf("appendJSON(%+v) = %s, %v; want %s", a, got, ok, want)
			}
		}
	}
}
