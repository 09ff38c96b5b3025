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
	"github.com/mcpsoc/mcpsoc/rules"
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

// TestRecRoundTrip fails when event.Event has a field that the tables of
// trim.go miss: the field would be lost from kept events, or share memory
// with the caller's event, which the caller reuses.
func TestRecRoundTrip(t *testing.T) {
	var orig event.Event
	n := 0
	fillAll(reflect.ValueOf(&orig).Elem(), &n)
	tr := newTrimmer(1 << 20)

	r := tr.full(&orig)
	if r.id() != orig.Event.ID {
		t.Errorf("id() = %q, want %q", r.id(), orig.Event.ID)
	}
	full := tr.event(r)
	if !reflect.DeepEqual(*full, orig) {
		t.Errorf("full copy differs from the event: a field is missing from the tables of trim.go\n got %+v\nwant %+v", *full, orig)
	}
	var paths []string
	shared(reflect.ValueOf(full).Elem(), reflect.ValueOf(&orig).Elem(), "Event", &paths)
	if len(paths) > 0 {
		t.Errorf("full copy shares memory with the event at %s: list these fields in trim.go", strings.Join(paths, ", "))
	}

	zero := event.Event{Timestamp: t0}
	if got := tr.event(tr.full(&zero)); !reflect.DeepEqual(*got, zero) {
		t.Errorf("round trip of an empty event = %+v", *got)
	}

	light := tr.event(tr.light(&orig))
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
	tr := newTrimmer(10)
	e := &event.Event{}
	e.MCP.Result.Text = strings.Repeat("é", 8) // 16 bytes
	e.GenAI.Tool.Call.Arguments = map[string]any{"b": "0123456789abc", "a": "xyz", "c": []any{"1", "2"}}
	c := tr.event(tr.full(e))
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
		if again := tr.event(tr.full(e)).GenAI.Tool.Call.Arguments; !reflect.DeepEqual(again, c.GenAI.Tool.Call.Arguments) {
			t.Fatalf("arguments copy is not deterministic: %v then %v", c.GenAI.Tool.Call.Arguments, again)
		}
	}
}

// TestStringFields checks that every scalar string field of the event is
// read directly (rules.StringField), and gives what the VM gives.
func TestStringFields(t *testing.T) {
	var e event.Event
	n := 0
	fillAll(reflect.ValueOf(&e).Elem(), &n)
	var paths []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			p := prefix + f.Tag.Get("expr")
			switch {
			case f.Type == reflect.TypeFor[string]():
				paths = append(paths, p)
			case f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]():
				walk(f.Type, p+".")
			}
		}
	}
	walk(reflect.TypeFor[event.Event](), "")
	if len(paths) < 50 {
		t.Fatalf("found only %d string fields", len(paths))
	}
	for _, p := range paths {
		get := rules.StringField(p)
		if get == nil {
			t.Errorf("rules.StringField(%q) = nil", p)
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
		out, err := x.vm.Run(rs[0].By[0].Program, &x.env)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got, want := get(&e), out.(string); got != want {
			t.Errorf("rules.StringField(%q) = %q, want %q", p, got, want)
		}
	}
}
