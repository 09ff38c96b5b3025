package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// conditionIndex finds the equality conjuncts on IndexFields at the top
// level of a condition (after macro and list expansion):
//
//	field == "x"    "x" == field    field in ["x", "y"]    in_list(field, ["x", "y"])
//
// joined by && (or and) at the top. It returns, for each field so
// constrained, the values one of which the field must equal for the
// condition to be true; nil when there are none. A field constrained twice
// gets the values both allow; when none are left the condition can never be
// true and that is an error. A condition with || (or a not) at its top has
// no index: nothing is certain of all its branches.
func conditionIndex(root ast.Node) (map[string][]string, error) {
	var idx map[string][]string
	for _, c := range conjuncts(root, nil) {
		name, values, ok := indexConjunct(c)
		if !ok {
			continue
		}
		values = dedupe(values)
		if idx == nil {
			idx = make(map[string][]string)
		}
		if prev, ok := idx[name]; ok {
			values = slices.DeleteFunc(values, func(v string) bool { return !slices.Contains(prev, v) })
		}
		if len(values) == 0 {
			return nil, fmt.Errorf("can never be true: %s cannot equal any value allowed by all of its conjuncts", name)
		}
		idx[name] = values
	}
	return idx, nil
}

// conjuncts appends the operands of the top-level && of n to out.
func conjuncts(n ast.Node, out []ast.Node) []ast.Node {
	if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
		out = conjuncts(b.Left, out)
		return conjuncts(b.Right, out)
	}
	return append(out, n)
}

// indexConjunct recognises one indexable conjunct.
func indexConjunct(n ast.Node) (string, []string, bool) {
	switch n := n.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "==":
			if name, ok := indexField(n.Left); ok {
				if s, ok := n.Right.(*ast.StringNode); ok {
					return name, []string{s.Value}, true
				}
			}
			if name, ok := indexField(n.Right); ok {
				if s, ok := n.Left.(*ast.StringNode); ok {
					return name, []string{s.Value}, true
				}
			}
		case "in":
			if name, ok := indexField(n.Left); ok {
				if arr, ok := n.Right.(*ast.ArrayNode); ok {
					if vals, ok := constStrings(arr); ok {
						return name, vals, true
					}
				}
			}
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "in_list" || len(n.Arguments) != 2 {
			break
		}
		if name, ok := indexField(n.Arguments[0]); ok {
			if arr, ok := n.Arguments[1].(*ast.ArrayNode); ok {
				if vals, ok := constStrings(arr); ok {
					return name, vals, true
				}
			}
		}
	}
	return "", nil, false
}

// indexField returns the dotted name of a field access if it is one of
// IndexFields.
func indexField(n ast.Node) (string, bool) {
	name, ok := FieldPath(n)
	return name, ok && slices.Contains(IndexFields, name)
}

// FieldPath returns the dotted name of a field access in a compiled
// condition's tree (gen_ai.tool.name, mcp["server"].name,
// mcp?.server.name), or false when n is not a plain field access.
func FieldPath(n ast.Node) (string, bool) {
	if c, ok := n.(*ast.ChainNode); ok {
		n = c.Node
	}
	var parts []string
	for {
		switch x := n.(type) {
		case *ast.MemberNode:
			s, ok := x.Property.(*ast.StringNode)
			if !ok || x.Method {
				return "", false
			}
			parts = append(parts, s.Value)
			n = x.Node
			continue
		case *ast.IdentifierNode:
			parts = append(parts, x.Value)
			slices.Reverse(parts)
			return strings.Join(parts, "."), true
		}
		return "", false
	}
}

func dedupe(vs []string) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
