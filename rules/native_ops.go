package rules

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/mcpsoc/mcpsoc/detect/content"
)

func (nc *nativeCompiler) binary(x *ast.BinaryNode) code {
	if x.Operator == "+" && isString(x.Left) && isString(x.Right) {
		return nc.concat(x)
	}
	switch x.Operator {
	case "&&", "and", "||", "or":
		return nc.logic(x)
	}
	l, r := nc.compile(x.Left), nc.compile(x.Right)
	key := joinKey(x.Operator, []string{l.key, r.key})
	la, ra := derefed(l, x.Left), derefed(r, x.Right)
	_, ln := number(l)
	_, rn := number(r)
	// typed: == on l and r is Go's, not expr's runtime.
	typed := l.k == r.k && (l.k == kStr || l.k == kBool) || ln && rn
	switch x.Operator {
	case "==", "!=":
		if f := fieldTest(l, r, x.Operator == "=="); f != nil {
			return pure(boolCode(f, key), true, 0, l, r)
		}
		eq := equal(l, r, la, ra)
		if x.Operator == "==" {
			return pure(boolCode(eq, key), typed, 1, l, r)
		}
		return pure(boolCode(func(env *Env) bool { return !eq(env) }, key), typed, 1, l, r)
	case "<", ">", "<=", ">=":
		return pure(boolCode(compare(x.Operator, l, r, la, ra), key), ln && rn, 1, l, r)
	case "+":
		if ls, rs := asString(l), asString(r); ls != nil && rs != nil {
			return strCode(func(env *Env) string { return ls(env) + rs(env) }, key)
		}
		if l.k == kInt && r.k == kInt {
			li, ri := l.i, r.i
			return intCode(func(env *Env) int { return li(env) + ri(env) }, key)
		}
		return anyCode(func(env *Env) any { return runtime.Add(la(env), ra(env)) }, key)
	case "-":
		return anyCode(func(env *Env) any { return runtime.Subtract(la(env), ra(env)) }, key)
	case "*":
		return anyCode(func(env *Env) any { return runtime.Multiply(la(env), ra(env)) }, key)
	case "/":
		return floatCode(func(env *Env) float64 { return runtime.Divide(la(env), ra(env)) }, key)
	case "%":
		return intCode(func(env *Env) int { return runtime.Modulo(la(env), ra(env)) }, key)
	case "in":
		c := pure(boolCode(in(l, r, la, ra), key), l.k == kStr && (r.k == kSet || r.k == kStrs), 2, l, r)
		if r.k == kSet && len(r.set) > 8 {
			// Macros check one field against one list in many rules
			// (gen_ai.tool.name in email_send_tools): a cache lookup is
			// cheaper than hashing the string again.
			c = nc.cached(c)
		}
		return c
	case "??":
		if l.k != kAny {
			return l // a typed value is never nil
		}
		return anyCode(func(env *Env) any {
			if v := la(env); !runtime.IsNil(v) {
				return v
			}
			return ra(env)
		}, key)
	case "contains", "startsWith", "endsWith":
		ls, rs := asString(l), asString(r)
		if ls == nil || rs == nil {
			break
		}
		f := strings.Contains
		switch x.Operator {
		case "startsWith":
			f = strings.HasPrefix
		case "endsWith":
			f = strings.HasSuffix
		}
		return pure(boolCode(func(env *Env) bool { return f(ls(env), rs(env)) }, key), true, 5, l, r)
	}
	unsupported("operator %s on %v and %v", x.Operator, x.Left.Type(), x.Right.Type())
	return code{}
}

