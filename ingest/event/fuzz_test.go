package event

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecode checks that Decode never panics and that an accepted record
// survives a round trip: the Event encoded by encoding/json decodes to the
// same Event. It also checks that the scan for dotted names never misses
// one. Seeds are the files of testdata/valid and testdata/invalid, and the
// corpus of testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if hasDottedName(data) && !mayHaveDottedKey(data) {
			t.Fatalf("mayHaveDottedKey(%q) = false for a record with a dotted name", data)
		}
		ev, err := Decode(data, fuzzLimits)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Err == nil || de.Reason == "" {
				t.Fatalf("Decode(%q) = %#v, want a *DecodeError with a reason and a sentinel", data, err)
			}
			return
		}
		enc, err := stdjson.Marshal(ev)
		if err != nil {
			t.Fatalf("Decode(%q) gave an Event encoding/json cannot encode: %v", data, err)
		}
		lim2 := fuzzLimits
		lim2.MaxEventBytes = maxEventBytes // encoding may make it larger
		ev2, err := Decode(enc, lim2)
		if err != nil {
			t.Fatalf("Decode(%q) = %v for the encoding of the Event of %q", enc, err, data)
		}
		if diff := cmp.Diff(ev, ev2); diff != "" {
			t.Fatalf("round trip of %q changed the Event (-first +second):\n%s", data, diff)
		}
	})
}

// FuzzFastPath checks that the fast path of a Decoder changes nothing: a
// new Decoder, which tries it, gives the same Event, or the same
// DecodeError, as decodeReference, the full path alone. Seeds are those of
// FuzzDecode, and the corpus of testdata/fuzz/FuzzFastPath.
func FuzzFastPath(f *testing.F) {
	addSeeds(f)
	// Members the Event does not have, dotted or not, at every level: the
	// records the fast path refuses.
	f.Add(rec(field{"extra", `{"a.b":1}`}, field{"mcp.server.extra", `"x"`}))
	f.Add(rec(field{"mcp.entities", `[{"role":"input","extra.name":"x"}]`}))
	f.Add(rec(field{"mcp.tool.annotations", `{"readOnlyHint":true,"extra":1}`}))
	f.Add(rec(field{"Event", `{"id":"x"}`}))
	f.Add([]byte(`{"@timestamp":"2026-11-20T14:02:10Z","event":{"id":"e1"},"mcp":{"method":{"name":"x"},"server":{"name":"s"}},"mcp.session.id":"s1"}`))
	f.Add([]byte(`{"@timestamp":"2026-11-20T14:02:10Z","event":{"id":"e1"},"mcp":{"method":{"name":"x"},"server":{"name":"s","a..b":1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev := new(Event)
		err := NewDecoder(fuzzLimits).DecodeInto(ev, data)
		want, wantErr := decodeReference(data, fuzzLimits)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("Decoder.DecodeInto(%q) = %v, the full path alone %v", data, err, wantErr)
		}
		if err != nil {
			var de, wantDE *DecodeError
			if !errors.As(err, &de) || !errors.As(wantErr, &wantDE) {
				t.Fatalf("Decoder.DecodeInto(%q) = %#v, the full path alone %#v: want *DecodeErrors", data, err, wantErr)
			}
			if *de != *wantDE {
				t.Fatalf("Decoder.DecodeInto(%q) = %#v, the full path alone %#v", data, de, wantDE)
			}
			return
		}
		if diff := cmp.Diff(want, ev); diff != "" {
			t.Fatalf("Decoder.DecodeInto(%q) differs from the full path alone (-full +Decoder):\n%s", data, diff)
		}
	})
}

// fuzzLimits are the limits of the fuzz targets, low enough that random
// records reach them.
var fuzzLimits = Limits{MaxResultText: 16, MaxDepth: 8, MaxEntries: 8, MaxIDBytes: 64}

// addSeeds adds the seeds of the fuzz targets: the files of testdata/valid
// and testdata/invalid, and records of every form.
func addSeeds(f *testing.F) {
	f.Helper()
	for _, dir := range []string{"valid", "invalid"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, ".golden.json") {
				continue
			}
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add(flat(minimal()))
	f.Add(rec(field{"gen_ai.tool.call.arguments", `{"a.b":[1,{"c.d":null}],"e":"\u002e"}`}, field{"labels", `{"x":1.5e3,"y":true}`}))
	f.Add(flat(with(field{"gen_ai.tool.call.arguments.x.y", `1`}, field{"labels.a.b", `"c"`}, field{"tags", `"t"`})))
	f.Add(rec(field{"mcp.result.text", `"héllo wörld, \"quoted\" \ud800 \u0000 text"`}, field{"@timestamp", `1763647330123`}))
}

// decodeReference is the full path alone: every record scanned for dotted
// names and decoded by decodeFull, as DecodeInto decodes it.
func decodeReference(data []byte, lim Limits) (*Event, error) {
	lim = lim.withDefaults()
	ev := new(Event)
	derr := checkRecord(data, lim)
	if derr == nil {
		derr = decodeFull(ev, data)
	}
	if derr == nil {
		derr = finish(ev, lim)
	}
	if derr != nil {
		return nil, derr
	}
	return ev, nil
}

// hasDottedName reports whether data is a JSON value with a member name,
// at any level, that holds a dot. It is the reference mayHaveDottedKey is
// checked against.
func hasDottedName(data []byte) bool {
	if !stdjson.Valid(data) {
		return false // not JSON: no claim
	}
	dec := stdjson.NewDecoder(bytes.NewReader(data))
	// For each open container, whether it is an object and whether its
	// next token is a member name.
	type level struct{ object, name bool }
	var stack []level
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			return false
		}
		top := len(stack) - 1
		if d, ok := tok.(stdjson.Delim); ok {
			switch d {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].name = true
				}
				stack = append(stack, level{object: d == '{', name: d == '{'})
			default:
				stack = stack[:top]
			}
			continue
		}
		if top >= 0 && stack[top].object {
			if stack[top].name {
				if s, _ := tok.(string); strings.Contains(s, ".") {
					return true
				}
			}
			stack[top].name = !stack[top].name
		}
	}
}
