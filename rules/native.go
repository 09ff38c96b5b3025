package rules

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// Native evaluation.
//
// The expr VM reads every event field through reflection and boxes each
// value it pushes on its stack; on this workload that is most of the cost of
// a simple condition. After expr has parsed, expanded, patched, type-checked
// and optimized an expression, nativeCompile turns its final tree into a
// tree of Go closures of known result type: a field read is one load at an
// offset found at load, a comparison of two strings is a Go comparison, a
// helper call goes straight to its implementation. Whatever it does not
// know it leaves to the VM: an expression is either compiled natively as a
// whole or run by the VM as before. Operations on values of unknown type
// call expr's own runtime (runtime.Equal, runtime.In, builtin functions), so
// the results are the VM's; TestNativeMatchesVM and FuzzNative check that
// over the built-in pack, the rule tests and random events.
//
// Calls of costly helpers whose arguments depend only on the event are
// numbered across the rule set and their values kept for the event in a
// Cache (cache.go).

// kind is the Go type a compiled node yields.
type kind uint8

const (
	kAny   kind = iota // any value, boxed as the VM has it
	kBool              // bool
	kStr               // string
	kInt               // int
	kFloat             // float64
	kStrs              // []string (event.Strings when named)
	kEnts              // []event.Entity
	kSet               // a constant set of strings, the right side of in
	kConst             // a constant prepared at load (*foldList, *matcher, ...)
)

// value is a value of any kind, as let variables and the Cache keep them.
type value struct {
	a any
	s string
	l []string
	f float64
	i int
	b bool
}

// code is a compiled node: the closure of its kind, and a boxing closure
// for every kind.
type code struct {
	k     kind
	named bool // kStrs: the value's type is event.Strings
	b     func(*Env) bool
	s     func(*Env) string
	i     func(*Env) int
	f     func(*Env) float64
	l     func(*Env) []string
	e     func(*Env) []event.Entity
	a     func(*Env) any
	// set is the constant of kSet; cv the constant of kConst.
	set map[string]struct{}
	cv  any
	// parts, for a chain of string +, are its operands: a consumer that
	// streams them (sha256) need not build the string.
	parts []func(*Env) string
	// json, for tojson, is its argument; pieces, for a chain of string +,
	// are its operands so: sha256 then appends them to a buffer on the
	// stack and hashes it, without a string for each.
	json   func(*Env) any
	pieces []piece
	// lit, for a map literal, lets arg_text walk its values without
	// building and sorting the map.
	lit *mapLit
	// str, for a string field of the event or of a predicate's entity,
	// is where it is: a comparison with a constant then loads it itself,
	// one closure call where reading it would be another.
	str *field
	// konst is set for a constant string, with its value in cs.
	konst bool
	cs    string
	// fb is str's base.
	fb base
	// safe is set when evaluating the code cannot fail (panic) for an
	// Env with an event, and cost then estimates what it takes: operands
	// of && and || that are safe may run in any order (see logic).
	safe bool
	cost int
	// key is the canonical text of the node when its value depends only on
	// the event, and "" otherwise (it uses steps, state, or a predicate's
	// element): equal keys mean equal values for one event.
	key string
}

// native is a natively compiled expression.
type native struct {
	root code
	vars int // let variables
}

// errNoEvent is the panic of a field read with no event in the Env.
var errNoEvent = errors.New("no event to read a field of")

// run evaluates n for env, turning a panic (an index out of range, a value
// of the wrong type) into an error as the VM does.
func (n *native) run(env *Env, f func(*Env)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("evaluating: %w", e)
			} else {
				err = fmt.Errorf("evaluating: %v", r)
			}
		}
	}()
	if cap(env.x.vars) < n.vars {
		env.x.vars = make([]value, n.vars)
	}
	env.x.vars = env.x.vars[:n.vars]
	f(env)
	return nil
}

// evalBool evaluates a boolean expression.
func (n *native) evalBool(env *Env) (out bool, err error) {
	err = n.run(env, func(env *Env) { out = n.root.b(env) })
	return out, err
}

// evalAny evaluates an expression to its value, boxed.
func (n *native) evalAny(env *Env) (out any, err error) {
	err = n.run(env, func(env *Env) { out = n.root.a(env) })
	return out, err
}

