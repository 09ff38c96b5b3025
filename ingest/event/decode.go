package event

import (
	"bytes"
	"errors"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-json/jsontext"
	json "github.com/goccy/go-json/v2"
)

// Limits bound the memory and the work one event may cost. A field that is
// zero or negative takes its default, the value DefaultLimits gives it.
type Limits struct {
	// MaxEventBytes is the size of the largest record accepted, checked
	// before any parsing. Default 1 MiB, at most 1 GiB.
	MaxEventBytes int
	// MaxResultText is the number of bytes of mcp.result.text kept. A longer
	// text is cut at a UTF-8 rune boundary and mcp.result.truncated is set.
	// Default 64 KiB.
	MaxResultText int
	// MaxDepth bounds the nesting of the free-form objects
	// gen_ai.tool.call.arguments, gen_ai.tool.call.result,
	// mcp.tool.input_schema and mcp.tool.output_schema: the object itself is
	// at depth 1, a value inside it at depth 2. Default 32.
	MaxDepth int
	// MaxIDBytes bounds the length of the identifiers the engine keys state
	// on: event.id, organization.id, user.id, gen_ai.conversation.id,
	// mcp.session.id, trace.id, span.id, jsonrpc.request.id,
	// gen_ai.tool.call.id and mcp.flow.id. Default 1024.
	MaxIDBytes int
	// MaxEntries bounds the number of elements of every keyword list (such
	// as event.category or mcp.data.labels), of mcp.entities and of labels.
	// Default 1024.
	MaxEntries int
}

// The defaults of Limits.
const (
	defaultMaxEventBytes = 1 << 20
	defaultMaxResultText = 64 << 10
	defaultMaxDepth      = 32
	defaultMaxIDBytes    = 1024
	defaultMaxEntries    = 1024

	// maxEventBytes bounds MaxEventBytes, so that offsets in a record fit
	// in an int32.
	maxEventBytes = 1 << 30
)

// DefaultLimits returns the limits a zero Limits stands for.
func DefaultLimits() Limits {
	return Limits{
		MaxEventBytes: defaultMaxEventBytes,
		MaxResultText: defaultMaxResultText,
		MaxDepth:      defaultMaxDepth,
		MaxIDBytes:    defaultMaxIDBytes,
		MaxEntries:    defaultMaxEntries,
	}
}

// withDefaults returns l with its unset fields set to their defaults.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxEventBytes, defaultMaxEventBytes)
	l.MaxEventBytes = min(l.MaxEventBytes, maxEventBytes)
	def(&l.MaxResultText, defaultMaxResultText)
	def(&l.MaxDepth, defaultMaxDepth)
	def(&l.MaxIDBytes, defaultMaxIDBytes)
	def(&l.MaxEntries, defaultMaxEntries)
	return l
}

// Errors a DecodeError wraps, for callers that branch on the kind of
// failure with errors.Is.
var (
	// ErrTooLarge is a record longer than Limits.MaxEventBytes.
	ErrTooLarge = errors.New("event too large")
	// ErrSyntax is a record that is not one valid JSON object.
	ErrSyntax = errors.New("invalid JSON")
	// ErrType is a value of the wrong JSON type, such as a number where the
	// schema has a string.
	ErrType = errors.New("wrong type")
	// ErrInvalid is a value of the right JSON type that is still not valid,
	// such as a timestamp that is not RFC 3339 or a number out of range.
	ErrInvalid = errors.New("invalid value")
	// ErrMissingField is a required field that is absent, null or empty.
	ErrMissingField = errors.New("missing required field")
	// ErrDuplicate is a member given twice in one object, or a field given
	// both nested and as a dotted key.
	ErrDuplicate = errors.New("duplicate field")
	// ErrLimit is a value beyond one of the Limits other than
	// MaxEventBytes: an identifier too long, a list too long, a free-form
	// object nested too deep.
	ErrLimit = errors.New("limit exceeded")
)

// DecodeError is the error Decode and DecodeInto return for a record they
// refuse. Its text never contains values of the record, only the path and
// the reason, so that it can be logged; the path names object members as
// the record does, and so may contain member names of free-form objects.
type DecodeError struct {
	// Path is the JSON pointer (RFC 6901) of the offending value, in the
	// nested form of the field even when the record used a dotted name:
	// "/mcp/server/name". Only a syntax error is placed as the record has
	// it ("/mcp.server.name"). Path is "" when the error concerns the whole
	// record. Tokens longer than 64 bytes are shortened and control
	// characters replaced: the path is meant for people.
	Path string
	// Reason says what is wrong, such as "missing required field" or
	// "wrong type: got number, want string".
	Reason string
	// Err is one of ErrTooLarge, ErrSyntax, ErrType, ErrInvalid,
	// ErrMissingField, ErrDuplicate and ErrLimit.
	Err error
}

