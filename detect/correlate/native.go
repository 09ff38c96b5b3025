package correlate

import (
	"slices"

	"github.com/expr-lang/expr/ast"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// pred is a condition, or part of one, evaluated without the expr VM.
type pred func(*event.Event) bool

// nativePred compiles a condition made only of comparisons of string fields
// with constants (field == "x", field != "x", field in ["x", "y"], a named
// list), joined by &&, || and !, into a pred with the same result. Most
// correlation filters and steps have this shape; evaluating them natively
// saves the VM run and the allocations of boxing each field read. ok is
// false when n has any other part.
func nativePred(n ast.Node) (p pred, ok bool) {
	switch x := n.(type) {
	case *ast.BoolNode:
		v := x.Value
		return func(*event.Event) bool { return v }, true
	case *ast.UnaryNode:
		if x.Operator != "!" && x.Operator != "not" {
			return nil, false
		}
		in, ok := nativePred(x.Node)
		if !ok {
			return nil, false
		}
		return func(e *event.Event) bool { return !in(e) }, true
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "and", "||", "or":
			l, ok := nativePred(x.Left)
			if !ok {
				return nil, false
			}
			r, ok := nativePred(x.Right)
			if !ok {
				return nil, false
			}
			if x.Operator == "&&" || x.Operator == "and" {
				return func(e *event.Event) bool { return l(e) && r(e) }, true
			}
			return func(e *event.Event) bool { return l(e) || r(e) }, true
		case "==", "!=":
			get, s, ok := fieldAndString(x.Left, x.Right)
			if !ok {
				get, s, ok = fieldAndString(x.Right, x.Left)
			}
			if !ok {
				return nil, false
			}
			if x.Operator == "==" {
				return func(e *event.Event) bool { return get(e) == s }, true
			}
			return func(e *event.Event) bool { return get(e) != s }, true
		case "in":
			get := fieldPath(x.Left)
			if get == nil {
				return nil, false
			}
			set, ok := constSet(x.Right)
			if !ok {
				return nil, false
			}
			if len(set) <= 8 {
				list := make([]string, 0, len(set))
				for k := range set {
					list = append(list, k)
				}
				slices.Sort(list)
				return func(e *event.Event) bool { return slices.Contains(list, get(e)) }, true
			}
			return func(e *event.Event) bool { _, ok := set[get(e)]; return ok }, true
		}
	}
	return nil, false
}

func fieldAndString(f, s ast.Node) (func(*event.Event) string, string, bool) {
	get := fieldPath(f)
	if get == nil {
		return nil, "", false
	}
	switch c := s.(type) {
	case *ast.StringNode:
		return get, c.Value, true
	case *ast.ConstantNode:
		if v, ok := c.Value.(string); ok {
			return get, v, true
		}
	}
	return nil, "", false
}

// fieldPath returns the reader of a string field access (mcp.server.name,
// mcp?.server.name), or nil.
func fieldPath(n ast.Node) func(*event.Event) string {
	path, ok := rules.FieldPath(n)
	if !ok {
		return nil
	}
	return stringField(path)
}

// constSet returns the strings of a constant list.
func constSet(n ast.Node) (map[string]struct{}, bool) {
	set := map[string]struct{}{}
	switch c := n.(type) {
	case *ast.ArrayNode:
		for _, e := range c.Nodes {
			s, ok := e.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			set[s.Value] = struct{}{}
		}
		return set, true
	case *ast.ConstantNode:
		switch v := c.Value.(type) {
		case map[string]struct{}:
			for k := range v {
				set[k] = struct{}{}
			}
			return set, true
		case []string:
			for _, s := range v {
				set[s] = struct{}{}
			}
			return set, true
		case []any:
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				set[s] = struct{}{}
			}
			return set, true
		}
	}
	return nil, false
}

// Native prepares c for evaluation without the VM where it can (see
// nativePred). When all of c compiles natively, full is c itself: its
// result is the condition's. Otherwise pre, when not nil, checks the native
// conjuncts of c's top-level &&: false means c is certainly false for the
// event (true says nothing). Both are nil when c has no native part.
func Native(c *rules.Condition) (full, pre func(*event.Event) bool) {
	k := newCond(c)
	switch {
	case k == nil:
		return nil, nil
	case k.native != nil:
		return k.native, nil
	case len(k.pre) > 0:
		return nil, k.admits
	}
	return nil, nil
}