// evalText evaluates an expression to its key text (keyText).
func (n *native) evalText(env *Env) (out string, err error) {
	if n.root.k == kStr {
		err = n.run(env, func(env *Env) { out = n.root.s(env) })
		return out, err
	}
	err = n.run(env, func(env *Env) { out = keyText(n.root.a(env)) })
	return out, err
}

// scratch is what native evaluation keeps in an Env between calls: let
// variables and the element of the innermost predicate.
type scratch struct {
	vars []value
	ent  *event.Entity
	str  string
	elem any
}

// nativeCompiler compiles one expression.
type nativeCompiler struct {
	slots map[string]int // cache slots of the load, by key
	scope []nvar         // let variables in scope, innermost last
	nvars int
	elems []kind // element kinds of the enclosing predicates
}

type nvar struct {
	name string
	slot int
	c    code // what the variable holds (its closures read the slot)
}

// errNative reports a node nativeCompile does not compile; the VM runs the
// expression.
type errNative struct{ what string }

func (e *errNative) Error() string { return "not compiled natively: " + e.what }

func unsupported(format string, args ...any) { panic(&errNative{fmt.Sprintf(format, args...)}) }

// nativeCompile compiles the checked and optimized tree n. It returns nil,
// and the reason, when some part of n is not supported.
func nativeCompile(n ast.Node, slots map[string]int) (out *native, err error) {
	nc := &nativeCompiler{slots: slots}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*errNative)
			if !ok {
				panic(r)
			}
			out, err = nil, e
		}
	}()
	root := nc.compile(n)
	return &native{root: root, vars: nc.nvars}, nil
}

func (nc *nativeCompiler) compile(n ast.Node) code {
	switch x := n.(type) {
	case *ast.NilNode:
		return constCode(nil, "nil")
	case *ast.BoolNode:
		return constCode(x.Value, strconv.FormatBool(x.Value))
	case *ast.IntegerNode:
		return constCode(x.Value, strconv.Itoa(x.Value))
	case *ast.FloatNode:
		return constCode(x.Value, strconv.FormatFloat(x.Value, 'g', -1, 64))
	case *ast.StringNode:
		return constCode(x.Value, strconv.Quote(x.Value))
	case *ast.ConstantNode:
		return nc.constant(x)
	case *ast.ArrayNode:
		return nc.array(x)
	case *ast.MapNode:
		return nc.mapNode(x)
	case *ast.IdentifierNode, *ast.MemberNode, *ast.PointerNode:
		return nc.access(n)
	case *ast.ChainNode:
		return nc.compile(x.Node)
	case *ast.UnaryNode:
		return nc.unary(x)
	case *ast.BinaryNode:
		return nc.binary(x)
	case *ast.ConditionalNode:
		return nc.conditional(x)
	case *ast.VariableDeclaratorNode:
		return nc.let(x)
	case *ast.BuiltinNode:
		return nc.builtinCall(x)
	case *ast.CallNode:
		return nc.call(x)
	}
	unsupported("%T", n)
	return code{}
}

// constCode is the code of a constant.
func constCode(v any, key string) code {
	c := code{k: kAny, key: key, safe: true}
	switch x := v.(type) {
	case bool:
		c.k, c.b = kBool, func(*Env) bool { return x }
	case string:
		c.k, c.s = kStr, func(*Env) string { return x }
		c.konst, c.cs = true, x
	case int:
		c.k, c.i = kInt, func(*Env) int { return x }
	case float64:
		c.k, c.f = kFloat, func(*Env) float64 { return x }
	}
	c.a = func(*Env) any { return v }
	return c
}

func (nc *nativeCompiler) constant(x *ast.ConstantNode) code {
	switch v := x.Value.(type) {
	case map[string]struct{}:
		keys := slices.Sorted(maps.Keys(v))
		return code{k: kSet, set: v, a: func(*Env) any { return v }, key: "set" + fmt.Sprint(keys), safe: true}
	case *foldList, *matcher, *jsonPath, *stringSet, *domainSet, *prefixSet:
		return code{k: kConst, cv: v, a: func(*Env) any { return v }, key: fmt.Sprintf("const(%p)", v), safe: true}
	case string, bool, int, float64, nil:
		return constCode(v, fmt.Sprintf("%#v", v))
	}
	// A constant folded by the optimizer ([1, 2], a map): the VM pushes
	// this very value too.
	v := x.Value
	return code{k: kAny, a: func(*Env) any { return v }, key: fmt.Sprintf("const(%T%v)", v, v)}
}