// Error returns "event: PATH: REASON", or "event: REASON" without a path.
func (e *DecodeError) Error() string {
	if e.Path == "" {
		return "event: " + e.Reason
	}
	return "event: " + e.Path + ": " + e.Reason
}

// Unwrap returns e.Err.
func (e *DecodeError) Unwrap() error { return e.Err }

// Decode decodes one mcp.audit v1 record into a new Event. See DecodeInto.
func Decode(data []byte, lim Limits) (*Event, error) {
	ev := new(Event)
	if err := DecodeInto(ev, data, lim); err != nil {
		return nil, err
	}
	return ev, nil
}

// DecodeInto decodes one mcp.audit v1 record into ev, which it first resets
// to the zero Event, so that a worker can reuse one Event for every record.
// On error it returns a *DecodeError and leaves ev zero.
//
// The Event keeps no reference to data: every string is a copy, and data
// may be reused as soon as DecodeInto returns. Maps and slices of ev are
// allocated anew on every call, never reused, so values a caller kept from
// an earlier decode (an arguments map, a tags slice) are not changed.
//
// The record is one JSON object; docs/events.md lists its fields. In short:
//
//   - Unknown members are ignored, since producers add fields; member names
//     are matched exactly, with case.
//   - A value of the wrong JSON type is an error, never converted, except
//     where the schema says so: a keyword list (Strings) may be one string,
//     jsonrpc.request.id may be a number and keeps its text, labels values
//     may be numbers or booleans and keep their text, and @timestamp may
//     be a number of epoch milliseconds.
//   - null is the same as an absent member. An empty list or an empty
//     object at a list or map field is absent too.
//   - A member name given twice in one object is an error.
//   - Nested objects and dotted member names decode alike:
//     {"mcp.method.name":"x"} is {"mcp":{"method":{"name":"x"}}}, at any
//     level and mixed, except inside labels and the free-form objects
//     (arguments, result, input_schema, output_schema), whose member names
//     are data and are kept as they are. A field given both ways is an
//     error, even with the same value.
//   - Invalid UTF-8 in strings, and escaped lone UTF-16 surrogates, become
//     U+FFFD. Control characters must be escaped, as JSON requires.
//   - Required: @timestamp, event.id, mcp.method.name or event.action, and
//     mcp.server.name.
//   - Defaults: organization.id "default", event.kind "event", event.action
//     from mcp.method.name and back (mcp.tool.definition means tools/list),
//     mcp.flow.id from gen_ai.conversation.id, mcp.session.id or trace.id.
//   - mcp.result.text longer than lim.MaxResultText is cut and marked.
//
// DecodeInto never panics, and its work is linear in len(data), which is
// bounded by lim.MaxEventBytes. Decode and DecodeInto may be called by any
// number of goroutines at once, each with its own Event.
func DecodeInto(ev *Event, data []byte, lim Limits) error {
	*ev = Event{}
	if err := decode(ev, data, lim.withDefaults(), nil); err != nil {
		*ev = Event{}
		return err
	}
	return nil
}

// A Decoder decodes a stream of records, one after the other, as
// DecodeInto does, with the same results, faster when the records are
// canonical: when every member of a record is a field of the Event, as
// the adapters of mcpsoc write them, the record has no dotted name to
// expand (no field has a dot in its name), and a Decoder decodes it in
// one pass without the scan for dotted names, about a tenth of the cost
// of a decode.
//
// Its fast path refuses a record with a member the Event does not have,
// which is then decoded again by the full path, as DecodeInto decodes it:
// such a record costs up to three and a half times as much as with
// DecodeInto, much of it in the JSON decoder's report of the refusal. So
// after a refused record a Decoder decodes the next ones by the full
// path, for a number of records that doubles at each refusal, up to 64,
// and halves at each record the fast path decodes: a stream of records
// with extra members costs a few percent more than with DecodeInto.
//
// A Decoder is not safe for concurrent use: give each worker its own.
type Decoder struct {
	lim Limits
	// wait is the number of records to decode by the full path before the
	// fast path is tried again; backoff is what wait is set to at the
	// next refusal.
	wait, backoff int
}

