package correlate

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/goccy/go-json/v2"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// rec is the compact, trimmed copy of an event that the Correlator keeps:
// in the reorder buffer, in pending sequence matches, as the evidence of a
// match. An event.Event is a 1.4 KB struct of mostly empty strings; a rec
// holds only the fields that are set, their text (and the JSON text of its
// objects) in one string, with few pointers for the garbage collector to
// follow. It shares no memory with the caller's event, which the caller may
// reuse.
//
// A full rec keeps every field, each free text cut to the trimmer's limit
// and each JSON object (arguments, structured result, schemas, labels) to a
// budget of limit bytes of text. A light rec keeps the identity fields only
// (who, where, which tool, what happened) and drops free text, objects and
// entities: it is what a threshold match shows for its triggering event.
type rec struct {
	ts time.Time
	// data is the field table then the text of every field kept, one after
	// the other. The table has one entry of recEntry bytes per field: its
	// index (idx < listBase: a string field, see fields.go; listBase+i: an
	// element of string list i; objBase+i: the JSON text of object i) and
	// the end of its text, little endian, counted from the start of the
	// text.
	data string
	n    int // fields in the table
	sc   recScalars
	ents []event.Entity
}

const recEntry = 5

const (
	listBase = 128
	objBase  = 250
)

// The objects of an event, kept as compact JSON text.
const (
	objArgs = iota
	objResult
	objInSchema
	objOutSchema
	objLabels
	numObjects
)

type recScalars struct {
	duration, bytes, toolsCount int64
	flags                       uint8
	hints                       [6]int8 // -1 nil, 0 false, 1 true
}

const (
	flagIsError = 1 << iota
	flagTruncated
	flagDefinitionChanged
	flagPassthrough
)

// trimmer encodes and decodes recs. Its buffers are reused: it belongs to
// one Correlator.
type trimmer struct {
	limit      int
	text, tabl []byte
}

// recWriter collects the text and the field table of a rec being encoded.
// It lives on the stack of encode (no write barriers); its buffers are the
// trimmer's.
type recWriter struct {
	limit int
	text  []byte
	tabl  []byte
}

func (w *recWriter) entry(idx int) {
	end := uint32(len(w.text))
	w.tabl = append(w.tabl, byte(idx), byte(end), byte(end>>8), byte(end>>16), byte(end>>24))
}

func (w *recWriter) str(i int, s string) {
	w.text = append(w.text, clip(s, w.limit)...)
	w.entry(i)
}

func (w *recWriter) list(i int, l event.Strings) {
	for _, s := range l {
		w.text = append(w.text, clip(s, w.limit)...)
		w.entry(listBase + i)
	}
}

func (w *recWriter) obj(i int, m map[string]any) {
	if len(m) == 0 {
		return
	}
	start, budget := len(w.text), w.limit
	w.text = appendJSON(w.text, m, &budget, false, 0)
	if budget <= 0 {
		// Cut: do it again in key order, so that the same object always
		// keeps the same part.
		budget = w.limit
		w.text = appendJSON(w.text[:start], m, &budget, true, 0)
	}
	w.entry(objBase + i)
}

func (w *recWriter) labels(m map[string]string) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.text = append(w.text, '{')
	for i, k := range keys {
		if i > 0 {
			w.text = append(w.text, ',')
		}
		w.text = appendJSONString(w.text, clip(k, w.limit))
		w.text = append(w.text, ':')
		w.text = appendJSONString(w.text, clip(m[k], w.limit))
	}
	w.text = append(w.text, '}')
	w.entry(objBase + objLabels)
}

func newTrimmer(limit int) *trimmer {
	return &trimmer{limit: limit}
}

func (t *trimmer) full(ev *event.Event) *rec  { return t.encode(ev, false) }
func (t *trimmer) light(ev *event.Event) *rec { return t.encode(ev, true) }

func (t *trimmer) encode(ev *event.Event, light bool) *rec {
	w := recWriter{limit: t.limit, text: t.text[:0], tabl: t.tabl[:0]}
	encodeFields(&w, ev, light)
	if !light {
		w.obj(objArgs, ev.GenAI.Tool.Call.Arguments)
		w.obj(objResult, ev.GenAI.Tool.Call.Result)
		w.obj(objInSchema, ev.MCP.Tool.InputSchema)
		w.obj(objOutSchema, ev.MCP.Tool.OutputSchema)
		w.labels(ev.Labels)
	}
	var b strings.Builder
	b.Grow(len(w.tabl) + len(w.text))
	b.Write(w.tabl)
	b.Write(w.text)
	r := &rec{ts: ev.Timestamp, data: b.String(), n: len(w.tabl) / recEntry}
	t.text, t.tabl = w.text, w.tabl
	r.sc = recScalars{
		duration:   ev.Event.Duration,
		bytes:      ev.MCP.Result.Bytes,
		toolsCount: ev.MCP.ToolsList.Count,
	}
	for i, f := range [...]bool{ev.MCP.Result.IsError, ev.MCP.Result.Truncated, ev.MCP.Tool.DefinitionChanged, ev.MCP.Auth.Passthrough} {
		if f {
			r.sc.flags |= 1 << i
		}
	}
	for i, h := range hintFields(ev) {
		switch {
		case *h == nil:
			r.sc.hints[i] = -1
		case **h:
			r.sc.hints[i] = 1
		}
	}
	if !light && len(ev.MCP.Entities) > 0 {
		r.ents = slices.Clone(ev.MCP.Entities)
		for i := range r.ents {
			e := &r.ents[i]
			for _, p := range [...]*string{&e.Role, &e.Type, &e.ID, &e.Owner, &e.Visibility, &e.TenantID, &e.Classification} {
				*p = strings.Clone(clip(*p, t.limit))
			}
		}
	}
	return r
}