// array builds a []any per evaluation, as the VM does.
func (nc *nativeCompiler) array(x *ast.ArrayNode) code {
	elems := make([]code, len(x.Nodes))
	keys := make([]string, len(x.Nodes))
	for i, n := range x.Nodes {
		elems[i] = nc.compile(n)
		keys[i] = elems[i].key
	}
	return anyCode(func(env *Env) any {
		out := make([]any, len(elems))
		for i := range elems {
			out[i] = elems[i].a(env)
		}
		return out
	}, joinKey("array", keys))
}

// mapNode builds a map[string]any per evaluation, as the VM does.
func (nc *nativeCompiler) mapNode(x *ast.MapNode) code {
	type pair struct {
		k string
		v code
	}
	pairs := make([]pair, len(x.Pairs))
	keys := make([]string, len(x.Pairs))
	for i, p := range x.Pairs {
		pn, ok := p.(*ast.PairNode)
		if !ok {
			unsupported("map entry %T", p)
		}
		k, ok := pn.Key.(*ast.StringNode)
		if !ok {
			unsupported("map key %T", pn.Key)
		}
		pairs[i] = pair{k.Value, nc.compile(pn.Value)}
		keys[i] = pairs[i].v.key
		if keys[i] != "" {
			keys[i] = strconv.Quote(k.Value) + ":" + keys[i]
		}
	}
	c := anyCode(func(env *Env) any {
		var vbuf [16]any
		vals := vbuf[:0]
		for _, p := range pairs {
			vals = append(vals, p.v.a(env))
		}
		// Of a repeated key, the VM keeps the first value: it stores
		// the pairs from the last.
		m := make(map[string]any, len(pairs))
		for i := len(pairs) - 1; i >= 0; i-- {
			m[pairs[i].k] = vals[i]
		}
		return m
	}, joinKey("map", keys))
	lit := &mapLit{vals: make([]func(*Env) any, len(pairs))}
	order := make([]int, len(pairs))
	for i, p := range pairs {
		lit.vals[i] = p.v.a
		order[i] = i
	}
	// The map's entries in key order: a stable sort keeps a repeated key's
	// values in source order, and the map keeps the first.
	slices.SortStableFunc(order, func(i, j int) int { return strings.Compare(pairs[i].k, pairs[j].k) })
	for n, i := range order {
		if n == 0 || pairs[order[n-1]].k != pairs[i].k {
			lit.walk = append(lit.walk, i)
		}
	}
	c.lit = lit
	return c
}

// piece is an operand of a chain of string +: a string, or the value whose
// canonical JSON (tojson) it is.
type piece struct {
	s    func(*Env) string
	json func(*Env) any
}

// appendPieces appends the text of ps to b.
func appendPieces(env *Env, b []byte, ps []piece) []byte {
	for _, p := range ps {
		if p.json == nil {
			b = append(b, p.s(env)...)
			continue
		}
		v := p.json(env)
		if out, ok := appendJSON(b, v); ok {
			b = out
		} else {
			b = append(b, encodingJSON(v)...)
		}
	}
	return b
}

// mapLit is a map literal as arg_text reads it: the closures of its values
// in source order, the order the VM evaluates them in, and the indexes of
// the values the map keeps, in key order, the order walkStrings visits them.
type mapLit struct {
	vals []func(*Env) any
	walk []int
}

// joinKey is the key of an operation on values with keys args: "" when one
// of them is "" (not event-pure).
func joinKey(op string, args []string) string {
	if slices.Contains(args, "") {
		return ""
	}
	return op + "(" + strings.Join(args, ",") + ")"
}

func anyCode(f func(*Env) any, key string) code { return code{k: kAny, a: f, key: key} }

func boolCode(f func(*Env) bool, key string) code {
	return code{k: kBool, b: f, a: func(env *Env) any { return f(env) }, key: key}
}

func strCode(f func(*Env) string, key string) code {
	return code{k: kStr, s: f, a: func(env *Env) any { return f(env) }, key: key}
}

func intCode(f func(*Env) int, key string) code {
	return code{k: kInt, i: f, a: func(env *Env) any { return f(env) }, key: key}
}

func floatCode(f func(*Env) float64, key string) code {
	return code{k: kFloat, f: f, a: func(env *Env) any { return f(env) }, key: key}
}