// logic compiles a chain of && (or of ||): a && b && c is one closure over
// its operands. Evaluation is left to right, as in the VM, except that a
// run of consecutive operands that are safe (cannot fail, see code.safe)
// is evaluated cheapest first: within such a run neither the result nor
// whether later operands run depends on the order, and the cheap field
// tests then often spare a content scan or a regexp.
func (nc *nativeCompiler) logic(x *ast.BinaryNode) code {
	and := x.Operator == "&&" || x.Operator == "and"
	var ops []code
	var collect func(n ast.Node)
	collect = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok &&
			(b.Operator == "&&" || b.Operator == "and") == and && (b.Operator == "||" || b.Operator == "or") == !and {
			collect(b.Left)
			collect(b.Right)
			return
		}
		c := nc.compile(n)
		ops = append(ops, code{k: kBool, b: asBool(code{k: c.k, b: c.b, a: derefed(c, n)}), key: c.key, safe: c.safe && c.k == kBool, cost: c.cost})
	}
	collect(x)
	keys := make([]string, len(ops))
	for i, c := range ops {
		keys[i] = c.key
	}
	op := "||"
	if and {
		op = "&&"
	}
	key := joinKey(op, keys)
	for i := 0; i < len(ops); {
		j := i
		for j < len(ops) && ops[j].safe {
			j++
		}
		slices.SortStableFunc(ops[i:j], func(a, b code) int { return a.cost - b.cost })
		i = j + 1
	}
	fs := make([]func(*Env) bool, len(ops))
	for i, c := range ops {
		fs[i] = c.b
	}
	var f func(*Env) bool
	switch {
	case len(fs) == 2 && and:
		a, b := fs[0], fs[1]
		f = func(env *Env) bool { return a(env) && b(env) }
	case len(fs) == 2:
		a, b := fs[0], fs[1]
		f = func(env *Env) bool { return a(env) || b(env) }
	case len(fs) == 3 && and:
		a, b, c := fs[0], fs[1], fs[2]
		f = func(env *Env) bool { return a(env) && b(env) && c(env) }
	case len(fs) == 3:
		a, b, c := fs[0], fs[1], fs[2]
		f = func(env *Env) bool { return a(env) || b(env) || c(env) }
	default:
		// Any operand that decides the chain: false for &&, true for ||.
		f = func(env *Env) bool {
			for _, g := range fs {
				if g(env) != and {
					return !and
				}
			}
			return and
		}
	}
	return pure(boolCode(f, key), true, 0, ops...)
}

// isString reports whether the checker typed n as a string.
func isString(n ast.Node) bool { return n.Type() == reflect.TypeFor[string]() }

// concat compiles a chain of string +: a + "\n" + b + "\n" + c makes one
// string of the exact size rather than one per +.
func (nc *nativeCompiler) concat(x *ast.BinaryNode) code {
	var parts []func(*Env) string
	var keys []string
	var collect func(n ast.Node)
	var compiled []code
	collect = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok && b.Operator == "+" && isString(b.Left) && isString(b.Right) {
			collect(b.Left)
			collect(b.Right)
			return
		}
		c := nc.compile(n)
		compiled = append(compiled, c)
		keys = append(keys, c.key)
		if c.k == kStr {
			parts = append(parts, c.s)
			return
		}
		parts = append(parts, assert[string](c.a))
	}
	collect(x)
	key := joinKey("+", keys)
	strs := !slices.ContainsFunc(compiled, func(c code) bool { return c.k != kStr })
	pieces := make([]piece, len(parts))
	for i, c := range compiled {
		pieces[i] = piece{s: parts[i], json: c.json}
	}
	if len(parts) == 2 {
		a, b := parts[0], parts[1]
		c := pure(strCode(func(env *Env) string { return a(env) + b(env) }, key), strs, 10, compiled...)
		c.parts, c.pieces = parts, pieces
		return c
	}
	c := strCode(func(env *Env) string {
		var buf [8]string
		vals := buf[:0]
		n := 0
		for _, p := range parts {
			s := p(env)
			vals = append(vals, s)
			n += len(s)
		}
		var b strings.Builder
		b.Grow(n)
		for _, s := range vals {
			b.WriteString(s)
		}
		return b.String()
	}, key)
	c = pure(c, strs, 10, compiled...)
	c.parts, c.pieces = parts, pieces
	return c
}

// fieldTest compiles a string field == or != a constant string (want is
// true for ==) as one closure that loads the field; nil for other
// operands.
func fieldTest(l, r code, want bool) func(*Env) bool {
	if r.str != nil && l.konst {
		l, r = r, l
	}
	if l.str == nil || !r.konst {
		return nil
	}
	off, k := l.str.off, r.cs
	switch l.fb.kind {
	case onEvent:
		return func(env *Env) bool { return (*(*string)(unsafe.Add(eventPtr(env.Event), off)) == k) == want }
	case onEntity:
		return func(env *Env) bool { return (*(*string)(unsafe.Add(unsafe.Pointer(env.x.ent), off)) == k) == want }
	}
	return nil
}

