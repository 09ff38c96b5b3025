package event

import (
	"bytes"
	"io"
	"strconv"

	"github.com/goccy/go-json/jsontext"
)

// Dotted member names.
//
// Producers write fields nested ({"mcp":{"method":{"name":"x"}}}), flat
// with dotted names ({"mcp.method.name":"x"}), as OpenTelemetry attributes
// and many access logs are, or mixed. Decode first looks for a dotted
// member name with a cheap scan of the bytes (mayHaveDottedKey); a
// Decoder first decodes the record refusing members the Event does not
// have, which a record with a dotted name has, and scans only the records
// it refuses. Most records have none and are decoded as they are. The
// others take the slow path, expandDotted: the members of the record are
// read into a tree in which every dotted name is split into its nested
// path and members given twice are refused; the tree is written again as
// nested JSON, whose values are copied from the record as they are, and
// that text is decoded as any record. Member names inside labels and the
// free-form objects are data: they are never split.

// mayHaveDottedKey reports whether data may hold a member name with a dot.
// It may report true for a record without one, never false for a record
// with one.
//
// A dot is in a member name if the string it is in is followed by a colon.
// The scan finds each dot with bytes.IndexByte, then the closing quote of
// the string it is in, and goes on after that quote: every byte is looked
// at a bounded number of times. A dot outside a string, in a number, leads
// to the opening quote of the next string, which is not followed by a
// colon unless the name starts with one; that only costs the slow path.
func mayHaveDottedKey(data []byte) bool {
	// A name may spell its dot as the escape \u002e.
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte(`\u002`))
		if j < 0 {
			break
		}
		i += j + 5
		if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
			return true
		}
	}
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '.')
		if j < 0 {
			return false
		}
		q := closingQuote(data, i+j+1)
		if q < 0 {
			return false
		}
		if k := skipSpace(data, q+1); k < len(data) && data[k] == ':' {
			return true
		}
		i = q + 1
	}
	return false
}

// closingQuote returns the index of the first quote at or after i that is
// not escaped, or -1.
func closingQuote(data []byte, i int) int {
	for i < len(data) {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			return -1
		}
		q := i + j
		n := 0
		for k := q - 1; k >= i && data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q
		}
		i = q + 1
	}
	return -1
}

// freeform reports whether the nested path names an object whose member
// names are data, kept as they are.
func freeform(path [][]byte) bool {
	switch len(path) {
	case 1:
		return string(path[0]) == "labels"
	case 3:
		return string(path[0]) == "mcp" && string(path[1]) == "tool" &&
			(string(path[2]) == "input_schema" || string(path[2]) == "output_schema")
	case 4:
		return string(path[0]) == "gen_ai" && string(path[1]) == "tool" && string(path[2]) == "call" &&
			(string(path[3]) == "arguments" || string(path[3]) == "result")
	}
	return false
}

// maxStructDepth is the nesting past which expandDotted keeps objects as
// they are written and names as they are: no field of the Event is nested
// this deep, so such a member is one the decoder ignores anyway.
const maxStructDepth = 10

// A tree holds the members of a record by their nested path. Its nodes are
// objects, or values kept as their text in data.
type tree struct {
	data     []byte
	nodes    []xnode // nodes[0] is the record
	big      map[int32]map[string]int32
	expanded bool // a dotted name was split
	dup      [][]byte
}

type xnode struct {
	// name is the member name as JSON string content, escaped.
	name []byte
	// start and end are the span of the value in data, or -1 for an object
	// of the tree.
	start, end int32
	// first and last child, next sibling, and number of children; -1 for
	// none.
	first, last, next, n int32
}

// bigObject is the number of members past which an object of the tree
// finds its members by a map.
const bigObject = 16

// expandDotted returns the record data with every dotted member name
// outside labels and the free-form objects replaced by its nested path, or
// data itself if no name had to be split. It returns a DecodeError for a
// field given twice, and ok false if data is not one JSON object or the
// structure it read is not valid JSON; the caller then finds the error.
// The values it copies are not checked: the decoder of the result does.
func expandDotted(data []byte) (canon []byte, derr *DecodeError, ok bool) {
	// Each member has a colon: their count bounds the nodes but for the
	// objects the dotted names add.
	t := &tree{data: data, nodes: make([]xnode, 1, min(bytes.Count(data, []byte(":"))+16, 1024))}
	t.nodes[0] = xnode{start: -1, first: -1, last: -1, next: -1}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, nil, false
	}
	end, ok := t.object(i, nil)
	if !ok || skipSpace(data, end) != len(data) {
		return nil, nil, false
	}
	if t.dup != nil {
		return nil, duplicate(t.dup), true
	}
	if !t.expanded {
		return data, nil, true
	}
	return t.appendJSON(make([]byte, 0, len(data)+64), 0), nil, true
}

