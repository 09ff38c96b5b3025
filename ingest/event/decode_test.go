package event

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// field is one member of a test record: a dotted name and a JSON value.
type field struct{ name, value string }

// minimal returns the required fields of a record.
func minimal() []field {
	return []field{
		{"@timestamp", `"2026-11-20T14:02:10Z"`},
		{"event.id", `"e1"`},
		{"mcp.method.name", `"tools/call"`},
		{"mcp.server.name", `"srv"`},
	}
}

// with returns the minimal fields changed by extra: a field of the same
// name is replaced, or removed if the new value is "", and others are
// added at the end.
func with(extra ...field) []field {
	fs := minimal()
next:
	for _, e := range extra {
		for i, f := range fs {
			if f.name == e.name {
				if e.value == "" {
					fs = append(fs[:i], fs[i+1:]...)
				} else {
					fs[i] = e
				}
				continue next
			}
		}
		fs = append(fs, e)
	}
	return fs
}

// rec renders the minimal record changed by extra as nested JSON.
func rec(extra ...field) []byte { return nested(with(extra...)) }

// nested renders fields as nested JSON objects, the members of each object
// in order of first use. Names are written as they are, unquoted.
func nested(fields []field) []byte {
	type node struct {
		names []string
		kids  map[string]*node
		value string
	}
	root := &node{kids: map[string]*node{}}
	for _, f := range fields {
		n := root
		segs := strings.Split(f.name, ".")
		if f.name == "@timestamp" {
			segs = []string{f.name}
		}
		for i, s := range segs {
			k := n.kids[s]
			if k == nil {
				k = &node{kids: map[string]*node{}}
				n.kids[s] = k
				n.names = append(n.names, s)
			}
			if i == len(segs)-1 {
				k.value = f.value
			}
			n = k
		}
	}
	var b bytes.Buffer
	var write func(n *node)
	write = func(n *node) {
		if n.value != "" {
			b.WriteString(n.value)
			return
		}
		b.WriteByte('{')
		for i, name := range n.names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + name + `"`)
			b.WriteByte(':')
			write(n.kids[name])
		}
		b.WriteByte('}')
	}
	write(root)
	return b.Bytes()
}

