package correlate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// fillAll sets every field of v, recursively, to a distinct non-zero value.
func fillAll(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fillAll(p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fillAll(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.ValueOf(fmt.Sprintf("k%d", *n))
		if v.Type().Elem().Kind() == reflect.Interface {
			m.SetMapIndex(k, reflect.ValueOf(map[string]any{"inner": fmt.Sprintf("v%d", *n), "list": []any{"x", 1.5, true}}))
		} else {
			m.SetMapIndex(k, reflect.ValueOf(fmt.Sprintf("v%d", *n)))
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(t0))
			return
		}
		for i := range v.NumField() {
			fillAll(v.Field(i), n)
		}
	case reflect.Interface:
		v.Set(reflect.ValueOf(fmt.Sprintf("i%d", *n)))
	default:
		panic("fillAll: unhandled kind " + v.Kind().String())
	}
}

// shared reports the paths at which a and b share memory.
func shared(a, b reflect.Value, path string, out *[]string) {
	switch a.Kind() {
	case reflect.String:
		if a.Len() > 0 && unsafe.StringData(a.String()) == unsafe.StringData(b.String()) {
			*out = append(*out, path)
		}
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			*out = append(*out, path)
			return
		}
		shared(a.Elem(), b.Elem(), path, out)
	case reflect.Slice:
		if a.Len() == 0 || b.Len() == 0 {
			return
		}
		if a.Pointer() == b.Pointer() {
			*out = append(*out, path)
			return
		}
		for i := range min(a.Len(), b.Len()) {
			shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case reflect.Map:
		if a.Len() == 0 || b.Len() == 0 {
			return
		}
		if a.Pointer() == b.Pointer() {
			*out = append(*out, path)
			return
		}
		for _, k := range a.MapKeys() {
			if bv := b.MapIndex(k); bv.IsValid() {
				shared(a.MapIndex(k), bv, path+"."+k.String(), out)
			}
		}
	case reflect.Interface:
		if !a.IsNil() && !b.IsNil() {
			shared(a.Elem(), b.Elem(), path, out)
		}
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			return // immutable; its location is shared by design
		}
		for i := range a.NumField() {
			shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name, out)
		}
	}
}

// TestTrimCoversEveryField fails when event.Event has a field that the
// copies of trim.go do not copy: the field would then share memory with the
// caller's event, which the caller reuses.
func TestTrimCoversEveryField(t *testing.T) {
	var orig event.Event
	n := 0
	fillAll(reflect.ValueOf(&orig).Elem(), &n)
	tr := &trimmer{limit: 1 << 20}

	full := tr.full(&orig)
	if !reflect.DeepEqual(*full, orig) {
		t.Errorf("full copy differs from the event")
	}
	var paths []string
	shared(reflect.ValueOf(full).Elem(), reflect.ValueOf(&orig).Elem(), "Event", &paths)
	if len(paths) > 0 {
		t.Errorf("full copy shares memory with the event at %s: list these fields in trim.go", strings.Join(paths, ", "))
	}

	light := tr.light(&orig)
	paths = nil
	shared(reflect.ValueOf(light).Elem(), reflect.ValueOf(&orig).Elem(), "Event", &paths)
	if len(paths) > 0 {
		t.Errorf("light copy shares memory with the event at %s", strings.Join(paths, ", "))
	}
	if light.Event.ID != orig.Event.ID || light.GenAI.Tool.Name != orig.GenAI.Tool.Name || light.User.ID != orig.User.ID {
		t.Errorf("light copy lost identity fields")
	}
	if light.MCP.Result.Text != "" || light.GenAI.Tool.Call.Arguments != nil || light.MCP.Tool.Description != "" {
		t.Errorf("light copy kept free text")
	}
}

func TestTrimLimits(t *testing.T) {
	tr := &trimmer{limit: 10}
	e := &event.Event{}
	e.MCP.Result.Text = strings.Repeat("é", 8) // 16 bytes
	e.GenAI.Tool.Call.Arguments = map[string]any{"b": "0123456789abc", "a": "xyz", "c": []any{"1", "2"}}
	c := tr.full(e)
	if got := c.MCP.Result.Text; len(got) > 10 || !utf8.ValidString(got) || got != strings.Repeat("é", 5) {
		t.Errorf("result text = %q, want 5 é (10 bytes, cut on a rune boundary)", got)
	}
	// Over budget, keys are kept in sorted order: a (1+3 bytes), b (1 +
	// what is left).
	want := map[string]any{"a": "xyz", "b": "01234"}
	if got := c.GenAI.Tool.Call.Arguments; !reflect.DeepEqual(got, want) {
		t.Errorf("arguments = %v, want %v", got, want)
	}
	for range 20 {
		if again := tr.full(e).GenAI.Tool.Call.Arguments; !reflect.DeepEqual(again, c.GenAI.Tool.Call.Arguments) {
			t.Fatalf("arguments copy is not deterministic: %v then %v", c.GenAI.Tool.Call.Arguments, again)
		}
	}
}

// TestStringFields checks that every field path read directly gives what
// the compiled expression gives.
func TestStringFields(t *testing.T) {
	var e event.Event
	n := 0
	fillAll(reflect.ValueOf(&e).Elem(), &n)
	paths := []string{
		"event.id", "event.kind", "event.action", "event.outcome", "event.provider", "event.dataset",
		"organization.id", "organization.name", "user.id", "user.name", "user.email", "user.domain",
		"source.ip", "destination.domain", "destination.ip", "host.name", "url.full", "url.domain",
		"trace.id", "span.id", "observer.name", "gen_ai.agent.id", "gen_ai.agent.name",
		"gen_ai.operation.name", "gen_ai.conversation.id", "gen_ai.tool.name", "gen_ai.tool.type",
		"gen_ai.tool.call.id", "gen_ai.prompt.name", "error.type", "error.code",
		"mcp.method.name", "mcp.direction", "mcp.phase", "mcp.flow.id", "mcp.session.id", "mcp.protocol.version",
		"mcp.client.name", "mcp.client.version", "mcp.client.id",
		"mcp.server.name", "mcp.server.version", "mcp.server.id", "mcp.server.url", "mcp.server.transport",
		"mcp.server.trust", "mcp.server.instructions_hash",
		"mcp.server.package.registry", "mcp.server.package.name", "mcp.server.package.version", "mcp.server.package.digest",
		"mcp.resource.uri", "mcp.result.hash",
		"mcp.tool.description_hash", "mcp.tool.input_schema_hash", "mcp.tool.definition_hash",
		"mcp.auth.method", "mcp.auth.subject", "mcp.auth.issuer", "mcp.auth.client_id", "mcp.auth.actor",
		"mcp.approval.decision", "mcp.approval.source", "mcp.approval.approver",
		"mcp.egress.kind", "mcp.data.classification", "mcp.data.trust", "mcp.tools_list.hash",
	}
	for _, p := range paths {
		get := stringField(p)
		if get == nil {
			t.Errorf("stringField(%q) = nil", p)
			continue
		}
		rs := loadRules(t, fmt.Sprintf(`
rules:
  - id: K
    kind: first_seen
    name: k
    severity: low
    by: [%s]
    value: organization.id
`, p))
		var x evaluator
		x.env.Event = &e
		want, err := rs[0].By[0].Text(&x.vm, &x.env)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got := get(&e); got != want {
			t.Errorf("stringField(%q) = %q, want %q", p, got, want)
		}
	}
}