// object reads the object at data[i] == '{', whose nested path is path,
// inserts its members into the tree and returns the index after it.
func (t *tree) object(i int, path [][]byte) (int, bool) {
	d := t.data
	var buf [maxStructDepth + 1][]byte
	return members(d, i, func(quoted []byte, i int) (int, bool) {
		name, escaped := quoted[1:len(quoted)-1], false
		if bytes.IndexByte(name, '\\') >= 0 {
			u, err := jsontext.AppendUnquote(nil, quoted)
			if err != nil {
				return 0, false
			}
			name, escaped = u, true
		}
		if i >= len(d) {
			return 0, false
		}
		target, rest := t.target(buf[:0], path, name, escaped)
		switch c := d[i]; {
		case c == 'n' && rest == nil:
			// null is absent.
			if !bytes.HasPrefix(d[i:], []byte("null")) {
				return 0, false
			}
			return i + 4, true
		case c == '{' && rest == nil && freeform(target):
			return t.freeformObject(i, target)
		case c == '{' && rest == nil && len(target) < maxStructDepth:
			return t.object(i, target)
		}
		end, ok := skipValue(d, i)
		if ok {
			if rest != nil {
				target = append(target, rest)
			}
			t.insert(target, i, end)
		}
		return end, ok
	})
}