// flat renders fields as one object with dotted member names, written as
// they are.
func flat(fields []field) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + f.name + `"`)
		b.WriteByte(':')
		b.WriteString(f.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// wantMinimal returns the Event the minimal record decodes to.
func wantMinimal() *Event {
	ev := &Event{Timestamp: time.Date(2026, 11, 20, 14, 2, 10, 0, time.UTC)}
	ev.Event.ID = "e1"
	ev.Event.Kind = "event"
	ev.Event.Action = "tools/call"
	ev.Organization.ID = "default"
	ev.MCP.Method.Name = "tools/call"
	ev.MCP.Server.Name = "srv"
	return ev
}

func ptr[T any](v T) *T { return &v }

// short quotes a record for a failure message, cut if long.
func short(b []byte) string {
	if len(b) > 200 {
		return strconv.Quote(string(b[:200])) + "..."
	}
	return strconv.Quote(string(b))
}

// decodeCase is a record and what Decode makes of it: the changes to
// wantMinimal, or the error.
type decodeCase struct {
	name   string
	in     []byte
	lim    Limits
	want   func(*Event) // changes to wantMinimal; nil for no change
	path   string       // the Path of the wanted error
	reason string       // a part of the Reason of the wanted error
	err    error        // the sentinel of the wanted error; nil for success
}

func (c decodeCase) run(t *testing.T) {
	t.Helper()
	got, err := Decode(c.in, c.lim)
	if c.err != nil {
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("Decode(%s) = %v, want a *DecodeError", short(c.in), err)
		}
		if de.Path != c.path || !strings.Contains(de.Reason, c.reason) || !errors.Is(err, c.err) {
			t.Fatalf("Decode(%s) = %q (Err %v), want path %q, reason containing %q, Err %v",
				short(c.in), err, de.Err, c.path, c.reason, c.err)
		}
		if got != nil {
			t.Errorf("Decode(%s) returned an Event with its error", short(c.in))
		}
		return
	}
	if err != nil {
		t.Fatalf("Decode(%s) = %v, want no error", short(c.in), err)
	}
	want := wantMinimal()
	if c.want != nil {
		c.want(want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode(%s) mismatch (-want +got):\n%s", short(c.in), diff)
	}
}

func TestDecodeRequiredAndDefaults(t *testing.T) {
	tests := []decodeCase{
		{name: "minimal", in: rec()},
		{name: "organization given", in: rec(field{"organization.id", `"acme"`}),
			want: func(e *Event) { e.Organization.ID = "acme" }},
		{name: "kind given", in: rec(field{"event.kind", `"alert"`}),
			want: func(e *Event) { e.Event.Kind = "alert" }},
		{name: "flow from conversation",
			in: rec(field{"gen_ai.conversation.id", `"c1"`}, field{"mcp.session.id", `"s1"`}, field{"trace.id", `"t1"`}),
			want: func(e *Event) {
				e.GenAI.Conversation.ID, e.MCP.Session.ID, e.Trace.ID = "c1", "s1", "t1"
				e.MCP.Flow.ID = "c1"
			}},
		{name: "flow from session", in: rec(field{"mcp.session.id", `"s1"`}, field{"trace.id", `"t1"`}),
			want: func(e *Event) { e.MCP.Session.ID, e.Trace.ID, e.MCP.Flow.ID = "s1", "t1", "s1" }},
		{name: "flow from trace", in: rec(field{"trace.id", `"t1"`}),
			want: func(e *Event) { e.Trace.ID, e.MCP.Flow.ID = "t1", "t1" }},
		{name: "flow given", in: rec(field{"mcp.flow.id", `"acme|f1"`}, field{"gen_ai.conversation.id", `"c1"`}),
			want: func(e *Event) { e.MCP.Flow.ID, e.GenAI.Conversation.ID = "acme|f1", "c1" }},
		{name: "flow stays empty", in: rec(field{"span.id", `"sp"`}),
			want: func(e *Event) { e.Span.ID = "sp" }},
		{name: "method from action",
			in:   rec(field{"mcp.method.name", ""}, field{"event.action", `"resources/read"`}),
			want: func(e *Event) { e.MCP.Method.Name, e.Event.Action = "resources/read", "resources/read" }},
		{name: "tool definition is tools/list",
			in:   rec(field{"mcp.method.name", ""}, field{"event.action", `"mcp.tool.definition"`}),
			want: func(e *Event) { e.MCP.Method.Name, e.Event.Action = "tools/list", "mcp.tool.definition" }},
		{name: "method and action both kept",
			in:   rec(field{"mcp.method.name", `"tools/list"`}, field{"event.action", `"mcp.tool.definition"`}),
			want: func(e *Event) { e.MCP.Method.Name, e.Event.Action = "tools/list", "mcp.tool.definition" }},
		{name: "unknown members ignored",
			in: rec(field{"rule.id", `"R1"`}, field{"mcp.alert.reason", `{"x":[1,2,{"y":null}]}`}, field{"event.severity", `73`})},
		// Decode's fast path refuses these records; the full path decodes them.
		{name: "unknown member last",
			in: rec(field{"vendor.x", `"y"`})},
		{name: "unknown member in an entity",
			in:   rec(field{"mcp.entities", `[{"role":"input","x":{"y":1}}]`}),
			want: func(e *Event) { e.MCP.Entities = []Entity{{Role: "input"}} }},
		{name: "unknown member with a dotted name",
			in: []byte(`{"@timestamp":"2026-11-20T14:02:10Z","event":{"id":"e1","x":1},"mcp":{"method":{"name":"tools/call"},"server.name":"srv"}}`)},
		{name: "names match with case",
			in:   rec(field{"event.id", ""}, field{"Event.ID", `"e1"`}),
			path: "/event/id", reason: "missing required field", err: ErrMissingField},

		{name: "missing timestamp", in: rec(field{"@timestamp", ""}),
			path: "/@timestamp", reason: "missing required field", err: ErrMissingField},
		{name: "missing event id", in: rec(field{"event.id", ""}),
			path: "/event/id", reason: "missing required field", err: ErrMissingField},
		{name: "missing method and action", in: rec(field{"mcp.method.name", ""}),
			path: "/mcp/method/name", reason: "missing required field (or event.action)", err: ErrMissingField},
		{name: "missing server", in: rec(field{"mcp.server.name", ""}),
			path: "/mcp/server/name", reason: "missing required field", err: ErrMissingField},
		{name: "null is absent", in: rec(field{"event.id", `null`}),
			path: "/event/id", reason: "missing required field", err: ErrMissingField},
		{name: "empty is absent", in: rec(field{"mcp.server.name", `""`}),
			path: "/mcp/server/name", reason: "missing required field", err: ErrMissingField},
		{name: "null object is absent", in: rec(field{"mcp.server.name", ""}, field{"mcp.server", `null`}),
			path: "/mcp/server/name", reason: "missing required field", err: ErrMissingField},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeTimestamp(t *testing.T) {
	ts := func(v string) []byte { return rec(field{"@timestamp", v}) }
	at := func(tm time.Time) func(*Event) { return func(e *Event) { e.Timestamp = tm } }
	tests := []decodeCase{
		{name: "offset becomes UTC", in: ts(`"2026-11-20T16:02:10+02:00"`)},
		{name: "nanoseconds", in: ts(`"2026-11-20T14:02:10.123456789Z"`),
			want: at(time.Date(2026, 11, 20, 14, 2, 10, 123456789, time.UTC))},
		{name: "epoch milliseconds", in: ts(`1763647330123`),
			want: at(time.UnixMilli(1763647330123).UTC())},
		{name: "epoch zero", in: ts(`0`),
			path: "/@timestamp", reason: "epoch seconds given?", err: ErrInvalid},
		{name: "epoch seconds", in: ts(`1763632800`),
			path: "/@timestamp", reason: "epoch milliseconds before 1973", err: ErrInvalid},
		{name: "epoch milliseconds", in: ts(`1763632800000`), want: at(time.UnixMilli(1763632800000).UTC())},
		{name: "epoch fraction", in: ts(`1763647330123.5`),
			path: "/@timestamp", reason: "want epoch milliseconds, an integer", err: ErrInvalid},
		{name: "epoch exponent", in: ts(`1.7e12`),
			path: "/@timestamp", reason: "want epoch milliseconds, an integer", err: ErrInvalid},
		{name: "epoch negative", in: ts(`-1`),
			path: "/@timestamp", reason: "want epoch milliseconds", err: ErrInvalid},
		{name: "epoch after 9999", in: ts(`253402300800000`),
			path: "/@timestamp", reason: "want epoch milliseconds", err: ErrInvalid},
		{name: "not RFC 3339", in: ts(`"2026-11-20 14:02:10"`),
			path: "/@timestamp", reason: "invalid timestamp: want RFC 3339 date-time or epoch milliseconds", err: ErrInvalid},
		{name: "date only", in: ts(`"2026-11-20"`),
			path: "/@timestamp", reason: "invalid timestamp", err: ErrInvalid},
		{name: "before 1970", in: ts(`"1969-12-31T23:59:59Z"`),
			path: "/@timestamp", reason: "before 1970 or after 9999", err: ErrInvalid},
		{name: "after 9999 in UTC", in: ts(`"9999-12-31T23:59:59-01:00"`),
			path: "/@timestamp", reason: "before 1970 or after 9999", err: ErrInvalid},
		{name: "wrong type", in: ts(`true`),
			path: "/@timestamp", reason: "wrong type: got boolean, want RFC 3339 string or epoch milliseconds", err: ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeCustomTypes(t *testing.T) {
	tests := []decodeCase{
		{name: "keyword list as one string", in: rec(field{"tags", `"x"`}, field{"event.category", `"api"`}),
			want: func(e *Event) { e.Tags, e.Event.Category = Strings{"x"}, Strings{"api"} }},
		{name: "keyword list as array", in: rec(field{"mcp.auth.scopes", `["repo","read:org"]`}),
			want: func(e *Event) { e.MCP.Auth.Scopes = Strings{"repo", "read:org"} }},
		{name: "empty keyword list is absent", in: rec(field{"tags", `[]`})},
		{name: "null keyword list is absent", in: rec(field{"tags", `null`})},
		{name: "keyword list with a number", in: rec(field{"tags", `["a",1]`}),
			path: "/tags/1", reason: "wrong type: got number, want string", err: ErrType},
		{name: "keyword list with null", in: rec(field{"tags", `["a",null]`}),
			path: "/tags/1", reason: "wrong type: got null, want string", err: ErrType},
		{name: "keyword list of arrays", in: rec(field{"mcp.data.labels", `[["a"]]`}),
			path: "/mcp/data/labels/0", reason: "wrong type: got array, want string", err: ErrType},
		{name: "keyword list as object", in: rec(field{"tags", `{"a":"b"}`}),
			path: "/tags", reason: "wrong type: got object, want string or array of strings", err: ErrType},

		{name: "request id number", in: rec(field{"jsonrpc.request.id", `7`}),
			want: func(e *Event) { e.JSONRPC.Request.ID = "7" }},
		{name: "request id keeps number text", in: rec(field{"jsonrpc.request.id", `-1.50e+3`}),
			want: func(e *Event) { e.JSONRPC.Request.ID = "-1.50e+3" }},
		{name: "request id string", in: rec(field{"jsonrpc.request.id", `"call-1"`}),
			want: func(e *Event) { e.JSONRPC.Request.ID = "call-1" }},
		{name: "request id boolean", in: rec(field{"jsonrpc.request.id", `true`}),
			path: "/jsonrpc/request/id", reason: "wrong type: got boolean, want string or number", err: ErrType},

		{name: "labels scalars", in: rec(field{"labels", `{"a":"x","n":1.50,"b":false,"z":null}`}),
			want: func(e *Event) { e.Labels = map[string]string{"a": "x", "n": "1.50", "b": "false"} }},
		{name: "labels empty is absent", in: rec(field{"labels", `{}`})},
		{name: "labels object value", in: rec(field{"labels", `{"a":"x","o":{"k":"v"}}`}),
			path: "/labels/o", reason: "wrong type: got object, want string, number or boolean", err: ErrType},
		{name: "labels array value", in: rec(field{"labels", `{"arr":["x"]}`}),
			path: "/labels/arr", reason: "wrong type: got array, want string, number or boolean", err: ErrType},
		{name: "labels not an object", in: rec(field{"labels", `"x"`}),
			path: "/labels", reason: "wrong type: got string, want object", err: ErrType},

		{name: "annotations in camel case",
			in: rec(field{"mcp.tool.annotations", `{"title":"T","readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":false}`}),
			want: func(e *Event) {
				e.MCP.Tool.Annotations = ToolAnnotations{Title: "T", ReadOnlyHint: ptr(true), DestructiveHint: ptr(false),
					IdempotentHint: ptr(true), OpenWorldHint: ptr(false)}
			}},
		{name: "annotations in snake case",
			in: rec(field{"mcp.tool.annotations", `{"declared":false,"read_only_hint":false,"destructive_hint":true,"idempotent_hint":false,"open_world_hint":true}`}),
			want: func(e *Event) {
				e.MCP.Tool.Annotations = ToolAnnotations{Declared: ptr(false), ReadOnlyHint: ptr(false), DestructiveHint: ptr(true),
					IdempotentHint: ptr(false), OpenWorldHint: ptr(true)}
			}},
		{name: "annotations in both spellings",
			in:   rec(field{"mcp.tool.annotations", `{"readOnlyHint":true,"read_only_hint":true}`}),
			want: func(e *Event) { e.MCP.Tool.Annotations.ReadOnlyHint = ptr(true) }},
		{name: "annotations conflicting",
			in:   rec(field{"mcp.tool.annotations", `{"readOnlyHint":true,"read_only_hint":false}`}),
			path: "/mcp/tool/annotations/readOnlyHint", reason: "conflicting values", err: ErrDuplicate},
		{name: "annotations wrong type",
			in:   rec(field{"mcp.tool.annotations", `{"read_only_hint":"yes"}`}),
			path: "/mcp/tool/annotations/read_only_hint", reason: "wrong type: got string, want boolean", err: ErrType},
		{name: "annotations duplicate",
			in:   rec(field{"mcp.tool.annotations", `{"readOnlyHint":true,"readOnlyHint":true}`}),
			path: "/mcp/tool/annotations/readOnlyHint", reason: "duplicate member name", err: ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeWrongTypes(t *testing.T) {
	tests := []decodeCase{
		{name: "number for string", in: rec(field{"mcp.server.name", `5`}),
			path: "/mcp/server/name", reason: "wrong type: got number, want string", err: ErrType},
		{name: "boolean for string", in: rec(field{"event.id", `true`}),
			path: "/event/id", reason: "wrong type: got boolean, want string", err: ErrType},
		{name: "string for boolean", in: rec(field{"mcp.result.is_error", `"true"`}),
			path: "/mcp/result/is_error", reason: "wrong type: got string, want boolean", err: ErrType},
		{name: "string for optional boolean", in: rec(field{"mcp.auth.audience_valid", `"yes"`}),
			path: "/mcp/auth/audience_valid", reason: "wrong type: got string, want boolean", err: ErrType},
		{name: "string for integer", in: rec(field{"event.duration", `"5"`}),
			path: "/event/duration", reason: "wrong type: got string, want integer", err: ErrType},
		{name: "fraction for integer", in: rec(field{"event.duration", `1.5`}),
			path: "/event/duration", reason: "invalid number: want an integer that fits in 64 bits", err: ErrInvalid},
		{name: "integer too large", in: rec(field{"mcp.result.bytes", `9223372036854775808`}),
			path: "/mcp/result/bytes", reason: "invalid number", err: ErrInvalid},
		{name: "string for object", in: rec(field{"mcp.result", `"x"`}),
			path: "/mcp/result", reason: "wrong type: got string, want object", err: ErrType},
		{name: "array for arguments", in: rec(field{"gen_ai.tool.call.arguments", `[1]`}),
			path: "/gen_ai/tool/call/arguments", reason: "wrong type: got array, want object", err: ErrType},
		{name: "object for entities", in: rec(field{"mcp.entities", `{"role":"target"}`}),
			path: "/mcp/entities", reason: "wrong type: got object, want array", err: ErrType},
		{name: "entity field", in: rec(field{"mcp.entities", `[{"role":"target"},{"role":1}]`}),
			path: "/mcp/entities/1/role", reason: "wrong type: got number, want string", err: ErrType},
		{name: "argument out of range", in: rec(field{"gen_ai.tool.call.arguments", `{"n":1e309}`}),
			path: "/gen_ai/tool/call/arguments/n", reason: "invalid number: out of range", err: ErrInvalid},
		{name: "argument large but finite", in: rec(field{"gen_ai.tool.call.arguments", `{"n":1e308,"i":12345678901234567890}`}),
			want: func(e *Event) {
				e.GenAI.Tool.Call.Arguments = map[string]any{"n": 1e308, "i": float64(12345678901234567890)}
			}},
		{name: "record null", in: []byte(` null `), reason: "wrong type: got null, want object", err: ErrType},
		{name: "record array", in: []byte(`[{"@timestamp":"2026-11-20T14:02:10Z"}]`), reason: "wrong type: got array, want object", err: ErrType},
		{name: "record string", in: []byte(`"{}"`), reason: "wrong type: got string, want object", err: ErrType},
		{name: "record array with a dotted name", in: []byte(`[{"a.b":1}]`), reason: "wrong type: got array, want object", err: ErrType},
		{name: "record number", in: []byte(`1.5`), reason: "wrong type: got number, want object", err: ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeSyntax(t *testing.T) {
	good := rec()
	tests := []decodeCase{
		{name: "empty", in: nil, reason: "invalid JSON: unexpected end of input", err: ErrSyntax},
		{name: "spaces", in: []byte(" \n\t"), reason: "invalid JSON: unexpected end of input", err: ErrSyntax},
		{name: "truncated", in: good[:len(good)-3], reason: "invalid JSON: unexpected end of input", err: ErrSyntax},
		{name: "trailing data", in: append(rec(), " x"...), reason: "invalid JSON at byte " + strconv.Itoa(len(good)+1), err: ErrSyntax},
		{name: "second record", in: append(rec(), rec()...), reason: "invalid JSON at byte " + strconv.Itoa(len(good)), err: ErrSyntax},
		{name: "trailing comma", in: []byte(`{"event":{"id":"a",}}`), path: "/event", reason: "invalid JSON at byte 18", err: ErrSyntax},
		{name: "single quotes", in: []byte(`{'event':1}`), reason: "invalid JSON at byte 1", err: ErrSyntax},
		{name: "raw NUL", in: rec(field{"user.id", "\"a\x00b\""}), path: "/user/id", reason: "invalid JSON at byte", err: ErrSyntax},
		{name: "raw newline", in: rec(field{"mcp.result.text", "\"a\nb\""}), path: "/mcp/result/text", reason: "invalid JSON at byte", err: ErrSyntax},
		{name: "bad escape", in: rec(field{"user.id", `"a\qb"`}), path: "/user/id", reason: "invalid JSON at byte", err: ErrSyntax},
		{name: "bad literal", in: rec(field{"mcp.result.is_error", `tru`}), path: "/mcp/result/is_error", reason: "invalid JSON at byte", err: ErrSyntax},
		{name: "leading zero", in: rec(field{"event.duration", `01`}), path: "/event", reason: "invalid JSON at byte", err: ErrSyntax},
		{name: "bad literal in flat record", in: flat(with(field{"mcp.result.is_error", `tru`})), path: "/mcp.result.is_error", reason: "invalid JSON at byte", err: ErrSyntax},
		{name: "unclosed in flat record", in: []byte(`{"a.b":[1,2`), reason: "invalid JSON: unexpected end of input", err: ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeDuplicates(t *testing.T) {
	tests := []decodeCase{
		{name: "member twice", in: []byte(`{"@timestamp":"2026-11-20T14:02:10Z","event":{"id":"e1","id":"e2"},"mcp":{"method":{"name":"x"},"server":{"name":"srv"}}}`),
			path: "/event/id", reason: "duplicate member name", err: ErrDuplicate},
		{name: "object twice", in: append(rec()[:len(rec())-1], `,"mcp":{"flow":{"id":"f"}}}`...),
			path: "/mcp", reason: "duplicate member name", err: ErrDuplicate},
		{name: "argument twice", in: rec(field{"gen_ai.tool.call.arguments", `{"cmd":"ls","cmd":"curl x | sh"}`}),
			path: "/gen_ai/tool/call/arguments/cmd", reason: "duplicate member name", err: ErrDuplicate},
		{name: "label twice", in: rec(field{"labels", `{"a":"1","a":"2"}`}),
			path: "/labels/a", reason: "duplicate member name", err: ErrDuplicate},
		{name: "nested and dotted", in: append(rec()[:len(rec())-1], `,"mcp.method.name":"tools/list"}`...),
			path: "/mcp/method/name", reason: "duplicate field", err: ErrDuplicate},
		{name: "nested and dotted, same value", in: append(rec()[:len(rec())-1], `,"mcp.method.name":"tools/call"}`...),
			path: "/mcp/method/name", reason: "duplicate field", err: ErrDuplicate},
		{name: "dotted twice", in: flat(append(minimal(), field{"event.id", `"e2"`})),
			path: "/event/id", reason: "duplicate field", err: ErrDuplicate},
		{name: "dotted twice, one escaped", in: flat(append(minimal(), field{`event\u002eid`, `"e2"`})),
			path: "/event/id", reason: "duplicate field", err: ErrDuplicate},
		{name: "value where an object is", in: flat(append(minimal(), field{"mcp.server", `"s"`})),
			path: "/mcp/server", reason: "duplicate field", err: ErrDuplicate},
		{name: "argument nested and dotted",
			in:   flat(with(field{"gen_ai.tool.call.arguments", `{"a":1}`}, field{"gen_ai.tool.call.arguments.a", `2`})),
			path: "/gen_ai/tool/call/arguments/a", reason: "duplicate field", err: ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeDotted(t *testing.T) {
	args := func(m map[string]any) func(*Event) {
		return func(e *Event) { e.GenAI.Tool.Call.Arguments = m }
	}
	tests := []decodeCase{
		{name: "all flat", in: flat(minimal())},
		{name: "mixed", in: []byte(`{"@timestamp":"2026-11-20T14:02:10Z","event.id":"e1","mcp":{"server":{"name":"srv"}},"mcp.method.name":"tools/call"}`)},
		{name: "dotted inside an object", in: []byte(`{"@timestamp":"2026-11-20T14:02:10Z","event":{"id":"e1"},"mcp":{"method.name":"tools/call","server":{"name":"srv"}}}`)},
		{name: "dotted at two levels", in: []byte(`{"@timestamp":"2026-11-20T14:02:10Z","event.id":"e1","mcp.method":{"name":"tools/call"},"mcp":{"server":{"name":"srv","package.name":"p"}}}`),
			want: func(e *Event) { e.MCP.Server.Package.Name = "p" }},
		{name: "escaped dot", in: []byte(`{"@timestamp":"2026-11-20T14:02:10Z","event\u002Eid":"e1","mcp":{"method":{"name":"tools/call"},"server":{"name":"srv"}}}`)},
		{name: "argument names kept", in: rec(field{"gen_ai.tool.call.arguments", `{"file.name":"a","opts":{"x.y":1}}`}),
			want: args(map[string]any{"file.name": "a", "opts": map[string]any{"x.y": 1.0}})},
		{name: "argument names kept in flat record", in: flat(with(field{"gen_ai.tool.call.arguments", `{"file.name":"a","opts":{"x.y":1}}`})),
			want: args(map[string]any{"file.name": "a", "opts": map[string]any{"x.y": 1.0}})},
		{name: "dotted name into arguments", in: flat(with(field{"gen_ai.tool.call.arguments.file.name", `"a"`})),
			want: args(map[string]any{"file.name": "a"})},
		{name: "arguments merged", in: flat(with(field{"gen_ai.tool.call.arguments", `{"a":1}`}, field{"gen_ai.tool.call.arguments.b", `{"c.d":2}`})),
			want: args(map[string]any{"a": 1.0, "b": map[string]any{"c.d": 2.0}})},
		{name: "labels dotted", in: flat(with(field{"labels.env", `"prod"`}, field{"labels.team.name", `"sec"`}, field{"labels", `{"x.y":"z"}`})),
			want: func(e *Event) { e.Labels = map[string]string{"env": "prod", "team.name": "sec", "x.y": "z"} }},
		{name: "schema names kept", in: flat(with(field{"mcp.tool.input_schema", `{"properties":{"a.b":{"type":"string"}}}`})),
			want: func(e *Event) {
				e.MCP.Tool.InputSchema = map[string]any{"properties": map[string]any{"a.b": map[string]any{"type": "string"}}}
			}},
		{name: "structured content names kept", in: flat(with(field{"gen_ai.tool.call.result.temp.c", `22.5`})),
			want: func(e *Event) { e.GenAI.Tool.Call.Result = map[string]any{"temp.c": 22.5} }},
		{name: "empty segments kept", in: flat(with(field{".event", `1`}, field{"event.", `2`}, field{"a..b", `3`}, field{".", `4`}))},
		{name: "null dotted is absent", in: flat(with(field{"mcp.session.id", `null`}, field{"mcp.session", `{"id":null}`}))},
		{name: "dot in values only", in: rec(field{"mcp.result.text", `"a.b\": 1, \"c.d\": {"`}, field{"url.full", `"https://x.example/a.b"`}),
			want: func(e *Event) { e.MCP.Result.Text, e.URL.Full = `a.b": 1, "c.d": {`, "https://x.example/a.b" }},
		{name: "dot in a number", in: rec(field{"gen_ai.tool.call.arguments", `{":x":1.5}`}),
			want: args(map[string]any{":x": 1.5})},
		{name: "deep dotted name ignored", in: flat(with(field{"a.b.c.d.e.f.g.h.i.j.k.l", `1`}))},
		{name: "flat with wrong type", in: flat(with(field{"mcp.result.bytes", `"x"`})),
			path: "/mcp/result/bytes", reason: "wrong type: got string, want integer", err: ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeResultText(t *testing.T) {
	text := func(v string, extra ...field) []byte {
		return rec(append([]field{{"mcp.result.text", strconv.Quote(v)}}, extra...)...)
	}
	tests := []decodeCase{
		{name: "short text kept", in: text("héllo"), lim: Limits{MaxResultText: 6},
			want: func(e *Event) { e.MCP.Result.Text = "héllo" }},
		{name: "cut at a rune boundary", in: text("héllo wörld!"), lim: Limits{MaxResultText: 9},
			want: func(e *Event) { e.MCP.Result = Result{Text: "héllo w", Bytes: 14, Truncated: true} }},
		{name: "cut after a rune", in: text("héllo wörld!"), lim: Limits{MaxResultText: 10},
			want: func(e *Event) { e.MCP.Result = Result{Text: "héllo wö", Bytes: 14, Truncated: true} }},
		{name: "bytes given kept", in: text("0123456789", field{"mcp.result.bytes", `5121`}), lim: Limits{MaxResultText: 4},
			want: func(e *Event) { e.MCP.Result = Result{Text: "0123", Bytes: 5121, Truncated: true} }},
		{name: "default limit", in: text(strings.Repeat("x", 64<<10+1)),
			want: func(e *Event) {
				e.MCP.Result = Result{Text: strings.Repeat("x", 64<<10), Bytes: 64<<10 + 1, Truncated: true}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeUTF8(t *testing.T) {
	user := func(id string) func(*Event) { return func(e *Event) { e.User.ID = id } }
	tests := []decodeCase{
		{name: "invalid bytes replaced", in: rec(field{"user.id", "\"a\xff\xfeb\""}), want: user("a\uFFFD\uFFFDb")},
		{name: "truncated rune replaced", in: rec(field{"user.id", "\"a\xe2\x82\""}), want: user("a\uFFFD\uFFFD")},
		{name: "lone surrogate replaced", in: rec(field{"user.id", `"a\ud800b"`}), want: user("a\uFFFDb")},
		{name: "surrogate pair", in: rec(field{"user.id", `"\ud83d\ude00"`}), want: user("😀")},
		{name: "escaped NUL kept", in: rec(field{"user.id", `"a\u0000b"`}), want: user("a\x00b")},
		{name: "invalid bytes in a keyword list", in: rec(field{"tags", "[\"a\xff\xfeb\",\"\\ud800\"]"}),
			want: func(e *Event) { e.Tags = Strings{"a\uFFFD\uFFFDb", "\uFFFD"} }},
		{name: "invalid bytes in a label", in: rec(field{"labels", "{\"k\xff\":\"v\xff\"}"}),
			want: func(e *Event) { e.Labels = map[string]string{"k\uFFFD": "v\uFFFD"} }},
		{name: "invalid bytes in a timestamp", in: rec(field{"@timestamp", "\"2026-11-20T14:02:10Z\xff\""}),
			path: "/@timestamp", reason: "invalid timestamp", err: ErrInvalid},
		{name: "invalid bytes in an argument name", in: rec(field{"gen_ai.tool.call.arguments", "{\"a\xff\":1}"}),
			want: func(e *Event) { e.GenAI.Tool.Call.Arguments = map[string]any{"a\uFFFD": 1.0} }},
		{name: "invalid bytes in a dotted name", in: flat(with(field{"labels.a\xff", `"x"`})),
			want: func(e *Event) { e.Labels = map[string]string{"a\uFFFD": "x"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeLimits(t *testing.T) {
	long := strings.Repeat("x", 2000)
	tests := []decodeCase{
		{name: "event too large", in: rec(field{"mcp.result.text", `"` + strings.Repeat("x", 100) + `"`}), lim: Limits{MaxEventBytes: 100},
			reason: "event is " + strconv.Itoa(len(rec(field{"mcp.result.text", `"` + strings.Repeat("x", 100) + `"`}))) + " bytes, limit 100 bytes", err: ErrTooLarge},
		{name: "event at the limit", in: rec(), lim: Limits{MaxEventBytes: len(rec())}},
		{name: "id too long", in: rec(field{"event.id", strconv.Quote(long)}),
			path: "/event/id", reason: "identifier is 2000 bytes, limit 1024", err: ErrLimit},
		{name: "conversation id too long", in: rec(field{"gen_ai.conversation.id", strconv.Quote(long)}),
			path: "/gen_ai/conversation/id", reason: "identifier is 2000 bytes, limit 1024", err: ErrLimit},
		{name: "request id too long", in: rec(field{"jsonrpc.request.id", strings.Repeat("9", 30)}), lim: Limits{MaxIDBytes: 20},
			path: "/jsonrpc/request/id", reason: "identifier is 30 bytes, limit 20", err: ErrLimit},
		{name: "too many entries", in: rec(field{"tags", `["a","b","c"]`}), lim: Limits{MaxEntries: 2},
			path: "/tags", reason: "3 entries, limit 2", err: ErrLimit},
		{name: "too many entities", in: rec(field{"mcp.entities", `[{},{},{}]`}), lim: Limits{MaxEntries: 2},
			path: "/mcp/entities", reason: "3 entries, limit 2", err: ErrLimit},
		{name: "too many labels", in: rec(field{"labels", `{"a":1,"b":2,"c":3}`}), lim: Limits{MaxEntries: 2},
			path: "/labels", reason: "3 entries, limit 2", err: ErrLimit},
		{name: "arguments at the depth limit", in: rec(field{"gen_ai.tool.call.arguments", `{"a":{"b":1},"c":[]}`}), lim: Limits{MaxDepth: 2},
			want: func(e *Event) {
				e.GenAI.Tool.Call.Arguments = map[string]any{"a": map[string]any{"b": 1.0}, "c": []any{}}
			}},
		{name: "arguments too deep", in: rec(field{"gen_ai.tool.call.arguments", `{"z":1,"a":{"b":{"c":1}},"d":{"e":[]}}`}), lim: Limits{MaxDepth: 2},
			path: "/gen_ai/tool/call/arguments/a/b", reason: "nesting deeper than 2 levels", err: ErrLimit},
		{name: "schema too deep in arrays", in: rec(field{"mcp.tool.input_schema", `{"a/b~":[[1]]}`}), lim: Limits{MaxDepth: 2},
			path: "/mcp/tool/input_schema/a~1b~0/0", reason: "nesting deeper than 2 levels", err: ErrLimit},
		// Made by a dotted name, the object has no bracket of its own.
		{name: "flat arguments too deep", in: flat(with(field{"gen_ai.tool.call.arguments.a", `[[1]]`})), lim: Limits{MaxDepth: 2},
			path: "/gen_ai/tool/call/arguments/a/0", reason: "nesting deeper than 2 levels", err: ErrLimit},
		{name: "flat arguments at the depth limit", in: flat(with(field{"gen_ai.tool.call.arguments.a", `[[1]]`})), lim: Limits{MaxDepth: 3},
			want: func(e *Event) {
				e.GenAI.Tool.Call.Arguments = map[string]any{"a": []any{[]any{1.0}}}
			}},
		{name: "quoted brackets do not nest", in: flat(with(field{"gen_ai.tool.call.arguments.a", `{"b":"[[{{"}`})), lim: Limits{MaxDepth: 2},
			want: func(e *Event) {
				e.GenAI.Tool.Call.Arguments = map[string]any{"a": map[string]any{"b": "[[{{"}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDecodeTooLargeMessage(t *testing.T) {
	data := make([]byte, 2<<20+100<<10) // 2.1 MiB
	_, err := Decode(data, Limits{})
	if want := "event: event is 2.1 MiB, limit 1 MiB"; err == nil || err.Error() != want {
		t.Errorf("Decode(2.1 MiB) = %v, want %s", err, want)
	}
	_, err = Decode(make([]byte, 1<<20+1), Limits{})
	if want := "event: event is 1.1 MiB, limit 1 MiB"; err == nil || err.Error() != want {
		t.Errorf("Decode(1 MiB + 1 byte) = %v, want %s", err, want)
	}
}

// TestDecodeHostile checks that hostile records are refused, or decoded,
// without a panic and in bounded work. A case that hangs fails by the
// test's timeout.
func TestDecodeHostile(t *testing.T) {
	manyKeys := func(n int, f func(i int) string) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f(i))
		}
		b.WriteByte('}')
		return b.String()
	}
	tests := []struct {
		name string
		in   []byte
		err  error // nil: must decode
	}{
		{"deep arrays in arguments", rec(field{"gen_ai.tool.call.arguments", `{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`}), ErrSyntax},
		{"deep objects in arguments", rec(field{"gen_ai.tool.call.arguments", strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000)}), ErrLimit},
		{"deep unknown member", rec(field{"x", strings.Repeat("[", 100000) + strings.Repeat("]", 100000)}), ErrSyntax},
		{"deep unclosed", []byte(strings.Repeat("[", 500000)), ErrType},
		{"deep unclosed objects", []byte(strings.Repeat(`{"a.b":`, 100000)), ErrSyntax},
		{"many arguments", rec(field{"gen_ai.tool.call.arguments", manyKeys(50000, func(i int) string { return `"k` + strconv.Itoa(i) + `":1` })}), nil},
		{"many dotted names", flat(with(field{"x", manyKeys(1, func(int) string { return `"a":1` })}, field{"y", `1`},
			field{"many", manyKeys(30000, func(i int) string { return `"u.k` + strconv.Itoa(i) + `":1` })})), nil},
		{"many dotted names at the root", []byte(manyKeys(30000, func(i int) string { return `"u.k` + strconv.Itoa(i) + `":1` })), ErrMissingField},
		{"many labels", rec(field{"labels", manyKeys(2000, func(i int) string { return `"k` + strconv.Itoa(i) + `":1` })}), ErrLimit},
		{"long dotted name", flat(with(field{strings.Repeat("a.", 100000) + "a", `1`})), nil},
		{"huge number", rec(field{"gen_ai.tool.call.arguments", `{"n":1` + strings.Repeat("0", 100000) + `}`}), ErrInvalid},
		{"huge request id", rec(field{"jsonrpc.request.id", `1` + strings.Repeat("0", 100000)}), ErrLimit},
		{"backslashes", rec(field{"mcp.result.text", `"` + strings.Repeat(`\\`, 100000) + `"`}), nil},
		{"escaped quotes and dots", rec(field{"mcp.result.text", `"` + strings.Repeat(`\".\":`, 50000) + `"`}), nil},
		{"many dots", rec(field{"mcp.result.text", `"` + strings.Repeat(`.`, 500000) + `"`}), nil},
		{"many dots in numbers", rec(field{"gen_ai.tool.call.arguments", `{"a":[` + strings.Repeat(`1.5,`, 100000) + `1]}`}), nil},
		{"NUL bytes", bytes.Repeat([]byte{0}, 1000), ErrSyntax},
		{"escaped NULs", rec(field{"mcp.result.text", `"` + strings.Repeat(`\u0000`, 10000) + `"`}), nil},
		{"invalid UTF-8 everywhere", bytes.Repeat([]byte{0xff, '.', '"', ':'}, 10000), ErrSyntax},
		{"lone surrogates", rec(field{"mcp.result.text", `"` + strings.Repeat(`\udc00`, 10000) + `"`}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Decode(tt.in, Limits{MaxEventBytes: 4 << 20})
			if tt.err == nil {
				if err != nil {
					t.Fatalf("Decode(%s) = %v, want no error", short(tt.in), err)
				}
				if ev.MCP.Server.Name != "srv" {
					t.Errorf("Decode(%s) server = %q, want srv", short(tt.in), ev.MCP.Server.Name)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Decode(%s) = %v, want an error wrapping %v", short(tt.in), err, tt.err)
			}
		})
	}
}

func TestDecodeIntoResets(t *testing.T) {
	first := rec(field{"gen_ai.tool.call.arguments", `{"a":"1"}`}, field{"labels", `{"l":"v"}`},
		field{"tags", `["t"]`}, field{"mcp.flow.id", `"f1"`}, field{"user.id", `"u1"`})
	var ev Event
	if err := DecodeInto(&ev, first, Limits{}); err != nil {
		t.Fatalf("DecodeInto(%s) = %v", short(first), err)
	}
	args, labels, tags := ev.GenAI.Tool.Call.Arguments, ev.Labels, ev.Tags

	second := rec(field{"gen_ai.tool.call.arguments", `{"b":"2"}`})
	if err := DecodeInto(&ev, second, Limits{}); err != nil {
		t.Fatalf("DecodeInto(%s) = %v", short(second), err)
	}
	want := wantMinimal()
	want.GenAI.Tool.Call.Arguments = map[string]any{"b": "2"}
	if diff := cmp.Diff(want, &ev); diff != "" {
		t.Errorf("DecodeInto(%s) after another record (-want +got):\n%s", short(second), diff)
	}
	// What the caller kept of the first decode is not changed.
	if diff := cmp.Diff(map[string]any{"a": "1"}, args); diff != "" {
		t.Errorf("arguments kept from the first record changed (-want +got):\n%s", diff)
	}
	if labels["l"] != "v" || len(tags) != 1 || tags[0] != "t" {
		t.Errorf("labels and tags kept from the first record changed: %v %v", labels, tags)
	}

	if err := DecodeInto(&ev, []byte(`{"event":{"id":"x"}}`), Limits{}); err == nil {
		t.Fatal("DecodeInto(record without @timestamp) = nil, want an error")
	}
	if diff := cmp.Diff(&Event{}, &ev); diff != "" {
		t.Errorf("DecodeInto left a partial Event after an error (-want +got):\n%s", diff)
	}
}

// TestDecodeCopies checks that the Event keeps no reference to the input.
func TestDecodeCopies(t *testing.T) {
	for _, data := range [][]byte{
		rec(field{"gen_ai.tool.call.arguments", `{"k":"value","n":{"m":["x"]}}`}, field{"labels", `{"l":"v","n":5}`},
			field{"tags", `["t"]`}, field{"jsonrpc.request.id", `42`}, field{"mcp.result.text", `"text"`}),
		flat(with(field{"gen_ai.tool.call.arguments.k", `"value"`}, field{"labels.l", `"v"`}, field{"mcp.result.text", `"text"`})),
	} {
		in := bytes.Clone(data)
		ev, err := Decode(in, Limits{})
		if err != nil {
			t.Fatalf("Decode(%s) = %v", short(data), err)
		}
		want, err := Decode(data, Limits{})
		if err != nil {
			t.Fatalf("Decode(%s) = %v", short(data), err)
		}
		for i := range in {
			in[i] = 'X'
		}
		if diff := cmp.Diff(want, ev); diff != "" {
			t.Errorf("Decode(%s): Event changed with its input (-want +got):\n%s", short(data), diff)
		}
	}
}

func TestDecodeErrorText(t *testing.T) {
	tests := []struct {
		err  *DecodeError
		want string
	}{
		{&DecodeError{Path: "/mcp/server/name", Reason: "missing required field", Err: ErrMissingField},
			"event: /mcp/server/name: missing required field"},
		{&DecodeError{Reason: "invalid JSON at byte 3", Err: ErrSyntax}, "event: invalid JSON at byte 3"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(tt.err, tt.err.Err) {
			t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.err.Err)
		}
	}
	// Paths are safe to log.
	in := rec(field{"labels", `{"` + strings.Repeat("k", 100) + `\n":{}}`})
	_, err := Decode(in, Limits{})
	var de *DecodeError
	if !errors.As(err, &de) || strings.ContainsAny(de.Path, "\n") || len(de.Path) > 100 {
		t.Errorf("Decode(%s) = %q, want a short path without control characters", short(in), err)
	}
}

func TestDefaultLimits(t *testing.T) {
	want := Limits{MaxEventBytes: 1 << 20, MaxResultText: 64 << 10, MaxDepth: 32, MaxIDBytes: 1024, MaxEntries: 1024}
	if got := DefaultLimits(); got != want {
		t.Errorf("DefaultLimits() = %+v, want %+v", got, want)
	}
	if got := (Limits{MaxEventBytes: -1, MaxDepth: 3}).withDefaults(); got.MaxEventBytes != 1<<20 || got.MaxDepth != 3 {
		t.Errorf("withDefaults() = %+v, want the default size and depth 3", got)
	}
}

func TestMayHaveDottedKey(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{"a":"b"}`, false},
		{`{"a.b":1}`, true},
		{`{"a" : {"b.c" :1}}`, true},
		{`{"a":"x.y"}`, false},
		{`{"a":"x.y","b":1.5}`, false},
		{`{"a":"x.\"y\":"}`, false},
		{`{"a":"x\\","b.c":1}`, true},
		{`{"a\u002eb":1}`, true},
		{`{"a\u002Eb":1}`, true},
		{`{"a\u0020b":1}`, false},
		{`{"a":1.5}`, false},
		{`[1.5,2.5]`, false},
		{`{"a":1.5,":b":1}`, true}, // a false positive: only the slow path
		{`{"a":"b.`, false},
		{`.`, false},
	}
	for _, tt := range tests {
		if got := mayHaveDottedKey([]byte(tt.in)); got != tt.want {
			t.Errorf("mayHaveDottedKey(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// flatten returns the members of the object v with dotted names, down to
// the objects for which stop reports true, which are kept whole.
func flatten(v map[string]any, prefix string, stop func(path string) bool) []field {
	var out []field
	for k, x := range v {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if m, ok := x.(map[string]any); ok && !stop(name) && k != "@timestamp" {
			out = append(out, flatten(m, name, stop)...)
			continue
		}
		b, err := stdjson.Marshal(x)
		if err != nil {
			panic(err)
		}
		out = append(out, field{name, string(b)})
	}
	return out
}

// TestDecodeFlatNested checks that every valid record decodes to the same
// Event written flat, half flat, or with dotted names inside objects.
func TestDecodeFlatNested(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.json")
	if err != nil {
		t.Fatal(err)
	}
	freeform := func(p string) bool {
		switch p {
		case "labels", "mcp.tool.input_schema", "mcp.tool.output_schema", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result":
			return true
		}
		return false
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".golden.json") {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Decode(data, Limits{})
			if err != nil {
				t.Fatalf("Decode(%s) = %v", file, err)
			}
			dec := stdjson.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			variants := map[string][]byte{
				"flat": flat(flatten(m, "", freeform)),
				// Objects of two levels flattened inside their parent.
				"inner": mustMarshal(t, innerDotted(m, "", freeform)),
				// Every other member of the record flat.
				"half": halfFlat(t, m, freeform),
			}
			for name, v := range variants {
				got, err := Decode(v, Limits{})
				if err != nil {
					t.Errorf("%s: Decode(%s) = %v", name, short(v), err)
					continue
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: Decode(%s) mismatch with the nested record (-nested +%s):\n%s", name, short(v), name, diff)
				}
			}
		})
	}
}

// innerDotted returns v with every object member whose value is an object
// of one member merged into its parent under a dotted name.
func innerDotted(v map[string]any, prefix string, stop func(string) bool) map[string]any {
	out := make(map[string]any, len(v))
	for k, x := range v {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		m, ok := x.(map[string]any)
		if !ok || stop(path) || k == "@timestamp" {
			out[k] = x
			continue
		}
		m = innerDotted(m, path, stop)
		if len(m) == 1 && prefix != "" {
			for kk, xx := range m {
				out[k+"."+kk] = xx
			}
			continue
		}
		out[k] = m
	}
	return out
}

func halfFlat(t *testing.T, m map[string]any, stop func(string) bool) []byte {
	t.Helper()
	out := map[string]any{}
	for i, f := range flatten(m, "", stop) {
		if i%2 == 0 {
			var x any
			dec := stdjson.NewDecoder(strings.NewReader(f.value))
			dec.UseNumber()
			if err := dec.Decode(&x); err != nil {
				t.Fatal(err)
			}
			out[f.name] = x
			continue
		}
		// The odd members nested, down to a free-form object.
		segs := strings.Split(f.name, ".")
		if f.name == "@timestamp" {
			segs = []string{f.name}
		}
		for i := range segs {
			if stop(strings.Join(segs[:i+1], ".")) && i+1 < len(segs) {
				segs = append(segs[:i+1], strings.Join(segs[i+1:], "."))
				break
			}
		}
		n := out
		ok := true
		for _, s := range segs[:len(segs)-1] {
			next, exists := n[s]
			if !exists {
				next = map[string]any{}
				n[s] = next
			}
			if n, ok = next.(map[string]any); !ok {
				break
			}
		}
		if !ok {
			continue
		}
		var x any
		dec := stdjson.NewDecoder(strings.NewReader(f.value))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			t.Fatal(err)
		}
		last := segs[len(segs)-1]
		old, oldOK := n[last].(map[string]any)
		xm, xOK := x.(map[string]any)
		if oldOK && xOK {
			// A free-form object whose member came first.
			for k, v := range xm {
				old[k] = v
			}
			continue
		}
		n[last] = x
	}
	return mustMarshal(t, out)
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := stdjson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeGolden decodes testdata/valid/*.json and compares the Event,
// encoded by encoding/json, with the .golden.json file beside it, and
// checks that testdata/invalid/*.json is refused with the error of its
// .golden.txt file. go test -update rewrites the golden files.
func TestDecodeGolden(t *testing.T) {
	for _, dir := range []string{"valid", "invalid"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no files in testdata/%s", dir)
		}
		for _, file := range files {
			if strings.HasSuffix(file, ".golden.json") {
				continue
			}
			t.Run(dir+"/"+filepath.Base(file), func(t *testing.T) {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				ev, err := Decode(data, Limits{})
				var got []byte
				golden := strings.TrimSuffix(file, ".json")
				if dir == "valid" {
					if err != nil {
						t.Fatalf("Decode(%s) = %v, want no error", file, err)
					}
					golden += ".golden.json"
					if got, err = stdjson.MarshalIndent(ev, "", "  "); err != nil {
						t.Fatal(err)
					}
					got = append(got, '\n')
				} else {
					if err == nil {
						t.Fatalf("Decode(%s) = nil error, want an error", file)
					}
					golden += ".golden.txt"
					got = []byte(err.Error() + "\n")
				}
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("Decode(%s) differs from %s (-want +got):\n%s", file, golden, diff)
				}
			})
		}
	}
}

// TestDocsListEveryField checks that docs/events.md lists every field of
// the Event, and only those, and that every field's expr name is its wire
// name (but for @timestamp, written timestamp).
func TestDocsListEveryField(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "events.md"))
	if err != nil {
		t.Fatal(err)
	}
	inDoc := map[string]bool{}
	section := ""
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = line
		}
		if section == "## Fields" && strings.HasPrefix(line, "| `") {
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
			inDoc[name] = true
		}
	}
	inCode := map[string]bool{}
	var walk func(tp reflect.Type, prefix string)
	walk = func(tp reflect.Type, prefix string) {
		for i := range tp.NumField() {
			f := tp.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if ex := f.Tag.Get("expr"); ex != name && !(name == "@timestamp" && ex == "timestamp") {
				t.Errorf("field %s%s: expr name %q, want the wire name", prefix, name, ex)
			}
			name = prefix + name
			switch ft := f.Type; {
			case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]():
				walk(ft, name+".")
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				inCode[name] = true
				walk(ft.Elem(), name+".")
			default:
				inCode[name] = true
			}
		}
	}
	walk(reflect.TypeFor[Event](), "")
	for name := range inCode {
		if !inDoc[name] {
			t.Errorf("docs/events.md does not list the field %s", name)
		}
	}
	for name := range inDoc {
		if !inCode[name] {
			t.Errorf("docs/events.md lists %s, which the Event does not have", name)
		}
	}
}