// equal compiles ==.
func equal(l, r code, la, ra func(*Env) any) func(*Env) bool {
	switch {
	case l.k == kStr && r.k == kStr:
		ls, rs := l.s, r.s
		return func(env *Env) bool { return ls(env) == rs(env) }
	case l.k == kBool && r.k == kBool:
		lb, rb := l.b, r.b
		return func(env *Env) bool { return lb(env) == rb(env) }
	case l.k == kInt && r.k == kInt:
		li, ri := l.i, r.i
		return func(env *Env) bool { return li(env) == ri(env) }
	}
	if lf, ok := number(l); ok {
		if rf, ok := number(r); ok {
			return func(env *Env) bool { return lf(env) == rf(env) }
		}
	}
	return func(env *Env) bool { return runtime.Equal(la(env), ra(env)) }
}

// compare compiles <, >, <= and >=.
func compare(op string, l, r code, la, ra func(*Env) any) func(*Env) bool {
	if l.k == kInt && r.k == kInt {
		li, ri := l.i, r.i
		switch op {
		case "<":
			return func(env *Env) bool { return li(env) < ri(env) }
		case ">":
			return func(env *Env) bool { return li(env) > ri(env) }
		case "<=":
			return func(env *Env) bool { return li(env) <= ri(env) }
		default:
			return func(env *Env) bool { return li(env) >= ri(env) }
		}
	}
	if lf, ok := number(l); ok {
		if rf, ok := number(r); ok {
			switch op {
			case "<":
				return func(env *Env) bool { return lf(env) < rf(env) }
			case ">":
				return func(env *Env) bool { return lf(env) > rf(env) }
			case "<=":
				return func(env *Env) bool { return lf(env) <= rf(env) }
			default:
				return func(env *Env) bool { return lf(env) >= rf(env) }
			}
		}
	}
	f := runtime.Less
	switch op {
	case ">":
		f = runtime.More
	case "<=":
		f = runtime.LessOrEqual
	case ">=":
		f = runtime.MoreOrEqual
	}
	return func(env *Env) bool { return f(la(env), ra(env)) }
}

// in compiles the in operator.
func in(l, r code, la, ra func(*Env) any) func(*Env) bool {
	if ls := asString(l); ls != nil {
		switch r.k {
		case kSet:
			set := newStrSet(r.set)
			if l.str != nil {
				off := l.str.off
				switch l.fb.kind {
				case onEvent:
					return func(env *Env) bool { return set.has(*(*string)(unsafe.Add(eventPtr(env.Event), off))) }
				case onEntity:
					return func(env *Env) bool { return set.has(*(*string)(unsafe.Add(unsafe.Pointer(env.x.ent), off))) }
				}
			}
			return func(env *Env) bool { return set.has(ls(env)) }
		case kStrs:
			rl := r.l
			return func(env *Env) bool { return slices.Contains(rl(env), ls(env)) }
		}
	}
	return func(env *Env) bool { return runtime.In(la(env), ra(env)) }
}

// strSet is the constant set of strings on the right of in. Most strings
// tested are in no set: their length alone usually says so, without a
// comparison or a hash.
type strSet struct {
	lens uint64              // bit min(len, 63) is set for each member's length
	list []string            // the members, for a few
	m    map[string]struct{} // the members, for more
}

func newStrSet(m map[string]struct{}) *strSet {
	s := &strSet{}
	for k := range m {
		s.lens |= 1 << min(len(k), 63)
	}
	if len(m) <= 8 {
		s.list = slices.Sorted(maps.Keys(m))
	} else {
		s.m = m
	}
	return s
}

func (s *strSet) has(x string) bool {
	if s.lens&(1<<min(len(x), 63)) == 0 {
		return false
	}
	if s.m != nil {
		_, ok := s.m[x]
		return ok
	}
	return slices.Contains(s.list, x)
}