// members reads the object at d[i] == '{' and returns the index after it.
// For each member it calls member with the name as written, quotes
// included, and the index of the value; member returns the index after the
// value.
func members(d []byte, i int, member func(quoted []byte, value int) (int, bool)) (int, bool) {
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(d) || d[i] != '"' {
			return 0, false
		}
		q := closingQuote(d, i+1)
		if q < 0 {
			return 0, false
		}
		quoted := d[i : q+1]
		i = skipSpace(d, q+1)
		if i >= len(d) || d[i] != ':' {
			return 0, false
		}
		var ok bool
		if i, ok = member(quoted, skipSpace(d, i+1)); !ok {
			return 0, false
		}
		i = skipSpace(d, i)
		if i >= len(d) {
			return 0, false
		}
		switch d[i] {
		case ',':
			i = skipSpace(d, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// target appends to buf the nested path of the member name of the object
// at path, as JSON string contents: name is the raw content, or the
// unescaped name if escaped is set. A dotted name is split, unless a
// segment is empty or the path would be too deep; when the path enters
// labels or a free-form object, the rest of the name is returned as one
// member name of it.
func (t *tree) target(buf, path [][]byte, name []byte, escaped bool) (target [][]byte, rest []byte) {
	buf = append(buf, path...)
	if bytes.IndexByte(name, '.') < 0 ||
		bytes.Count(name, []byte(".")) >= maxStructDepth-len(path) ||
		name[0] == '.' || name[len(name)-1] == '.' || bytes.Contains(name, []byte("..")) {
		return append(buf, content(name, escaped)), nil
	}
	t.expanded = true
	for len(name) > 0 {
		seg := name
		j := bytes.IndexByte(name, '.')
		if j >= 0 {
			seg, name = name[:j], name[j+1:]
		} else {
			name = nil
		}
		buf = append(buf, content(seg, escaped))
		if name != nil && freeform(buf) {
			return buf, content(name, escaped)
		}
	}
	return buf, nil
}

// content returns s as JSON string content: s itself if it is raw content
// already, or s escaped if it was unescaped.
func content(s []byte, escaped bool) []byte {
	if !escaped {
		return s
	}
	q, _ := jsontext.AppendQuote(nil, s) // s is valid UTF-8: AppendUnquote replaced what was not
	return q[1 : len(q)-1]
}

// freeformObject reads the free-form object at data[i] == '{', at path,
// and inserts its members with their names as they are and their values
// as their text, so that they merge with members given with dotted names.
func (t *tree) freeformObject(i int, path [][]byte) (int, bool) {
	target := make([][]byte, len(path)+1)
	copy(target, path)
	return members(t.data, i, func(quoted []byte, i int) (int, bool) {
		target[len(path)] = quoted[1 : len(quoted)-1]
		end, ok := skipValue(t.data, i)
		if ok {
			t.insert(target, i, end)
		}
		return end, ok
	})
}

// skipValue returns the index after the value at data[i]. It finds where
// the value ends without checking it: the decoder checks it.
func skipValue(d []byte, i int) (int, bool) {
	if i >= len(d) {
		return 0, false
	}
	switch d[i] {
	case '"':
		end := stringEnd(d, i)
		return end, end >= 0
	case '{', '[':
		depth := 0
		for j := i; j < len(d); j++ {
			switch d[j] {
			case '"':
				q := closingQuote(d, j+1)
				if q < 0 {
					return 0, false
				}
				j = q
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	end := scalarEnd(d, i)
	return end, end > i
}

// insert puts the value at data[start:end] at path in the tree, creating
// the objects on the way. The first value found already there, or on the
// way, is recorded as a duplicate.
func (t *tree) insert(path [][]byte, start, end int) {
	var n int32
	for k, name := range path {
		c := t.child(n, name)
		if k == len(path)-1 {
			if c >= 0 {
				t.duplicateAt(path)
				return
			}
			t.add(n, name, int32(start), int32(end))
			return
		}
		if c < 0 {
			c = t.add(n, name, -1, -1)
		} else if t.nodes[c].start >= 0 {
			t.duplicateAt(path[:k+1])
			return
		}
		n = c
	}
}

func (t *tree) duplicateAt(path [][]byte) {
	if t.dup == nil {
		t.dup = append([][]byte(nil), path...)
	}
}

// child returns the index of the member name of object n, or -1.
func (t *tree) child(n int32, name []byte) int32 {
	if t.big != nil {
		if m := t.big[n]; m != nil {
			if c, ok := m[string(name)]; ok {
				return c
			}
			return -1
		}
	}
	for c := t.nodes[n].first; c >= 0; c = t.nodes[c].next {
		if bytes.Equal(t.nodes[c].name, name) {
			return c
		}
	}
	return -1
}

// add appends a member to object n and returns its index.
func (t *tree) add(n int32, name []byte, start, end int32) int32 {
	c := int32(len(t.nodes))
	t.nodes = append(t.nodes, xnode{name: name, start: start, end: end, first: -1, last: -1, next: -1})
	p := &t.nodes[n]
	if p.last >= 0 {
		t.nodes[p.last].next = c
	} else {
		p.first = c
	}
	p.last = c
	p.n++
	switch {
	case p.n > bigObject+1:
		t.big[n][string(name)] = c
	case p.n == bigObject+1:
		if t.big == nil {
			t.big = make(map[int32]map[string]int32)
		}
		m := make(map[string]int32, 2*p.n)
		for k := p.first; k >= 0; k = t.nodes[k].next {
			m[string(t.nodes[k].name)] = k
		}
		t.big[n] = m
	}
	return c
}

// appendJSON appends the JSON text of node n to b.
func (t *tree) appendJSON(b []byte, n int32) []byte {
	node := &t.nodes[n]
	if node.start >= 0 {
		return append(b, t.data[node.start:node.end]...)
	}
	b = append(b, '{')
	for c := node.first; c >= 0; c = t.nodes[c].next {
		if c != node.first {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, t.nodes[c].name...)
		b = append(b, '"', ':')
		b = t.appendJSON(b, c)
	}
	return append(b, '}')
}

func duplicate(path [][]byte) *DecodeError {
	var b []byte
	for _, s := range path {
		b = append(b, '/')
		u, err := jsontext.AppendUnquote(nil, append(append([]byte{'"'}, s...), '"'))
		if err != nil {
			u = s
		}
		b = append(b, escapeToken(string(u))...)
	}
	return &DecodeError{
		Path:   cleanPath(string(b)),
		Reason: "duplicate field: given both nested and as a dotted name, or twice",
		Err:    ErrDuplicate,
	}
}

// syntaxErrorOf returns the first syntax error of data, read as one JSON
// value, or nil if it has none.
func syntaxErrorOf(data []byte) *DecodeError {
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), jsontext.AllowInvalidUTF8(true))
	if _, err := dec.ReadValue(); err != nil {
		return jsonError(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		if err != nil {
			return jsonError(err)
		}
		return &DecodeError{
			Reason: "invalid JSON at byte " + strconv.FormatInt(dec.InputOffset(), 10) + ": data after the record",
			Err:    ErrSyntax,
		}
	}
	return nil
}
