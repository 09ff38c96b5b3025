package event

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDecoderStream decodes a stream of records with one Decoder, which
// takes its fast path or not by the records before, and checks each result
// against Decode's and the Decoder's wait for its fast path.
func TestDecoderStream(t *testing.T) {
	canonical := rec(field{"gen_ai.tool.call.arguments", `{"a.b":1}`}, field{"labels", `{"x.y":"z"}`})
	extra := rec(field{"vendor.x", `"y"`})
	dotted := flat(minimal())
	invalid := rec(field{"mcp.server.name", `7`})
	tests := []struct {
		name          string
		in            []byte
		wait, backoff int // after the record
	}{
		{"canonical", canonical, 0, 0},
		{"extra member", extra, 1, 1},
		{"waiting", canonical, 0, 1},
		{"canonical again", canonical, 0, 0},
		{"dotted", dotted, 1, 1},
		{"waiting for a dotted one", dotted, 0, 1},
		{"dotted again", dotted, 3, 3},
		{"waits 1", extra, 2, 3},
		{"waits 2", invalid, 1, 3},
		{"waits 3", canonical, 0, 3},
		{"invalid", invalid, 7, 7},
	}
	d := NewDecoder(Limits{})
	for _, tt := range tests {
		var got Event
		err := d.DecodeInto(&got, tt.in)
		want, wantErr := Decode(tt.in, Limits{})
		var de, wantDE *DecodeError
		switch {
		case wantErr != nil:
			if !errors.As(err, &de) || !errors.As(wantErr, &wantDE) || *de != *wantDE {
				t.Errorf("%s: DecodeInto = %v, Decode %v", tt.name, err, wantErr)
			}
			if diff := cmp.Diff(Event{}, got); diff != "" {
				t.Errorf("%s: DecodeInto left an Event with its error:\n%s", tt.name, diff)
			}
		case err != nil:
			t.Errorf("%s: DecodeInto = %v, Decode no error", tt.name, err)
		default:
			if diff := cmp.Diff(*want, got); diff != "" {
				t.Errorf("%s: DecodeInto differs from Decode (-Decode +DecodeInto):\n%s", tt.name, diff)
			}
		}
		if d.wait != tt.wait || d.backoff != tt.backoff {
			t.Errorf("%s: wait %d, backoff %d after it, want %d, %d", tt.name, d.wait, d.backoff, tt.wait, tt.backoff)
		}
	}
}

// TestDecoderBackoffBound checks that a Decoder fed only records its fast
// path refuses tries it once in maxBackoff+1 records at most.
func TestDecoderBackoffBound(t *testing.T) {
	extra := rec(field{"vendor.x", `"y"`})
	d := NewDecoder(Limits{})
	var ev Event
	for range 1000 {
		if err := d.DecodeInto(&ev, extra); err != nil {
			t.Fatal(err)
		}
	}
	if d.backoff != maxBackoff {
		t.Errorf("backoff %d after 1000 refused records, want %d", d.backoff, maxBackoff)
	}
}

// TestNoDottedFieldName checks what the fast path of a Decoder rests on: no
// field of the Event has a dot in its wire name, so that a record with a
// dotted name, which the full path expands, has a member the fast path
// refuses.
func TestNoDottedFieldName(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ == reflect.TypeFor[time.Time]() {
			return
		}
		seen[typ] = true
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if strings.Contains(name, ".") {
				t.Errorf("field %s%s has the wire name %q, with a dot", path, f.Name, name)
			}
			walk(f.Type, path+f.Name+".")
		}
	}
	walk(reflect.TypeFor[Event](), "")
}
