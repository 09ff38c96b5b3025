package correlate

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// evaluator runs compiled expressions with one reused VM (for expressions
// the rules package does not compile natively) and one Env. It belongs to
// one Correlator (or Suppressor) and is not safe for concurrent use.
type evaluator struct {
	vm  vm.VM
	env rules.Env
}

// setEvent points the Env at ev and steps; clear drops them, so that the
// evaluator never keeps an event alive.
func (x *evaluator) setEvent(ev *event.Event, steps []*event.Event) {
	x.env.Event, x.env.Steps = ev, steps
}

func (x *evaluator) clear() { x.env.Event, x.env.Steps = nil, nil }

// condition returns c, or nil (true for every event) when there is no
// compiled condition.
func condition(c *rules.Condition) *rules.Condition {
	if c == nil || c.Program == nil {
		return nil
	}
	return c
}

// eval evaluates the condition (nil: true). A runtime error counts as false
// and is returned so that the caller can count it.
func (x *evaluator) eval(k *rules.Condition, ev *event.Event, steps []*event.Event) (bool, error) {
	if k == nil {
		return true, nil
	}
	x.setEvent(ev, steps)
	ok, err := k.Eval(&x.vm, &x.env)
	x.clear()
	return ok, err
}

// probe evaluates, when an event arrives, a condition that refers to
// steps (rules.Condition.UsesSteps: its result may depend on a pending
// match), before the steps are known (rules.Condition.Probe): definite
// reports whether the result holds whatever the steps will be; otherwise
// the event is a candidate, evaluated again in event-time order.
func (x *evaluator) probe(k *rules.Condition, ev *event.Event) (ok, definite bool) {
	x.setEvent(ev, nil)
	ok, definite = k.Probe(&x.vm, &x.env)
	x.clear()
	return ok, definite
}

// valueExpr is a compiled expression producing a value (a group key part, a
// distinct value, a watched value). Plain string fields are read directly.
type valueExpr struct {
	get  func(*event.Event) string
	e    *rules.Expr
	list bool // the expression's static type is a list
}

// newValueExpr prepares e, or returns nil when there is no compiled
// expression.
func newValueExpr(e *rules.Expr) *valueExpr {
	if e == nil || e.Program == nil {
		return nil
	}
	v := &valueExpr{e: e}
	if n := e.Program.Node(); n != nil {
		if p, ok := rules.FieldPath(n); ok {
			v.get = rules.StringField(p)
		}
		if t := n.Type(); t != nil {
			v.list = t.Kind() == reflect.Slice || t.Kind() == reflect.Array
		}
	}
	return v
}