// decode writes r into dst, which must be the zero Event. Its strings,
// lists and entities share memory with r: read-only. Objects are parsed
// again from their JSON text unless objects is false (a condition that
// does not read them).
func (t *trimmer) decode(r *rec, dst *event.Event, objects bool) {
	dst.Timestamp = r.ts
	text := r.data[r.n*recEntry:]
	start := 0
	for i := range r.n {
		e := r.data[i*recEntry : (i+1)*recEntry]
		idx, end := int(e[0]), entryEnd(e)
		s := text[start:end]
		start = end
		switch {
		case idx < listBase:
			setString(dst, idx, s)
		case idx < objBase:
			l := listField(dst, idx-listBase)
			*l = append(*l, s)
		case objects:
			switch idx - objBase {
			case objArgs:
				dst.GenAI.Tool.Call.Arguments = parseObject(s)
			case objResult:
				dst.GenAI.Tool.Call.Result = parseObject(s)
			case objInSchema:
				dst.MCP.Tool.InputSchema = parseObject(s)
			case objOutSchema:
				dst.MCP.Tool.OutputSchema = parseObject(s)
			case objLabels:
				_ = json.Unmarshal([]byte(s), &dst.Labels)
			}
		}
	}
	dst.Event.Duration = r.sc.duration
	dst.MCP.Result.Bytes = r.sc.bytes
	dst.MCP.ToolsList.Count = r.sc.toolsCount
	dst.MCP.Result.IsError = r.sc.flags&flagIsError != 0
	dst.MCP.Result.Truncated = r.sc.flags&flagTruncated != 0
	dst.MCP.Tool.DefinitionChanged = r.sc.flags&flagDefinitionChanged != 0
	dst.MCP.Auth.Passthrough = r.sc.flags&flagPassthrough != 0
	for i, h := range hintFields(dst) {
		if v := r.sc.hints[i]; v >= 0 {
			b := v == 1
			*h = &b
		}
	}
	dst.MCP.Entities = r.ents
}

// event returns a new Event holding r, objects included.
func (t *trimmer) event(r *rec) *event.Event {
	e := new(event.Event)
	t.decode(r, e, true)
	return e
}

// id returns the event.id of r.
func (r *rec) id() string {
	if r.n > 0 && r.data[0] == 0 { // event.id is string field 0
		return r.data[r.n*recEntry : r.n*recEntry+entryEnd(r.data[:recEntry])]
	}
	return ""
}

// entryEnd returns the end of the text of a field table entry (see
// recWriter.entry).
func entryEnd(e string) int {
	return int(uint32(e[1]) | uint32(e[2])<<8 | uint32(e[3])<<16 | uint32(e[4])<<24)
}

func hintFields(e *event.Event) [6]**bool {
	a := &e.MCP.Tool.Annotations
	return [6]**bool{&a.ReadOnlyHint, &a.DestructiveHint, &a.IdempotentHint, &a.OpenWorldHint, &a.Declared, &e.MCP.Auth.AudienceValid}
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

const maxDepth = 16

// appendJSON appends v as JSON, spending budget on keys and strings (one
// per other scalar); what the budget or maxDepth does not allow is left
// out. When sorted is set, object keys are visited in order so that what is
// left out does not depend on map order.
func appendJSON(b []byte, v any, budget *int, sorted bool, depth int) []byte {
	if depth > maxDepth {
		return append(b, "null"...)
	}
	switch x := v.(type) {
	case string:
		s := clip(x, max(*budget, 0))
		*budget -= len(s)
		return appendJSONString(b, s)
	case map[string]any:
		b = append(b, '{')
		first := true
		member := func(k string, e any) {
			if !first {
				b = append(b, ',')
			}
			first = false
			*budget -= len(k)
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, e, budget, sorted, depth+1)
		}
		if sorted {
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if *budget <= 0 {
					break
				}
				member(k, x[k])
			}
		} else {
			for k, e := range x {
				member(k, e)
			}
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if *budget <= 0 {
				break
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e, budget, sorted, depth+1)
		}
		return append(b, ']')
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if *budget <= 0 {
				break
			}
			if i > 0 {
				b = append(b, ',')
			}
			s := clip(e, *budget)
			*budget -= len(s)
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	case float64:
		*budget--
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case int:
		*budget--
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		*budget--
		return strconv.AppendInt(b, x, 10)
	case bool:
		*budget--
		return strconv.AppendBool(b, x)
	case nil:
		*budget--
		return append(b, "null"...)
	}
	// Other types (json.Number, typed maps) are kept as text.
	s := clip(text(v), max(*budget, 0))
	*budget -= 8
	return appendJSONString(b, s)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD. Runs of bytes that need no escaping are copied whole.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < utf8.RuneSelf {
			if c == '"' || c == '\\' {
				b = append(b, '\\', c)
			} else {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
		} else if r, n := utf8.DecodeRuneInString(s[i:]); r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
			i++
		} else {
			b = append(b, s[i:i+n]...)
			i += n
		}
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// parseObject parses the JSON text of an object, as encoding/json's
// Unmarshal into a map[string]any would (nil when that fails).
//
// The text is what appendJSON wrote: compact and valid. goccy's decoder
// (the event decoder's) builds the map several times faster than
// encoding/json, which matters because every match and every step
// condition applied later decodes its events' objects again. It is
// stricter than encoding/json (invalid UTF-8, duplicate names): whatever
// it refuses goes to encoding/json, so the result is always json's
// (FuzzParseObject compares the two).
func parseObject(s string) map[string]any {
	var m map[string]any
	if jsonv2.Unmarshal([]byte(s), &m) == nil && m != nil {
		return m
	}
	m = nil
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}
