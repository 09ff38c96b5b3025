package rules

import (
	"reflect"
	"strings"
	"unsafe"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// A field is where a value lives inside a struct: its offset from the
// start of the struct and its Go type. event.Event nests its field sets as
// struct values, never as pointers, so a path such as mcp.result.text is one
// offset from the start of the Event, found once at load with reflection.
// Reading it is then a load from memory, where the VM's field access walks
// the path with reflection and boxes the result for every evaluation.
type field struct {
	off uintptr
	typ reflect.Type
}

// lookupField resolves the dotted path (in expr names: the expr tag of each
// field) inside the struct type t. ok is false when a part does not name a
// field or goes through a pointer, slice or map.
func lookupField(t reflect.Type, path []string) (f field, ok bool) {
	f.typ = t
	for _, name := range path {
		if f.typ.Kind() != reflect.Struct {
			return field{}, false
		}
		sf, found := structField(f.typ, name)
		if !found {
			return field{}, false
		}
		f.off += sf.Offset
		f.typ = sf.Type
	}
	return f, true
}

// structField finds the field of t that expr calls name: the one whose expr
// tag is name, or, without a tag, whose Go name is name.
func structField(t reflect.Type, name string) (reflect.StructField, bool) {
	for sf := range t.Fields() {
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		tag, _, _ := strings.Cut(sf.Tag.Get("expr"), ",")
		if tag == name || tag == "" && sf.Name == name {
			return sf, true
		}
	}
	return reflect.StructField{}, false
}

// readEvent returns a reader of the field of type T at f in an Event. The
// caller has checked that f.typ is T.
func readEvent[T any](f field) func(*event.Event) T {
	off := f.off
	return func(e *event.Event) T { return *(*T)(unsafe.Add(unsafe.Pointer(e), off)) }
}

// StringField returns a reader of the string field of event.Event at path
// (in condition names: mcp.server.name), or nil when path does not name a
// field of type string.
func StringField(path string) func(*event.Event) string {
	f, ok := lookupField(reflect.TypeFor[event.Event](), strings.Split(path, "."))
	if !ok || f.typ != reflect.TypeFor[string]() {
		return nil
	}
	return readEvent[string](f)
}