// maxBackoff bounds the number of records a Decoder decodes by the full
// path after a refusal of its fast path.
const maxBackoff = 64

// NewDecoder returns a Decoder of records within lim.
func NewDecoder(lim Limits) *Decoder {
	return &Decoder{lim: lim.withDefaults()}
}

// DecodeInto decodes one record into ev as the function DecodeInto does.
func (d *Decoder) DecodeInto(ev *Event, data []byte) error {
	*ev = Event{}
	if err := decode(ev, data, d.lim, d); err != nil {
		*ev = Event{}
		return err
	}
	return nil
}

// decodeFast decodes data into ev by the fast path of d, unless d is nil
// or waits, and reports whether it did. When it did not, ev is zero.
func (d *Decoder) decodeFast(ev *Event, data []byte) bool {
	switch {
	case d == nil:
		return false
	case d.wait > 0:
		d.wait--
		return false
	}
	if err := json.Unmarshal(data, ev, canonicalOptions); err != nil {
		// A member the Event does not have, or an invalid record: the
		// full path decides. Either way, the next records wait.
		*ev = Event{}
		d.backoff = min(2*d.backoff+1, maxBackoff)
		d.wait = d.backoff
		return false
	}
	d.backoff /= 2
	return true
}

// decodeOptions are the options of every decode: the defaults of
// encoding/json/v2 (names matched with case, duplicate names refused), with
// invalid UTF-8 replaced, and the unmarshalers of the types whose wire form
// JSON's own does not cover.
var decodeOptions = json.JoinOptions(
	jsontext.AllowInvalidUTF8(true),
	json.WithUnmarshalers(json.JoinUnmarshalers(
		json.UnmarshalFunc(decodeStrings),
		json.UnmarshalFunc(decodeRequestID),
		json.UnmarshalFunc(decodeTime),
		json.UnmarshalFunc(decodeLabels),
		json.UnmarshalFunc(decodeAnnotations),
	)),
)

// canonicalOptions are decodeOptions with unknown members refused: the
// options of the fast path of a Decoder.
var canonicalOptions = json.JoinOptions(decodeOptions, json.RejectUnknownMembers(true))

// decode decodes data into ev, by the fast path of d if it is not nil.
func decode(ev *Event, data []byte, lim Limits, d *Decoder) *DecodeError {
	if derr := checkRecord(data, lim); derr != nil {
		return derr
	}
	// The fast path decides no error and no value of its own: a record it
	// does not decode is decoded by the full path, whose result is then
	// the result.
	if !d.decodeFast(ev, data) {
		if derr := decodeFull(ev, data); derr != nil {
			return derr
		}
	}
	return finish(ev, lim)
}

// checkRecord refuses, before any decoding, a record that is too large or
// null.
func checkRecord(data []byte, lim Limits) *DecodeError {
	if len(data) > lim.MaxEventBytes {
		return &DecodeError{
			Reason: "event is " + formatSize(len(data), true) + ", limit " + formatSize(lim.MaxEventBytes, false),
			Err:    ErrTooLarge,
		}
	}
	if i := skipSpace(data, 0); i < len(data) && data[i] == 'n' {
		// Unmarshal accepts null for a struct; a record must be an object.
		if bytes.Equal(bytes.TrimRight(data[i:], " \t\r\n"), []byte("null")) {
			return &DecodeError{Reason: "wrong type: got null, want object", Err: ErrType}
		}
	}
	return nil
}

// decodeFull decodes data into ev, expanding its dotted names first if it
// may have some: the decoding of DecodeInto, and of the records a
// Decoder's fast path does not take, among which every invalid one.
func decodeFull(ev *Event, data []byte) *DecodeError {
	orig, expanded := data, false
	if mayHaveDottedKey(data) {
		canon, derr, ok := expandDotted(data)
		switch {
		case derr != nil:
			return derr
		case ok:
			data, expanded = canon, true
		default:
			if derr := syntaxErrorOf(data); derr != nil {
				return derr
			}
			// Valid JSON but not an object: Unmarshal reports it.
		}
	}
	if err := json.Unmarshal(data, ev, decodeOptions); err != nil {
		derr := jsonError(err)
		if expanded && derr.Err == ErrSyntax {
			// The text decoded is not the record: report the record's error.
			if e := syntaxErrorOf(orig); e != nil {
				return e
			}
		}
		return derr
	}
	return nil
}