func strsCode(f func(*Env) []string, named bool, key string) code {
	c := code{k: kStrs, l: f, named: named, key: key}
	if named {
		c.a = func(env *Env) any { return event.Strings(f(env)) }
	} else {
		c.a = func(env *Env) any { return f(env) }
	}
	return c
}

// asBool returns c as a boolean closure. A value of another type is an
// error at run time, as in the VM.
func asBool(c code) func(*Env) bool {
	if c.k == kBool {
		return c.b
	}
	return assert[bool](c.a)
}

// asString returns c as a string closure, or nil when c is not a string.
func asString(c code) func(*Env) string {
	if c.k == kStr {
		return c.s
	}
	return nil
}

// number returns c as a float64 closure when it is a number.
func number(c code) (func(*Env) float64, bool) {
	switch c.k {
	case kFloat:
		return c.f, true
	case kInt:
		i := c.i
		return func(env *Env) float64 { return float64(i(env)) }, true
	}
	return nil, false
}

// derefed returns the boxing closure of c with expr's dereference of
// pointers and interfaces applied, as the VM does for the operands of
// operators (compiler.derefInNeeded).
func derefed(c code, n ast.Node) func(*Env) any {
	if n.Nature().Nil {
		return c.a
	}
	t := n.Type()
	if t == nil || (t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface) {
		return c.a
	}
	a := c.a
	return func(env *Env) any { return deref(a(env)) }
}

// deref is expr's deref.Interface: pointers and interfaces followed to
// their value, nil for a nil one.
func deref(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string, bool, int, int64, float64, []any, map[string]any, []string, event.Strings:
		return v
	case *bool: // the MCP hints and mcp.auth.audience_valid
		if x == nil {
			return nil
		}
		return *x
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.IsValid() {
		return rv.Interface()
	}
	panic(fmt.Sprintf("cannot dereference %v", v))
}

func (nc *nativeCompiler) unary(x *ast.UnaryNode) code {
	in := nc.compile(x.Node)
	switch x.Operator {
	case "!", "not":
		b := asBool(code{k: in.k, b: in.b, a: derefed(in, x.Node)})
		return pure(boolCode(func(env *Env) bool { return !b(env) }, joinKey("!", []string{in.key})), in.k == kBool, 0, in)
	case "+":
		return in
	case "-":
		a := derefed(in, x.Node)
		return anyCode(func(env *Env) any { return runtime.Negate(a(env)) }, joinKey("-", []string{in.key}))
	}
	unsupported("unary %s", x.Operator)
	return code{}
}

func (nc *nativeCompiler) conditional(x *ast.ConditionalNode) code {
	cond := nc.compile(x.Cond)
	c := asBool(code{k: cond.k, b: cond.b, a: derefed(cond, x.Cond)})
	t, f := nc.compile(x.Exp1), nc.compile(x.Exp2)
	key := joinKey("if", []string{cond.key, t.key, f.key})
	switch {
	case t.k == kStr && f.k == kStr:
		ts, fs := t.s, f.s
		return pure(strCode(func(env *Env) string {
			if c(env) {
				return ts(env)
			}
			return fs(env)
		}, key), cond.k == kBool, 1, cond, t, f)
	case t.k == kBool && f.k == kBool:
		tb, fb := t.b, f.b
		return pure(boolCode(func(env *Env) bool {
			if c(env) {
				return tb(env)
			}
			return fb(env)
		}, key), cond.k == kBool, 1, cond, t, f)
	}
	ta, fa := t.a, f.a
	return anyCode(func(env *Env) any {
		if c(env) {
			return ta(env)
		}
		return fa(env)
	}, key)
}

// let compiles let name = value; expr. The value is computed once, before
// expr, into a variable slot.
func (nc *nativeCompiler) let(x *ast.VariableDeclaratorNode) code {
	val := nc.compile(x.Value)
	if strings.Contains(val.key, "(") {
		// Not a plain field or constant: rules that bind the same value
		// (through one macro) compute it once per event.
		val = nc.cached(val)
	}
	slot := nc.nvars
	nc.nvars++
	vo, _ := opsOf(val.k) // a constant is bound as a value of any type
	store, read := vo.bind(val, slot)
	read = pure(read, true, 1) // the let has stored it
	nc.scope = append(nc.scope, nvar{name: x.Name, slot: slot, c: read})
	body := nc.compile(x.Expr)
	nc.scope = nc.scope[:len(nc.scope)-1]
	bo, ok := opsOf(body.k)
	if !ok {
		unsupported("let yielding a constant")
	}
	return pure(bo.after(body, store), true, 1, val, body)
}

