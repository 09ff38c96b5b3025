package rules

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// appendJSON appends v as canonicalJSON writes it, for the values decoded
// JSON is made of (nil, bool, float64, string, []any, map[string]any);
// ok is false for any other value, which canonicalJSON leaves to
// encoding/json. The output is the one of encoding/json with SetEscapeHTML
// (false): sorted keys, the same escapes and number format.
func appendJSON(b []byte, v any) (_ []byte, ok bool) {
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
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 && (x != 0 || !math.Signbit(x)) {
			// A whole number (most of JSON's): its digits, as 'f' writes
			// them (but -0, which is "-0").
			return strconv.AppendInt(b, int64(x), 10), true
		}
		f := byte('f')
		if abs := math.Abs(x); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			f = 'e'
		}
		b = strconv.AppendFloat(b, x, f, -1, 64)
		if f == 'e' {
			// e-09 becomes e-9, as encoding/json writes it.
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
			if b, ok = appendJSON(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		var buf [smallMap]mapEntry[any] // here: in a function of its own, escape analysis puts it on the heap
		b = append(b, '{')
		for i, e := range sortedEntries(buf[:0], x) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, e.k)
			b = append(b, ':')
			if b, ok = appendJSON(b, e.v); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case event.ToolAnnotations:
		// tojson(mcp.tool.annotations), hashed for every tool definition:
		// its fields in order, as encoding/json writes the struct.
		b = append(b, '{')
		first := true
		sep := func() {
			if !first {
				b = append(b, ',')
			}
			first = false
		}
		if x.Title != "" {
			sep()
			b = append(b, `"title":`...)
			b = appendJSONString(b, x.Title)
		}
		for _, h := range [...]struct {
			name string
			v    *bool
		}{
			{`"readOnlyHint":`, x.ReadOnlyHint},
			{`"destructiveHint":`, x.DestructiveHint},
			{`"idempotentHint":`, x.IdempotentHint},
			{`"openWorldHint":`, x.OpenWorldHint},
			{`"declared":`, x.Declared},
		} {
			if h.v != nil {
				sep()
				b = append(b, h.name...)
				b = strconv.AppendBool(b, *h.v)
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

const jsonHex = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does without HTML
// escaping: invalid UTF-8 becomes \ufffd, U+2028 and U+2029 are escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// smallMap is how many entries appendJSON and walkStrings sort without
// allocating (in an array on the stack).
const smallMap = 16

// mapEntry is a key and value of a map.
type mapEntry[V any] struct {
	k string
	v V
}

// sortedEntries appends the entries of m to dst and sorts them by key.
func sortedEntries[V any](dst []mapEntry[V], m map[string]V) []mapEntry[V] {
	for k, v := range m {
		dst = append(dst, mapEntry[V]{k, v})
	}
	if len(dst) > 12 {
		slices.SortFunc(dst, func(a, b mapEntry[V]) int { return strings.Compare(a.k, b.k) })
		return dst
	}
	for i := 1; i < len(dst); i++ { // few entries: an insertion sort
		for j := i; j > 0 && dst[j].k < dst[j-1].k; j-- {
			dst[j], dst[j-1] = dst[j-1], dst[j]
		}
	}
	return dst
}