// finish checks the required fields and the limits, and applies the
// defaults.
func finish(ev *Event, lim Limits) *DecodeError {
	if ev.Timestamp.IsZero() {
		return missing("/@timestamp")
	}
	ev.Timestamp = ev.Timestamp.UTC()
	if ev.Event.ID == "" {
		return missing("/event/id")
	}
	switch {
	case ev.MCP.Method.Name == "" && ev.Event.Action == "":
		return &DecodeError{Path: "/mcp/method/name", Reason: "missing required field (or event.action)", Err: ErrMissingField}
	case ev.Event.Action == "":
		ev.Event.Action = ev.MCP.Method.Name
	case ev.MCP.Method.Name == "" && ev.Event.Action == "mcp.tool.definition":
		ev.MCP.Method.Name = "tools/list"
	case ev.MCP.Method.Name == "":
		ev.MCP.Method.Name = ev.Event.Action
	}
	if ev.MCP.Server.Name == "" {
		return missing("/mcp/server/name")
	}
	if ev.Organization.ID == "" {
		ev.Organization.ID = "default"
	}
	if ev.Event.Kind == "" {
		ev.Event.Kind = "event"
	}
	if ev.MCP.Flow.ID == "" {
		switch {
		case ev.GenAI.Conversation.ID != "":
			ev.MCP.Flow.ID = ev.GenAI.Conversation.ID
		case ev.MCP.Session.ID != "":
			ev.MCP.Flow.ID = ev.MCP.Session.ID
		default:
			ev.MCP.Flow.ID = ev.Trace.ID
		}
	}
	if err := checkIDs(ev, lim.MaxIDBytes); err != nil {
		return err
	}
	if err := checkEntries(ev, lim.MaxEntries); err != nil {
		return err
	}
	for _, f := range [...]struct {
		path string
		m    *map[string]any
	}{
		{"/gen_ai/tool/call/arguments", &ev.GenAI.Tool.Call.Arguments},
		{"/gen_ai/tool/call/result", &ev.GenAI.Tool.Call.Result},
		{"/mcp/tool/input_schema", &ev.MCP.Tool.InputSchema},
		{"/mcp/tool/output_schema", &ev.MCP.Tool.OutputSchema},
	} {
		if len(*f.m) == 0 {
			*f.m = nil
			continue
		}
		if tooDeep(*f.m, 1, lim.MaxDepth) {
			return &DecodeError{
				Path:   cleanPath(f.path + deepPath(*f.m, 1, lim.MaxDepth)),
				Reason: "nesting deeper than " + strconv.Itoa(lim.MaxDepth) + " levels",
				Err:    ErrLimit,
			}
		}
	}
	if len(ev.MCP.Entities) == 0 {
		ev.MCP.Entities = nil
	}
	if r := &ev.MCP.Result; len(r.Text) > lim.MaxResultText {
		if r.Bytes == 0 {
			r.Bytes = int64(len(r.Text))
		}
		n := lim.MaxResultText
		for n > 0 && !utf8.RuneStart(r.Text[n]) {
			n--
		}
		// A copy, so that the long text is not kept alive by its prefix.
		r.Text = strings.Clone(r.Text[:n])
		r.Truncated = true
	}
	return nil
}

func missing(path string) *DecodeError {
	return &DecodeError{Path: path, Reason: "missing required field", Err: ErrMissingField}
}

func checkIDs(ev *Event, limit int) *DecodeError {
	for _, f := range [...]struct {
		path string
		v    string
	}{
		{"/event/id", ev.Event.ID},
		{"/organization/id", ev.Organization.ID},
		{"/user/id", ev.User.ID},
		{"/gen_ai/conversation/id", ev.GenAI.Conversation.ID},
		{"/mcp/session/id", ev.MCP.Session.ID},
		{"/trace/id", ev.Trace.ID},
		{"/span/id", ev.Span.ID},
		{"/jsonrpc/request/id", string(ev.JSONRPC.Request.ID)},
		{"/gen_ai/tool/call/id", ev.GenAI.Tool.Call.ID},
		// Last: the flow may be one of the above.
		{"/mcp/flow/id", ev.MCP.Flow.ID},
	} {
		if len(f.v) > limit {
			return &DecodeError{
				Path:   f.path,
				Reason: "identifier is " + strconv.Itoa(len(f.v)) + " bytes, limit " + strconv.Itoa(limit),
				Err:    ErrLimit,
			}
		}
	}
	return nil
}