// kindOps gives generic code access to the closure of one kind and to its
// place in a value.
type kindOps[T any] struct {
	fn   func(c *code) func(*Env) T
	code func(f func(*Env) T, like code) code // a code of the kind, with like's key
	load func(v *value) T
	wrap func(x T) value
}

var (
	boolOps = kindOps[bool]{
		fn:   func(c *code) func(*Env) bool { return c.b },
		code: func(f func(*Env) bool, like code) code { return boolCode(f, like.key) },
		load: func(v *value) bool { return v.b },
		wrap: func(x bool) value { return value{b: x} },
	}
	strOps = kindOps[string]{
		fn:   func(c *code) func(*Env) string { return c.s },
		code: func(f func(*Env) string, like code) code { return strCode(f, like.key) },
		load: func(v *value) string { return v.s },
		wrap: func(x string) value { return value{s: x} },
	}
	intOps = kindOps[int]{
		fn:   func(c *code) func(*Env) int { return c.i },
		code: func(f func(*Env) int, like code) code { return intCode(f, like.key) },
		load: func(v *value) int { return v.i },
		wrap: func(x int) value { return value{i: x} },
	}
	floatOps = kindOps[float64]{
		fn:   func(c *code) func(*Env) float64 { return c.f },
		code: func(f func(*Env) float64, like code) code { return floatCode(f, like.key) },
		load: func(v *value) float64 { return v.f },
		wrap: func(x float64) value { return value{f: x} },
	}
	strsOps = kindOps[[]string]{
		fn:   func(c *code) func(*Env) []string { return c.l },
		code: func(f func(*Env) []string, like code) code { return strsCode(f, like.named, like.key) },
		load: func(v *value) []string { return v.l },
		wrap: func(x []string) value { return value{l: x} },
	}
	entsOps = kindOps[[]event.Entity]{
		fn: func(c *code) func(*Env) []event.Entity { return c.e },
		code: func(f func(*Env) []event.Entity, like code) code {
			return code{k: kEnts, e: f, a: func(env *Env) any { return f(env) }, key: like.key}
		},
		load: func(v *value) []event.Entity { e, _ := v.a.([]event.Entity); return e },
		wrap: func(x []event.Entity) value { return value{a: x} },
	}
	anyOps = kindOps[any]{
		fn:   func(c *code) func(*Env) any { return c.a },
		code: func(f func(*Env) any, like code) code { return anyCode(f, like.key) },
		load: func(v *value) any { return v.a },
		wrap: func(x any) value { return value{a: x} },
	}
)

// ops are the operations on codes that depend on their kind only through
// the closure they use: kindOps[T] implements them once for every kind.
type ops interface {
	// bind returns how to store val in variable slot, and the code that
	// reads the variable (its key is val's: equal values for one event).
	bind(val code, slot int) (store func(*Env), read code)
	// after returns body's code with before run first.
	after(body code, before func(*Env)) code
	// cache returns c's code looking its value up in Cache slot id first.
	cache(c code, id int) code
}

// opsOf returns the operations of kind k; ok is false for the constants
// (kSet, kConst), which have no closure of their own (anyOps then boxes).
func opsOf(k kind) (o ops, ok bool) {
	switch k {
	case kBool:
		return boolOps, true
	case kStr:
		return strOps, true
	case kInt:
		return intOps, true
	case kFloat:
		return floatOps, true
	case kStrs:
		return strsOps, true
	case kEnts:
		return entsOps, true
	case kAny:
		return anyOps, true
	}
	return anyOps, false
}

func (o kindOps[T]) bind(val code, slot int) (store func(*Env), read code) {
	f := o.fn(&val)
	store = func(env *Env) { env.x.vars[slot] = o.wrap(f(env)) }
	read = o.code(func(env *Env) T { return o.load(&env.x.vars[slot]) }, val)
	return store, read
}

func (o kindOps[T]) after(body code, before func(*Env)) code {
	f := o.fn(&body)
	return o.code(func(env *Env) T { before(env); return f(env) }, body)
}

