package rules

import (
	"crypto/sha256"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/mcpsoc/mcpsoc/detect/content"
)

func (nc *nativeCompiler) binary(x *ast.BinaryNode) code {
	if x.Operator == "+" && isString(x.Left) && isString(x.Right) {
		return nc.concat(x)
	}
	l, r := nc.compile(x.Left), nc.compile(x.Right)
	key := joinKey(x.Operator, []string{l.key, r.key})
	la, ra := derefed(l, x.Left), derefed(r, x.Right)
	switch x.Operator {
	case "&&", "and":
		lb, rb := asBool(code{k: l.k, b: l.b, a: la}), asBool(code{k: r.k, b: r.b, a: ra})
		return boolCode(func(env *Env) bool { return lb(env) && rb(env) }, key)
	case "||", "or":
		lb, rb := asBool(code{k: l.k, b: l.b, a: la}), asBool(code{k: r.k, b: r.b, a: ra})
		return boolCode(func(env *Env) bool { return lb(env) || rb(env) }, key)
	case "==", "!=":
		eq := equal(l, r, la, ra)
		if x.Operator == "==" {
			return boolCode(eq, key)
		}
		return boolCode(func(env *Env) bool { return !eq(env) }, key)
	case "<", ">", "<=", ">=":
		return boolCode(compare(x.Operator, l, r, la, ra), key)
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
		c := boolCode(in(l, r, la, ra), key)
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
		return boolCode(func(env *Env) bool { return f(ls(env), rs(env)) }, key)
	}
	unsupported("operator %s on %v and %v", x.Operator, x.Left.Type(), x.Right.Type())
	return code{}
}

// isString reports whether the checker typed n as a string.
func isString(n ast.Node) bool { return n.Type() == reflect.TypeFor[string]() }

// concat compiles a chain of string +: a + "\n" + b + "\n" + c makes one
// string of the exact size rather than one per +.
func (nc *nativeCompiler) concat(x *ast.BinaryNode) code {
	var parts []func(*Env) string
	var keys []string
	var collect func(n ast.Node)
	collect = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok && b.Operator == "+" && isString(b.Left) && isString(b.Right) {
			collect(b.Left)
			collect(b.Right)
			return
		}
		c := nc.compile(n)
		keys = append(keys, c.key)
		if c.k == kStr {
			parts = append(parts, c.s)
			return
		}
		parts = append(parts, assert[string](c.a))
	}
	collect(x)
	key := joinKey("+", keys)
	if len(parts) == 2 {
		a, b := parts[0], parts[1]
		c := strCode(func(env *Env) string { return a(env) + b(env) }, key)
		c.parts = parts
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
	c.parts = parts
	return c
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
			set := r.set
			if len(set) <= 8 {
				list := slices.Sorted(maps.Keys(set))
				return func(env *Env) bool { return slices.Contains(list, ls(env)) }
			}
			return func(env *Env) bool { _, ok := set[ls(env)]; return ok }
		case kStrs:
			rl := r.l
			return func(env *Env) bool { return slices.Contains(rl(env), ls(env)) }
		}
	}
	return func(env *Env) bool { return runtime.In(la(env), ra(env)) }
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
			return intCode(func(env *Env) int { return len(s(env)) }, key)
		case kStrs:
			l := a.l
			return intCode(func(env *Env) int { return len(l(env)) }, key)
		case kEnts:
			e := a.e
			return intCode(func(env *Env) int { return len(e(env)) }, key)
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
	for i, n := range x.Arguments {
		c := nc.compile(n)
		keys[i] = c.key
		args[i] = c.a
		t := n.Type()
		if t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface) && (f.Deref == nil || f.Deref(i, t)) {
			args[i] = derefed(c, n)
		}
		if i == 0 {
			strArg = asString(c)
		}
	}
	key := joinKey(x.Name, keys)
	switch {
	case x.Name == "lower" && strArg != nil && len(args) == 1:
		return strCode(func(env *Env) string { return strings.ToLower(strArg(env)) }, key)
	case x.Name == "upper" && strArg != nil && len(args) == 1:
		return strCode(func(env *Env) string { return strings.ToUpper(strArg(env)) }, key)
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
	body := asBool(nc.compile(pred.Node))
	nc.elems = nc.elems[:len(nc.elems)-1]
	switch list.k {
	case kStrs:
		l := list.l
		return boolCode(func(env *Env) bool {
			saved := env.x.str
			defer func() { env.x.str = saved }()
			for _, s := range l(env) {
				env.x.str = s
				if body(env) == stopOn {
					return found
				}
			}
			return !found
		}, "")
	case kEnts:
		l := list.e
		return boolCode(func(env *Env) bool {
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
		}, "")
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
	if !ok {
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
		c = nc.cached(c)
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
		if len(args) == 1 {
			a := args[0].a
			return strCode(func(env *Env) string { return argText(a(env)) }, ""), true
		}
	case "tojson":
		if len(args) == 1 {
			a := args[0].a
			return strCode(func(env *Env) string { return canonicalJSON(a(env)) }, ""), true
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
		if parts := args[0].parts; len(args) == 1 && parts != nil {
			// sha256(a + "\n" + b): hash the parts, not their concatenation.
			return strCode(func(env *Env) string {
				h := sha256.New()
				for _, p := range parts {
					io.WriteString(h, p(env))
				}
				return sha256Sum(h)
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
		return o.cache(c, id)
	}
	return c
}