func checkEntries(ev *Event, limit int) *DecodeError {
	for _, f := range [...]struct {
		path string
		n    int
	}{
		{"/event/category", len(ev.Event.Category)},
		{"/event/type", len(ev.Event.Type)},
		{"/user/roles", len(ev.User.Roles)},
		{"/email/from/address", len(ev.Email.From.Address)},
		{"/email/to/address", len(ev.Email.To.Address)},
		{"/email/cc/address", len(ev.Email.CC.Address)},
		{"/email/bcc/address", len(ev.Email.BCC.Address)},
		{"/mcp/server/roots", len(ev.MCP.Server.Roots)},
		{"/mcp/result/content_types", len(ev.MCP.Result.ContentTypes)},
		{"/mcp/tool/capabilities", len(ev.MCP.Tool.Capabilities)},
		{"/mcp/auth/audience", len(ev.MCP.Auth.Audience)},
		{"/mcp/auth/scopes", len(ev.MCP.Auth.Scopes)},
		{"/mcp/auth/resource", len(ev.MCP.Auth.Resource)},
		{"/mcp/egress/recipients", len(ev.MCP.Egress.Recipients)},
		{"/mcp/egress/observed/email/from/address", len(ev.MCP.Egress.Observed.Email.From.Address)},
		{"/mcp/egress/observed/email/to/address", len(ev.MCP.Egress.Observed.Email.To.Address)},
		{"/mcp/egress/observed/email/cc/address", len(ev.MCP.Egress.Observed.Email.CC.Address)},
		{"/mcp/egress/observed/email/bcc/address", len(ev.MCP.Egress.Observed.Email.BCC.Address)},
		{"/mcp/entities", len(ev.MCP.Entities)},
		{"/mcp/data/labels", len(ev.MCP.Data.Labels)},
		{"/mcp/tools_list/names", len(ev.MCP.ToolsList.Names)},
		{"/mcp/redacted_paths", len(ev.MCP.RedactedPaths)},
		{"/labels", len(ev.Labels)},
		{"/tags", len(ev.Tags)},
	} {
		if f.n > limit {
			return &DecodeError{
				Path:   f.path,
				Reason: strconv.Itoa(f.n) + " entries, limit " + strconv.Itoa(limit),
				Err:    ErrLimit,
			}
		}
	}
	return nil
}

// tooDeep reports whether v, at depth, nests deeper than limit.
func tooDeep(v any, depth, limit int) bool {
	if depth > limit {
		return true
	}
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			if isContainer(e) && tooDeep(e, depth+1, limit) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if isContainer(e) && tooDeep(e, depth+1, limit) {
				return true
			}
		}
	}
	return false
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// deepPath returns the JSON pointer, relative to v, of the first value
// (in sorted member order) nested deeper than limit.
func deepPath(v any, depth, limit int) string {
	if depth > limit {
		return ""
	}
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k, e := range v {
			if isContainer(e) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if tooDeep(v[k], depth+1, limit) {
				return "/" + escapeToken(k) + deepPath(v[k], depth+1, limit)
			}
		}
	case []any:
		for i, e := range v {
			if isContainer(e) && tooDeep(e, depth+1, limit) {
				return "/" + strconv.Itoa(i) + deepPath(e, depth+1, limit)
			}
		}
	}
	return ""
}