func (o kindOps[T]) cache(c code, id int) code {
	f := o.fn(&c)
	return o.code(func(env *Env) T {
		if v, ok := env.cache.get(env, id); ok {
			return o.load(v)
		}
		x := f(env)
		env.cache.put(env, id, o.wrap(x))
		return x
	}, c)
}

func (nc *nativeCompiler) variable(name string) (nvar, bool) {
	for i := len(nc.scope) - 1; i >= 0; i-- {
		if nc.scope[i].name == name {
			return nc.scope[i], true
		}
	}
	return nvar{}, false
}

// access compiles identifiers, member accesses and predicate pointers.
func (nc *nativeCompiler) access(n ast.Node) code {
	// A path of properties down to an identifier or a pointer.
	var props []string
	cur := n
	for {
		m, ok := cur.(*ast.MemberNode)
		if !ok {
			break
		}
		if m.Method {
			unsupported("method call")
		}
		s, ok := m.Property.(*ast.StringNode)
		if !ok {
			break
		}
		if m.Optional {
			unsupported("optional member")
		}
		props = append(props, s.Value)
		cur = m.Node
	}
	slices.Reverse(props)
	switch root := cur.(type) {
	case *ast.IdentifierNode:
		if v, ok := nc.variable(root.Value); ok {
			return fetch(v.c, props)
		}
		switch root.Value {
		case "steps":
			if len(props) > 0 {
				unsupported("steps.%s", props[0])
			}
			return anyCode(func(env *Env) any { return env.Steps }, "")
		case "state":
			return nc.stateField(props)
		case "$env":
			unsupported("$env")
		}
		path := append([]string{root.Value}, props...)
		return eventFieldCode(base{kind: onEvent}, path, strings.Join(path, "."))
	case *ast.MemberNode:
		// steps[i].path, or an index into a value of any type.
		if id, ok := root.Node.(*ast.IdentifierNode); ok && id.Value == "steps" && !root.Optional {
			idx, ok := root.Property.(*ast.IntegerNode)
			if _, isVar := nc.variable("steps"); ok && !isVar && idx.Value >= 0 && len(props) > 0 {
				return eventFieldCode(base{kind: onStep, step: idx.Value}, props, "")
			}
		}
		if root.Optional || root.Method {
			unsupported("optional member or method")
		}
		from, prop := nc.compile(root.Node), nc.compile(root.Property)
		fa, pa := from.a, prop.a
		c := anyCode(func(env *Env) any { return runtime.Fetch(fa(env), pa(env)) }, joinKey("index", []string{from.key, prop.key}))
		return fetch(c, props)
	case *ast.PointerNode:
		if root.Name != "" || len(nc.elems) == 0 {
			unsupported("pointer #%s", root.Name)
		}
		switch nc.elems[len(nc.elems)-1] {
		case kStr:
			if len(props) > 0 {
				unsupported("member of a string element")
			}
			return strCode(func(env *Env) string { return env.x.str }, "")
		case kEnts:
			if len(props) == 0 {
				return anyCode(func(env *Env) any { return *env.x.ent }, "")
			}
			f, ok := lookupField(reflect.TypeFor[event.Entity](), props)
			if !ok {
				unsupported("entity field %v", props)
			}
			return fieldCode(base{kind: onEntity}, f, "")
		default:
			return fetch(anyCode(func(env *Env) any { return env.x.elem }, ""), props)
		}
	}
	unsupported("access to %T", n)
	return code{}
}

// fetch reads props, if any, from a value of any type with runtime.Fetch,
// as the VM does for values it cannot resolve at compile time.
func fetch(from code, props []string) code {
	if len(props) == 0 {
		return from
	}
	a := from.a
	key := from.key
	if key != "" {
		key += "." + strings.Join(props, ".")
	}
	return anyCode(func(env *Env) any {
		v := a(env)
		for _, p := range props {
			v = runtime.Fetch(v, p)
		}
		return v
	}, key)
}

// base says which struct of the Env a field is read from.
type base struct {
	kind baseKind
	step int // onStep: the index in Steps
}

type baseKind uint8

const (
	onEvent  baseKind = iota // Env.Event
	onStep                   // Env.Steps[step]
	onEntity                 // the entity of the innermost predicate
	onState                  // Env.State
)

// eventPtr is e as a pointer to read fields at; a missing event (no event
// in the Env, a not step) fails the evaluation as it does in the VM.
func eventPtr(e *event.Event) unsafe.Pointer {
	if e == nil {
		panic(errNoEvent)
	}
	return unsafe.Pointer(e)
}