// builtinCall compiles a call of one of expr's builtins.
func (nc *nativeCompiler) builtinCall(x *ast.BuiltinNode) code {
	if x.Map != nil || x.Threshold != nil {
		unsupported("optimized %s", x.Name)
	}
	switch x.Name {
	case "len":
		if len(x.Arguments) != 1 {
			break
		}
		a := nc.compile(x.Arguments[0])
		key := joinKey("len", []string{a.key})
		switch a.k {
		case kStr:
			s := a.s
			return pure(intCode(func(env *Env) int { return len(s(env)) }, key), true, 0, a)
		case kStrs:
			l := a.l
			return pure(intCode(func(env *Env) int { return len(l(env)) }, key), true, 0, a)
		case kEnts:
			e := a.e
			return pure(intCode(func(env *Env) int { return len(e(env)) }, key), true, 0, a)
		}
		v := derefed(a, x.Arguments[0])
		return intCode(func(env *Env) int { return runtime.Len(v(env)) }, key)
	case "any", "all", "none":
		return nc.quantifier(x)
	}
	id, ok := builtin.Index[x.Name]
	if !ok {
		unsupported("builtin %s", x.Name)
	}
	f := builtin.Builtins[id]
	if f.Predicate {
		unsupported("builtin %s", x.Name)
	}
	args := make([]func(*Env) any, len(x.Arguments))
	keys := make([]string, len(x.Arguments))
	var strArg func(*Env) string
	var strc code
	for i, n := range x.Arguments {
		c := nc.compile(n)
		keys[i] = c.key
		args[i] = c.a
		t := n.Type()
		if t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface) && (f.Deref == nil || f.Deref(i, t)) {
			args[i] = derefed(c, n)
		}
		if i == 0 {
			strArg, strc = asString(c), c
		}
	}
	key := joinKey(x.Name, keys)
	switch {
	case x.Name == "lower" && strArg != nil && len(args) == 1:
		return pure(strCode(func(env *Env) string { return strings.ToLower(strArg(env)) }, key), true, 20, strc)
	case x.Name == "upper" && strArg != nil && len(args) == 1:
		return pure(strCode(func(env *Env) string { return strings.ToUpper(strArg(env)) }, key), true, 20, strc)
	}
	var call func(env *Env) any
	switch {
	case f.Fast != nil:
		if len(args) != 1 {
			unsupported("builtin %s", x.Name)
		}
		a := args[0]
		call = func(env *Env) any { return f.Fast(a(env)) }
	case f.Safe != nil:
		call = func(env *Env) any {
			out, _, err := f.Safe(evalArgs(env, args)...)
			if err != nil {
				panic(err)
			}
			return out
		}
	case f.Func != nil:
		call = func(env *Env) any {
			out, err := f.Func(evalArgs(env, args)...)
			if err != nil {
				panic(err)
			}
			return out
		}
	default:
		unsupported("builtin %s", x.Name)
	}
	return typed(call, x.Type(), key)
}

func evalArgs(env *Env, args []func(*Env) any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a(env)
	}
	return out
}

// typed returns the code of a call whose static result type is t.
func typed(call func(*Env) any, t reflect.Type, key string) code {
	switch t {
	case reflect.TypeFor[bool]():
		return boolCode(assert[bool](call), key)
	case reflect.TypeFor[string]():
		return strCode(assert[string](call), key)
	case reflect.TypeFor[float64]():
		return floatCode(assert[float64](call), key)
	}
	return anyCode(call, key)
}

// assert returns a as a closure of type T: a value of another type fails
// the evaluation, as it does in the VM.
func assert[T any](a func(*Env) any) func(*Env) T {
	return func(env *Env) T {
		v := a(env)
		x, ok := v.(T)
		if !ok {
			panic(fmt.Errorf("expected %T, got %T", x, v))
		}
		return x
	}
}

// quantifier compiles any, all and none over a list with a predicate.
func (nc *nativeCompiler) quantifier(x *ast.BuiltinNode) code {
	if len(x.Arguments) != 2 {
		unsupported("%s arguments", x.Name)
	}
	pred, ok := x.Arguments[1].(*ast.PredicateNode)
	if !ok {
		unsupported("%s without a predicate", x.Name)
	}
	list := nc.compile(x.Arguments[0])
	// any stops at the first true, all and none at the first element that
	// decides: found reports it, and what the result then is.
	stopOn, found := true, true
	switch x.Name {
	case "all":
		stopOn, found = false, false
	case "none":
		stopOn, found = true, false
	}
	elem := list.k
	if elem != kStrs && elem != kEnts {
		elem = kAny
	}
	if elem == kStrs {
		elem = kStr
	}
	nc.elems = append(nc.elems, elem)
	bc := nc.compile(pred.Node)
	body := asBool(bc)
	nc.elems = nc.elems[:len(nc.elems)-1]
	// An element is read for each of a few, typically.
	safe := bc.k == kBool && (list.k == kStrs || list.k == kEnts)
	bc.cost = 4*bc.cost + 4
	switch list.k {
	case kStrs:
		l := list.l
		return pure(boolCode(func(env *Env) bool {
			saved := env.x.str
			defer func() { env.x.str = saved }()
			for _, s := range l(env) {
				env.x.str = s
				if body(env) == stopOn {
					return found
				}
			}
			return !found
		}, ""), safe, 0, list, bc)
	case kEnts:
		l := list.e
		return pure(boolCode(func(env *Env) bool {
			saved := env.x.ent
			defer func() { env.x.ent = saved }()
			ents := l(env)
			for i := range ents {
				env.x.ent = &ents[i]
				if body(env) == stopOn {
					return found
				}
			}
			return !found
		}, ""), safe, 0, list, bc)
	}
	la := derefed(list, x.Arguments[0])
	return boolCode(func(env *Env) bool {
		saved := env.x.elem
		defer func() { env.x.elem = saved }()
		v := la(env)
		if l, ok := v.([]any); ok {
			for _, e := range l {
				env.x.elem = e
				if body(env) == stopOn {
					return found
				}
			}
			return !found
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			panic(fmt.Sprintf("cannot iterate over %T", v))
		}
		for i := range rv.Len() {
			env.x.elem = rv.Index(i).Interface()
			if body(env) == stopOn {
				return found
			}
		}
		return !found
	}, "")
}