// escapeToken escapes a member name as a JSON pointer token.
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// formatSize formats n bytes for an error message, rounding up when up is
// set so that a size just over a limit never reads as the limit.
func formatSize(n int, up bool) string {
	unit, name := 1, "bytes"
	switch {
	case n >= 1<<20:
		unit, name = 1<<20, "MiB"
	case n >= 1<<10:
		unit, name = 1<<10, "KiB"
	}
	if unit == 1 {
		return strconv.Itoa(n) + " bytes"
	}
	tenths := float64(n) * 10 / float64(unit)
	if up {
		tenths = math.Ceil(tenths)
	} else {
		tenths = math.Floor(tenths)
	}
	s := strconv.FormatFloat(tenths/10, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + " " + name
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// The unmarshalers below are given one JSON value that the decoder has
// read whole and checked. They parse valid JSON only, but check their
// bounds all the same and report errMalformed rather than panic.

// errMalformed is JSON an unmarshaler cannot parse. The decoder checks the
// values it gives them, so it is not expected.
var errMalformed = &valueError{reason: "invalid JSON", err: ErrSyntax}

// kindError is a value of the wrong JSON kind found by one of the
// unmarshalers below. sub is the JSON pointer, relative to the value the
// unmarshaler was given, of the value inside it that is wrong, or "".
type kindError struct {
	got  jsontext.Kind
	want string
	sub  string
}

func (e *kindError) Error() string { return "got " + kindName(e.got) + ", want " + e.want }

// valueError is an invalid value found by one of the unmarshalers below.
// sub is as for kindError.
type valueError struct {
	reason string
	err    error
	sub    string
}

func (e *valueError) Error() string { return e.reason }

// kindOf returns the kind of the JSON value that starts with c.
func kindOf(c byte) jsontext.Kind {
	switch c {
	case 'n', 't', 'f', '"', '{', '[':
		return jsontext.Kind(c)
	}
	return '0'
}

// unquote returns the value of the JSON string b, with invalid UTF-8
// replaced as the decoder replaces it.
func unquote(b []byte) string { return string(unquoteBytes(b)) }

// unquoteBytes is unquote without the copy: it returns the content of b
// itself when b has no escape and is valid UTF-8.
func unquoteBytes(b []byte) []byte {
	if len(b) < 2 {
		return nil
	}
	content := b[1 : len(b)-1]
	if bytes.IndexByte(content, '\\') < 0 && utf8.Valid(content) {
		return content
	}
	u, _ := jsontext.AppendUnquote(nil, b) // b is a JSON string: the only error is invalid UTF-8, replaced
	return u
}

// stringEnd returns the index after the JSON string that starts at b[i],
// or -1.
func stringEnd(b []byte, i int) int {
	q := closingQuote(b, i+1)
	if q < 0 {
		return -1
	}
	return q + 1
}

// next returns the index of the next member or element after the one that
// ends at b[i]: after a comma, or at the closing bracket.
func next(b []byte, i int) int {
	if i = skipSpace(b, i); i < len(b) && b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	return i
}

// scalarEnd returns the index after the number or literal at b[i].
func scalarEnd(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// decodeStrings decodes a keyword list: one string or an array of strings.
func decodeStrings(b []byte, s *Strings) error {
	if len(b) == 0 {
		return errMalformed
	}
	switch b[0] {
	case 'n':
		*s = nil
		return nil
	case '"':
		*s = Strings{unquote(b)}
		return nil
	case '[':
	default:
		return &kindError{got: kindOf(b[0]), want: "string or array of strings"}
	}
	var out Strings
	for i, n := skipSpace(b, 1), 0; ; n++ {
		switch {
		case i >= len(b):
			return errMalformed
		case b[i] == ']':
			*s = out
			return nil
		case b[i] != '"':
			return &kindError{got: kindOf(b[i]), want: "string", sub: "/" + strconv.Itoa(n)}
		}
		end := stringEnd(b, i)
		if end < 0 {
			return errMalformed
		}
		out = append(out, unquote(b[i:end]))
		i = next(b, end)
	}
}

// decodeRequestID decodes a JSON-RPC id, a string or a number, keeping the
// number's text as written.
func decodeRequestID(b []byte, id *RequestID) error {
	if len(b) == 0 {
		return errMalformed
	}
	switch k := kindOf(b[0]); k {
	case 'n':
		*id = ""
	case '"':
		*id = RequestID(unquote(b))
	case '0':
		*id = RequestID(b)
	default:
		return &kindError{got: k, want: "string or number"}
	}
	return nil
}

// minEpochMillis (1973-03-03) is the smallest numeric timestamp accepted:
// anything lower is far more likely epoch seconds than milliseconds.
const minEpochMillis = 100_000_000_000

// maxEpochMillis is 9999-12-31T23:59:59.999Z.
const maxEpochMillis = 253402300799999

// decodeTime decodes a timestamp: an RFC 3339 string, or a number of
// milliseconds since the Unix epoch. It must be from 1970 to 9999 in UTC.
func decodeTime(b []byte, t *time.Time) error {
	if len(b) == 0 {
		return errMalformed
	}
	switch k := kindOf(b[0]); k {
	case 'n':
		*t = time.Time{}
		return nil
	case '"':
		var v time.Time
		if err := v.UnmarshalText(unquoteBytes(b)); err != nil {
			return &valueError{reason: "invalid timestamp: want RFC 3339 date-time or epoch milliseconds", err: ErrInvalid}
		}
		if v.Before(time.Unix(0, 0)) || v.After(time.Unix(maxEpochMillis/1000, 999999999)) {
			return &valueError{reason: "invalid timestamp: before 1970 or after 9999", err: ErrInvalid}
		}
		*t = v.UTC()
		return nil
	case '0':
		ms, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || ms < 0 || ms > maxEpochMillis {
			return &valueError{reason: "invalid timestamp: want epoch milliseconds, an integer from 0 to " + strconv.Itoa(maxEpochMillis), err: ErrInvalid}
		}
		if ms < minEpochMillis {
			// 1.76e9 is 2025 in seconds but January 1970 in milliseconds:
			// a producer sending seconds would put every event in 1970 and
			// break every window. Refuse rather than guess.
			return &valueError{reason: "invalid timestamp: epoch milliseconds before 1973 (epoch seconds given?)", err: ErrInvalid}
		}
		*t = time.UnixMilli(ms).UTC()
		return nil
	default:
		return &kindError{got: k, want: "RFC 3339 string or epoch milliseconds"}
	}
}

// decodeLabels decodes ECS labels: an object whose values are keywords.
// Numbers and booleans are kept as their JSON text; null is absent.
func decodeLabels(b []byte, m *map[string]string) error {
	if len(b) == 0 {
		return errMalformed
	}
	switch k := kindOf(b[0]); k {
	case 'n':
		*m = nil
		return nil
	case '{':
	default:
		return &kindError{got: k, want: "object"}
	}
	var out map[string]string
	for i := skipSpace(b, 1); ; {
		if i >= len(b) || b[i] == '}' {
			if i >= len(b) {
				return errMalformed
			}
			*m = out
			return nil
		}
		end := stringEnd(b, i)
		if end < 0 {
			return errMalformed
		}
		name := unquote(b[i:end])
		if i = skipSpace(b, skipSpace(b, end)+1); i >= len(b) { // after the colon
			return errMalformed
		}
		switch k := kindOf(b[i]); k {
		case '"':
			if end = stringEnd(b, i); end < 0 {
				return errMalformed
			}
			if out == nil {
				out = make(map[string]string)
			}
			out[name] = unquote(b[i:end])
		case '0', 't', 'f':
			end = scalarEnd(b, i)
			if out == nil {
				out = make(map[string]string)
			}
			out[name] = string(b[i:end])
		case 'n':
			end = i + len("null")
		default:
			return &kindError{got: k, want: "string, number or boolean", sub: "/" + escapeToken(name)}
		}
		i = next(b, end)
	}
}

// annotationsWire is ToolAnnotations as the wire has it: each hint in
// camel case, as MCP sends it, or in snake case, as the canonical schema
// names it.
type annotationsWire struct {
	Title                string `json:"title"`
	ReadOnlyHint         *bool  `json:"readOnlyHint"`
	ReadOnlyHintSnake    *bool  `json:"read_only_hint"`
	DestructiveHint      *bool  `json:"destructiveHint"`
	DestructiveHintSnake *bool  `json:"destructive_hint"`
	IdempotentHint       *bool  `json:"idempotentHint"`
	IdempotentHintSnake  *bool  `json:"idempotent_hint"`
	OpenWorldHint        *bool  `json:"openWorldHint"`
	OpenWorldHintSnake   *bool  `json:"open_world_hint"`
	Declared             *bool  `json:"declared"`
}

// decodeAnnotations decodes the annotations object b. (A func of the raw
// value: goccy's stream form, UnmarshalFromFunc, costs more than the whole
// rest of a typical event's decode.)
func decodeAnnotations(b []byte, a *ToolAnnotations) error {
	var w annotationsWire
	if err := json.Unmarshal(b, &w, jsontext.AllowInvalidUTF8(true)); err != nil {
		return err
	}
	ann := ToolAnnotations{Title: w.Title, Declared: w.Declared}
	for _, h := range [...]struct {
		name        string
		dst         **bool
		camel, snke *bool
	}{
		{"readOnlyHint", &ann.ReadOnlyHint, w.ReadOnlyHint, w.ReadOnlyHintSnake},
		{"destructiveHint", &ann.DestructiveHint, w.DestructiveHint, w.DestructiveHintSnake},
		{"idempotentHint", &ann.IdempotentHint, w.IdempotentHint, w.IdempotentHintSnake},
		{"openWorldHint", &ann.OpenWorldHint, w.OpenWorldHint, w.OpenWorldHintSnake},
	} {
		switch {
		case h.camel != nil && h.snke != nil:
			if *h.camel != *h.snke {
				return &valueError{
					reason: "conflicting values in both spellings of the hint",
					err:    ErrDuplicate,
					sub:    "/" + h.name,
				}
			}
			*h.dst = h.camel
		case h.camel != nil:
			*h.dst = h.camel
		default:
			*h.dst = h.snke
		}
	}
	*a = ann
	return nil
}

// jsonError converts an error of the JSON decoder.
func jsonError(err error) *DecodeError {
	var ke *kindError
	var ve *valueError
	var sem *json.SemanticError
	var syn *jsontext.SyntacticError
	semOK := errors.As(err, &sem)
	// path is the pointer of a value sub inside the value of sem.
	path := func(sub string) string {
		if semOK {
			return cleanPath(string(sem.JSONPointer) + sub)
		}
		return cleanPath(sub)
	}
	switch {
	case errors.As(err, &ke):
		return &DecodeError{Path: path(ke.sub), Reason: "wrong type: " + ke.Error(), Err: ErrType}
	case errors.As(err, &ve):
		return &DecodeError{Path: path(ve.sub), Reason: ve.reason, Err: ve.err}
	case errors.As(err, &syn):
		return syntaxError(syn)
	case semOK:
		return semanticError(sem)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &DecodeError{Reason: "invalid JSON: unexpected end of input", Err: ErrSyntax}
	default:
		return &DecodeError{Reason: "invalid JSON", Err: ErrSyntax}
	}
}

func syntaxError(syn *jsontext.SyntacticError) *DecodeError {
	switch {
	case errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return &DecodeError{Path: cleanPath(string(syn.JSONPointer)), Reason: "duplicate member name", Err: ErrDuplicate}
	case errors.Is(syn.Err, io.ErrUnexpectedEOF), errors.Is(syn.Err, io.EOF):
		return &DecodeError{Reason: "invalid JSON: unexpected end of input", Err: ErrSyntax}
	}
	return &DecodeError{
		Path:   cleanPath(string(syn.JSONPointer)),
		Reason: "invalid JSON at byte " + strconv.FormatInt(syn.ByteOffset, 10),
		Err:    ErrSyntax,
	}
}

func semanticError(sem *json.SemanticError) *DecodeError {
	p := cleanPath(string(sem.JSONPointer))
	if sem.JSONKind == '0' && sem.GoType != nil {
		switch sem.GoType.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return &DecodeError{Path: p, Reason: "invalid number: want an integer that fits in 64 bits", Err: ErrInvalid}
		case reflect.Float32, reflect.Float64, reflect.Interface:
			return &DecodeError{Path: p, Reason: "invalid number: out of range", Err: ErrInvalid}
		}
	}
	if sem.JSONKind != jsontext.KindInvalid && sem.GoType != nil {
		return &DecodeError{Path: p, Reason: "wrong type: got " + kindName(sem.JSONKind) + ", want " + typeName(sem.GoType), Err: ErrType}
	}
	return &DecodeError{Path: p, Reason: "invalid value", Err: ErrInvalid}
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{', '}':
		return "object"
	case '[', ']':
		return "array"
	}
	return "invalid value"
}

func typeName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Strings]():
		return "string or array of strings"
	case reflect.TypeFor[RequestID]():
		return "string or number"
	case reflect.TypeFor[time.Time]():
		return "RFC 3339 string or epoch milliseconds"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return "JSON value"
}

// maxPathToken is the length past which cleanPath shortens a token.
const maxPathToken = 64

// cleanPath makes a JSON pointer safe to log: each token at most
// maxPathToken bytes, control characters replaced with U+FFFD.
func cleanPath(p string) string {
	clean := true
	start := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < 0x20 || c == 0x7f {
			clean = false
			break
		}
		if c == '/' {
			start = i
		} else if i-start > maxPathToken {
			clean = false
			break
		}
	}
	if clean {
		return p
	}
	var b strings.Builder
	for i, tok := range strings.Split(p, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if len(tok) > maxPathToken {
			n := maxPathToken
			for n > 0 && !utf8.RuneStart(tok[n]) {
				n--
			}
			tok = tok[:n] + "…"
		}
		for _, r := range tok {
			if r < 0x20 || r == 0x7f {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