func newValueExprs(es []*rules.Expr) []valueExpr {
	out := make([]valueExpr, 0, len(es))
	for _, e := range es {
		if v := newValueExpr(e); v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// value evaluates v against ev and renders the result as key text (see
// rules.Expr.Text: "" for nil, canonical JSON for lists and objects).
func (x *evaluator) value(v *valueExpr, ev *event.Event) (string, error) {
	if v.get != nil {
		return v.get(ev), nil
	}
	x.setEvent(ev, nil)
	s, err := v.e.Text(&x.vm, &x.env)
	x.clear()
	return s, err
}

// values evaluates v, an expression whose static type is a list, and
// returns the text of each element (see text), or the text of the result
// when it is not a list after all; at most max values.
func (x *evaluator) values(v *valueExpr, ev *event.Event, max int) ([]string, error) {
	x.setEvent(ev, nil)
	out, err := v.e.Eval(&x.vm, &x.env)
	x.clear()
	if err != nil {
		return nil, err
	}
	var list []string
	switch l := out.(type) {
	case []string:
		list = l
	case event.Strings:
		list = l
	case []any:
		list = make([]string, 0, len(l))
		for _, e := range l {
			list = append(list, text(e))
		}
	default:
		return []string{text(out)}, nil
	}
	if len(list) > max {
		list = list[:max]
	}
	return list, nil
}

// text renders an expression result as a key or value string.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case event.RequestID:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []string:
		return strings.Join(x, ",")
	case event.Strings:
		return strings.Join(x, ",")
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// joinKey joins key values with "|", escaping "\" and "|" inside values so
// that two different tuples never give the same key. The result never shares
// memory with its inputs.
func joinKey(parts []string) string {
	var buf [64]byte
	return string(appendKey(buf[:0], parts))
}

// appendKey appends joinKey(parts) to b.
func appendKey(b []byte, parts []string) []byte {
	for i, p := range parts {
		if i > 0 {
			b = append(b, '|')
		}
		b = appendKeyPart(b, p)
	}
	return b
}

// appendKeyPart appends one value of a key, escaped.
func appendKeyPart(b []byte, p string) []byte {
	if strings.IndexByte(p, '|') < 0 && strings.IndexByte(p, '\\') < 0 {
		return append(b, p...)
	}
	for j := 0; j < len(p); j++ {
		if p[j] == '\\' || p[j] == '|' {
			b = append(b, '\\')
		}
		b = append(b, p[j])
	}
	return b
}

// objectPaths are the event fields kept as JSON text in a rec (see
// trim.go): decoding them costs a parse.
var objectPaths = [...]string{
	"gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "mcp.tool.input_schema", "mcp.tool.output_schema", "labels",
}

// objectUse reports whether a condition may read an object field of the
// event it runs on (cur) or of the events of earlier steps (steps): whether
// one of its field paths (gen_ai.tool.call.arguments, steps[0].mcp.tool, a
// bare gen_ai) is, contains or lies inside an object field. Helper
// functions only see their arguments (arg(p) is rewritten to
// json_path(gen_ai.tool.call.arguments, p)), so the paths tell it all. When
// in doubt, both are true.
func objectUse(n ast.Node) (cur, steps bool) {
	v := &pathFinder{inner: map[ast.Node]bool{}}
	func() {
		defer func() {
			if recover() != nil {
				v.paths = append(v.paths, chainPath{path: "", steps: false}, chainPath{path: "", steps: true})
			}
		}()
		ast.Walk(&n, v)
	}()
	for _, p := range v.paths {
		if v.inner[p.node] {
			continue
		}
		for _, o := range objectPaths {
			if p.path == "" || p.path == o || strings.HasPrefix(o, p.path+".") || strings.HasPrefix(p.path, o+".") {
				if p.steps {
					steps = true
				} else {
					cur = true
				}
			}
		}
	}
	return cur, steps
}

type chainPath struct {
	node  ast.Node
	path  string // dotted field path; "" for the whole event
	steps bool   // rooted at steps[i]
}

// pathFinder collects the field access chains of a tree; inner marks the
// nodes that are part of a longer chain.
type pathFinder struct {
	paths []chainPath
	inner map[ast.Node]bool
}

func (v *pathFinder) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		v.paths = append(v.paths, chainPath{node: x, path: x.Value})
	case *ast.MemberNode:
		v.inner[x.Node] = true
		if p, steps, ok := memberPath(x); ok {
			v.paths = append(v.paths, chainPath{node: x, path: p, steps: steps})
		} else { // a computed member: assume the whole event, either one
			v.paths = append(v.paths, chainPath{node: x}, chainPath{node: x, steps: true})
		}
	case *ast.ChainNode:
		v.inner[x.Node] = true
		if m, ok := x.Node.(*ast.MemberNode); ok {
			if p, steps, ok := memberPath(m); ok {
				v.paths = append(v.paths, chainPath{node: x, path: p, steps: steps})
			}
		}
	}
}

// memberPath returns the dotted path of a member chain, relative to the
// event it starts from (the current one, or steps[i]).
func memberPath(m *ast.MemberNode) (path string, steps, ok bool) {
	var parts []string
	var n ast.Node = m
	for {
		switch x := n.(type) {
		case *ast.ChainNode:
			n = x.Node
			continue
		case *ast.MemberNode:
			if id, isID := x.Node.(*ast.IdentifierNode); isID && id.Value == "steps" {
				slices.Reverse(parts)
				return strings.Join(parts, "."), true, true
			}
			s, isStr := x.Property.(*ast.StringNode)
			if !isStr {
				return "", false, false
			}
			parts = append(parts, s.Value)
			n = x.Node
			continue
		case *ast.IdentifierNode:
			if x.Value == "steps" {
				return "", true, true
			}
			parts = append(parts, x.Value)
			slices.Reverse(parts)
			return strings.Join(parts, "."), false, true
		}
		return "", false, false
	}
}