// helperCost is the estimated cost of a helper called directly, in field
// reads, for ordering the operands of && and ||: matching text costs more
// than comparing it, and scoring it more again.
var helperCost = map[string]int{
	"icontains": 20, "istarts_with": 3, "iends_with": 3, "iequals": 3,
	"icontains_any": 40, "in_list": 3, "regex": 60, "glob": 60, "cidr_match": 10,
	"url_domain": 40, "email_domain": 10, "json_path": 10,
	"arg_text": 80, "tojson": 100, "arg_emails": 100,
	"injection_score": 300, "description_score": 300, "hidden_text": 100,
	"sha256": 200, "has_secret": 200,
}

// costly are the helpers whose values the Cache keeps for an event.
var costly = map[string]bool{
	"icontains": true, "icontains_any": true, "regex": true, "glob": true,
	"arg_text": true, "arg_urls": true, "arg_emails": true,
	"shares_text": true, "overlap": true,
	"injection_score": true, "injection_phrases": true, "description_score": true,
	"hidden_text": true, "base64_blob": true, "has_secret": true,
	"sha256": true, "tojson": true, "url_domain": true,
}

// call compiles a call of a helper function.
func (nc *nativeCompiler) call(x *ast.CallNode) code {
	id, ok := x.Callee.(*ast.IdentifierNode)
	if !ok {
		unsupported("call of %T", x.Callee)
	}
	if _, isVar := nc.variable(id.Value); isVar {
		unsupported("call of a variable")
	}
	i := slices.IndexFunc(helpers, func(h helper) bool { return h.name == id.Value })
	if i < 0 {
		unsupported("call of %s", id.Value)
	}
	h := helpers[i]
	args := make([]code, len(x.Arguments))
	keys := make([]string, len(x.Arguments))
	for i, n := range x.Arguments {
		args[i] = nc.compile(n)
		keys[i] = args[i].key
		if t := n.Type(); args[i].k != kConst && t != nil && t.Kind() == reflect.Pointer {
			unsupported("pointer argument of %s", h.name)
		}
	}
	c, ok := direct(h.name, args)
	if ok {
		// Helpers never fail: called directly, they are safe.
		c = pure(c, true, helperCost[h.name], args...)
	} else {
		boxed := make([]func(*Env) any, len(args))
		for i := range args {
			boxed[i] = args[i].a
		}
		fn := h.fn
		c = typed(func(env *Env) any {
			out, err := fn(evalArgs(env, boxed)...)
			if err != nil {
				panic(err)
			}
			return out
		}, x.Type(), "")
	}
	c.key = joinKey(h.name, keys)
	if costly[h.name] {
		json := c.json // a consumer that appends need not look in the Cache
		c = nc.cached(c)
		c.json = json
	}
	return c
}