// reader returns a reader of the T at offset off of b's struct.
func reader[T any](b base, off uintptr) func(*Env) T {
	addr := addrOf(b, off)
	return func(env *Env) T { return *(*T)(addr(env)) }
}

// eventFieldCode reads path from b's event; key is the code's key: the
// path for the current event, "" for a step's. A path that goes on inside
// a map (labels.team) reads the rest with runtime.Fetch.
func eventFieldCode(b base, path []string, key string) code {
	n := len(path)
	f, ok := lookupField(reflect.TypeFor[event.Event](), path)
	for !ok && n > 1 {
		n--
		if f, ok = lookupField(reflect.TypeFor[event.Event](), path[:n]); ok && f.typ.Kind() == reflect.Struct {
			ok = false // a struct has no such field: not a map to fetch from
		}
	}
	if !ok {
		unsupported("event field %s", strings.Join(path, "."))
	}
	if n < len(path) {
		prefix := ""
		if key != "" {
			prefix = strings.Join(path[:n], ".")
		}
		return fetch(eventFieldCode(b, path[:n], prefix), path[n:])
	}
	return fieldCode(b, f, key)
}

// fieldCode reads the field f of b's struct: a read of the event or of a
// predicate's entity is safe (a read of a step fails when there is no such
// step).
func fieldCode(b base, f field, key string) code {
	c := fieldRead(b, f, key)
	c.safe, c.cost = b.kind == onEvent || b.kind == onEntity, 1
	return c
}

func fieldRead(b base, f field, key string) code {
	switch f.typ {
	case reflect.TypeFor[string]():
		c := strCode(reader[string](b, f.off), key)
		if b.kind == onEvent || b.kind == onEntity {
			c.str, c.fb = &f, b
		}
		return c
	case reflect.TypeFor[bool]():
		return boolCode(reader[bool](b, f.off), key)
	case reflect.TypeFor[int]():
		return intCode(reader[int](b, f.off), key)
	case reflect.TypeFor[float64]():
		return floatCode(reader[float64](b, f.off), key)
	case reflect.TypeFor[[]string]():
		return strsCode(reader[[]string](b, f.off), false, key)
	case reflect.TypeFor[event.Strings]():
		get := reader[event.Strings](b, f.off)
		return strsCode(func(env *Env) []string { return get(env) }, true, key)
	case reflect.TypeFor[[]event.Entity]():
		return entsOps.code(reader[[]event.Entity](b, f.off), code{key: key})
	case reflect.TypeFor[map[string]any]():
		// Arguments, schemas: boxing a map is a pointer copy, without
		// the reflection of the general case below.
		get := reader[map[string]any](b, f.off)
		return anyCode(func(env *Env) any { return get(env) }, key)
	case reflect.TypeFor[map[string]string]():
		get := reader[map[string]string](b, f.off)
		return anyCode(func(env *Env) any { return get(env) }, key)
	case reflect.TypeFor[*bool]():
		get := reader[*bool](b, f.off)
		return anyCode(func(env *Env) any { return get(env) }, key)
	}
	// Any other type (time.Time, RequestID, ...), boxed with its
	// own type as the VM boxes it.
	t := f.typ
	addr := addrOf(b, f.off)
	return anyCode(func(env *Env) any { return reflect.NewAt(t, addr(env)).Elem().Interface() }, key)
}

// addrOf returns the address of the field at offset off of b's struct.
func addrOf(b base, off uintptr) func(*Env) unsafe.Pointer {
	switch b.kind {
	case onEvent:
		return func(env *Env) unsafe.Pointer { return unsafe.Add(eventPtr(env.Event), off) }
	case onStep:
		i := b.step
		return func(env *Env) unsafe.Pointer { return unsafe.Add(eventPtr(env.Steps[i]), off) }
	case onEntity:
		return func(env *Env) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(env.x.ent), off) }
	}
	return func(env *Env) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(&env.State), off) }
}

// stateField reads a field of the correlation state (reason templates).
func (nc *nativeCompiler) stateField(props []string) code {
	f, ok := lookupField(reflect.TypeFor[State](), props)
	if !ok {
		unsupported("state.%s", strings.Join(props, "."))
	}
	return fieldCode(base{kind: onState}, f, "")
}
