package correlate

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"unicode/utf8"
)

// jsonWant is what json.Unmarshal gives parseObject's callers.
func jsonWant(s string) map[string]any {
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

func TestParseObject(t *testing.T) {
	tests := []string{
		`{}`,
		`{"a":"b","n":1.5,"i":-20,"z":0,"e":1e+21,"E":-2.5E-7,"t":true,"f":false,"x":null}`,
		`{"list":[],"l":[1,"two",[3],{"four":4}],"o":{"p":{"q":{}}}}`,
		`{"esc":"a\"b\\c\u0001\ufffd\n\t\/\b\f\r","é":"ünï\u00e9"}`,
		`{"dup":1,"dup":2}`,
		`{"pair":"\ud83d\ude00"}`,
		`{"lone":"\ud83d"}`,
		`{"bad":"\xff"}`,
		`{"ctl":"a` + "\x01" + `"}`,
		`{ "spaced" : [ 1 , 2 ] }`,
		`{"n":01}`, `{"n":1.}`, `{"n":.5}`, `{"n":+1}`, `{"n":-}`, `{"n":1e}`, `{"n":1e400}`,
		`{"a":1,}`, `{"a"}`, `{"a":}`, `{"a":1`, `{"a":"b`, `{"a":tru}`, `[1]`, `null`, `"s"`, ``, `{}x`,
	}
	for _, s := range tests {
		if got, want := parseObject(s), jsonWant(s); !reflect.DeepEqual(got, want) {
			t.Errorf("parseObject(%q) = %#v, want %#v", s, got, want)
		}
	}
}

// FuzzParseObject checks parseObject against encoding/json on any text,
// and on the text appendJSON writes for an object built from the input.
func FuzzParseObject(f *testing.F) {
	f.Add(`{"a":[1,"x",{"b":null}],"c":-1.5e-3}`, "k", "v\x00\xff\"é", 3.25, true)
	f.Add(`{"s":"\u00e9\n"}`, "", "", math.Inf(1), false)
	f.Fuzz(func(t *testing.T, text, k, v string, n float64, b bool) {
		if got, want := parseObject(text), jsonWant(text); !reflect.DeepEqual(got, want) {
			t.Fatalf("parseObject(%q) = %#v, want %#v", text, got, want)
		}
		obj := map[string]any{
			k:     v,
			"n":   n,
			"b":   b,
			"l":   []any{v, n, nil, map[string]any{k: []string{v, k}}},
			k + k: map[string]any{"deep": map[string]any{v: int64(n)}},
		}
		for _, limit := range []int{8, 4096} {
			budget := limit
			s := string(appendJSON(nil, obj, &budget, true, 0))
			if got, want := parseObject(s), jsonWant(s); !reflect.DeepEqual(got, want) {
				t.Fatalf("parseObject(%q) = %#v, want %#v", s, got, want)
			}
		}
	})
}

// appendJSONStringRef is appendJSONString as it was first written, byte by
// byte: FuzzAppendJSONString holds the faster one to it.
func appendJSONStringRef(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\s`, "\x00\x1f\x7f", "é\xffü\xc3", "\xe2\x82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendJSONString([]byte("x"), s), appendJSONStringRef([]byte("x"), s); string(got) != string(want) {
			t.Fatalf("appendJSONString(%q) = %q, want %q", s, got, want)
		}
	})
}