// direct compiles the calls of helpers whose arguments have the types their
// implementation takes, without boxing.
func direct(name string, args []code) (code, bool) {
	var s, s2 func(*Env) string
	if len(args) > 0 {
		s = asString(args[0])
	}
	if len(args) > 1 {
		s2 = asString(args[1])
	}
	var cv any
	if len(args) == 2 && args[1].k == kConst {
		cv = args[1].cv
	}
	switch name {
	case "icontains":
		if s != nil && s2 != nil {
			return boolCode(func(env *Env) bool { return containsFold(s(env), s2(env)) }, ""), true
		}
	case "istarts_with":
		if s != nil && s2 != nil {
			return boolCode(func(env *Env) bool { return hasPrefixFold(s(env), s2(env)) }, ""), true
		}
	case "iends_with":
		if s != nil && s2 != nil {
			return boolCode(func(env *Env) bool { return hasSuffixFold(s(env), s2(env)) }, ""), true
		}
	case "iequals":
		if s != nil && s2 != nil {
			return boolCode(func(env *Env) bool { return equalFold(s(env), s2(env)) }, ""), true
		}
	case "icontains_any":
		if l, ok := cv.(*foldList); ok && s != nil {
			return boolCode(func(env *Env) bool { return l.in(s(env)) }, ""), true
		}
	case "in_list":
		if set, ok := cv.(*stringSet); ok && s != nil {
			return boolCode(func(env *Env) bool { return set.has(s(env)) }, ""), true
		}
	case "regex", "glob":
		if m, ok := cv.(*matcher); ok && s != nil {
			return boolCode(func(env *Env) bool { return m.match(s(env)) }, ""), true
		}
	case "cidr_match":
		if set, ok := cv.(*prefixSet); ok && s != nil {
			return boolCode(func(env *Env) bool { return set.contains(s(env)) }, ""), true
		}
	case "url_domain":
		if s != nil {
			return strCode(func(env *Env) string { return urlDomain(s(env)) }, ""), true
		}
	case "email_domain":
		if s != nil {
			return strCode(func(env *Env) string { return emailDomain(s(env)) }, ""), true
		}
	case "json_path":
		if p, ok := cv.(*jsonPath); ok {
			a := args[0].a
			return anyCode(func(env *Env) any { return p.lookup(a(env)) }, ""), true
		}
	case "arg_text":
		if lit := args[0].lit; len(args) == 1 && lit != nil {
			// arg_text({path: arg("path"), ...}) without the map.
			return strCode(func(env *Env) string { return lit.argText(env) }, ""), true
		}
		if len(args) == 1 {
			a := args[0].a
			return strCode(func(env *Env) string { return argText(a(env)) }, ""), true
		}
	case "tojson":
		if len(args) == 1 {
			a := args[0].a
			c := strCode(func(env *Env) string { return canonicalJSON(a(env)) }, "")
			c.json = a
			return c, true
		}
	case "arg_emails":
		if len(args) == 1 {
			a := args[0].a
			return strsCode(func(env *Env) []string { return scanStrings(a(env), findEmails) }, false, ""), true
		}
	case "injection_score":
		if s != nil && len(args) == 1 {
			return floatCode(func(env *Env) float64 { return content.InjectionScore(s(env)) }, ""), true
		}
	case "description_score":
		if s != nil && len(args) == 1 {
			return floatCode(func(env *Env) float64 { return content.DescriptionScore(s(env)) }, ""), true
		}
	case "hidden_text":
		if s != nil && len(args) == 1 {
			return boolCode(func(env *Env) bool { return content.HiddenText(s(env)) }, ""), true
		}
	case "sha256":
		if pieces := args[0].pieces; len(args) == 1 && pieces != nil {
			// sha256(a + "\n" + tojson(b)): the pieces appended in a
			// buffer, without a string for each.
			return strCode(func(env *Env) string {
				var buf [2048]byte
				return sha256Hex(sha256.Sum256(appendPieces(env, buf[:0], pieces)))
			}, ""), true
		}
		if s != nil && len(args) == 1 {
			return strCode(func(env *Env) string { return sha256Text(s(env)) }, ""), true
		}
	case "has_secret":
		if s != nil && len(args) == 1 {
			return boolCode(func(env *Env) bool { return content.HasSecret(s(env)) }, ""), true
		}
	}
	return code{}, false
}

// cached makes c look its value up in the event's Cache first, when its
// value depends only on the event.
func (nc *nativeCompiler) cached(c code) code {
	if c.key == "" || nc.slots == nil {
		return c
	}
	id, ok := nc.slots[c.key]
	if !ok {
		id = len(nc.slots)
		nc.slots[c.key] = id
	}
	if o, ok := opsOf(c.k); ok {
		out := o.cache(c, id)
		out.safe, out.cost = c.safe, c.cost
		return out
	}
	return c
}

// pure returns c marked safe when ok and every one of parts is, with the
// cost of its own work plus theirs.
func pure(c code, ok bool, cost int, parts ...code) code {
	c.safe, c.cost = ok, cost
	for _, p := range parts {
		c.safe = c.safe && p.safe
		c.cost += p.cost
	}
	return c
}
