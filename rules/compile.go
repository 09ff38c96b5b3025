package rules

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	exprcompiler "github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	exprparser "github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Limits of expressions.
const (
	// maxNodes bounds the nodes of one expression as written.
	maxNodes = 2000
	// maxExpandedNodes bounds the nodes of an expression once its macros
	// are expanded.
	maxExpandedNodes = 20000
)

// validName is what a list or macro name may look like: an identifier of
// the expression language.
var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// compiler compiles the expressions of parsed rules against Env, with the
// set's lists and macros. An expression goes through expr's pipeline with
// two rewrites of the parsed tree in between:
//
//	parse → expand lists and macros → check steps/state → extract the index
//	      → patch helper calls (precompiled regexps, CIDRs, paths, arg)
//	      → type check → optimize → compile
//
// Both rewrites use ast.Patch on a freshly parsed tree, before the one type
// check, so the checker picks function overloads on the final tree.
type compiler struct {
	errs   *errorList
	lists  map[string]*listDef
	macros map[string]*macro
	// boolConf and anyConf are expr configurations for conditions (which
	// must be boolean) and for other expressions. They are reused across
	// the expressions of one load (their type cache grows as they go) and
	// never shared between loads.
	boolConf *conf.Config
	anyConf  *conf.Config
	// matchers caches the compiled regexps and globs of the load by
	// pattern: a macro's regexp is compiled once, not at every use.
	matchers map[string]*matcher
	// consts caches the prepared constant lists of in_list, icontains_any
	// and domain_matches by helper and content, so that calls on the same
	// list share one value (and one Cache slot).
	consts map[string]any
	// slots numbers the costly helper calls of the load that depend only
	// on the event, for the Cache (native.go).
	slots map[string]int
}

// macro is a macro being compiled.
type macro struct {
	def   *macroDef
	deps  map[string]int // macros it uses, and how many times
	nodes int            // its own nodes
	size  int            // nodes once expanded
	state int            // 0 new, 1 being visited, 2 done
	bad   bool           // has errors (reported), or uses a macro that has
}

func newConf(boolean bool) *conf.Config {
	opts := []expr.Option{
		expr.Env(Env{}),
		expr.MaxNodes(maxNodes),
		// Time in rules is event time: the wall clock would make rules
		// and their tests depend on when they run.
		expr.DisableBuiltin("now"),
	}
	opts = append(opts, helperOptions()...)
	if boolean {
		// A condition must be typed boolean at load: one typed any (arg("x")
		// alone) would only fail at run time.
		opts = append(opts, expr.AsBool(), expr.WarnOnAny())
	}
	c := conf.CreateNew()
	for _, op := range opts {
		op(c)
	}
	for name := range c.Disabled {
		delete(c.Builtins, name)
	}
	c.Check()
	return c
}

func newCompiler(errs *errorList) *compiler {
	return &compiler{
		errs:     errs,
		lists:    make(map[string]*listDef),
		macros:   make(map[string]*macro),
		boolConf: newConf(true),
		anyConf:  newConf(false),
		matchers: make(map[string]*matcher),
		consts:   make(map[string]any),
		slots:    make(map[string]int),
	}
}

// scope says where an expression is and what it may use.
type scope struct {
	rule    string
	boolean bool
	// index asks for the condition's index.
	index bool
	// steps is how many earlier sequence steps the expression may refer to
	// through steps[i]; -1 when steps is not available at all.
	steps int
	// notSteps marks the earlier steps that are not steps (no event).
	notSteps []bool
	// state allows state (reasons only).
	state bool
}

// compiled is the result of compiling one expression.
type compiled struct {
	program *vm.Program
	// native is the expression compiled to Go closures, or nil when the VM
	// runs it (native.go).
	native *native
	probe  probeInfo
	index  map[string][]string
}

// addLists records the lists of the set, reporting bad and duplicate names.
func (c *compiler) addLists(defs []*listDef) {
	for _, l := range defs {
		if !c.checkName("list", l.name, l.pos) {
			continue
		}
		if prev, ok := c.lists[l.name]; ok {
			c.errs.addf(l.pos, "", "list %q: already defined at %s", l.name, prev.pos)
			continue
		}
		c.lists[l.name] = l
	}
}

// addMacros records the macros of the set and compiles each, reporting bad
// names, duplicates, cycles and errors.
func (c *compiler) addMacros(defs []*macroDef) {
	var order []*macro
	for _, d := range defs {
		if !c.checkName("macro", d.name, d.pos) {
			continue
		}
		if prev, ok := c.lists[d.name]; ok {
			c.errs.addf(d.pos, "", "macro %q: a list of that name is defined at %s", d.name, prev.pos)
			continue
		}
		if prev, ok := c.macros[d.name]; ok {
			c.errs.addf(d.pos, "", "macro %q: already defined at %s", d.name, prev.def.pos)
			continue
		}
		m := &macro{def: d}
		c.macros[d.name] = m
		order = append(order, m)
	}
	// Parse each macro to find the macros it uses.
	for _, m := range order {
		tree, ok := c.parse(m.def.src, m.def.src.text, 0, "", c.boolConf)
		if !ok {
			m.bad = true
			continue
		}
		m.deps = make(map[string]int)
		walk(tree.Node, func(n ast.Node) {
			m.nodes++
			if id, ok := n.(*ast.IdentifierNode); ok {
				if _, ok := c.macros[id.Value]; ok {
					m.deps[id.Value]++
					m.nodes--
				}
			}
		})
	}
	var stack []*macro
	var visit func(m *macro)
	visit = func(m *macro) {
		switch m.state {
		case 2:
			return
		case 1:
			i := slices.Index(stack, m)
			names := make([]string, 0, len(stack)-i+1)
			for _, s := range stack[i:] {
				names = append(names, s.def.name)
				s.bad = true
			}
			names = append(names, m.def.name)
			c.errs.addf(m.def.pos, "", "macro %q: uses itself: %s", m.def.name, strings.Join(names, " → "))
			return
		}
		m.state = 1
		stack = append(stack, m)
		deps := make([]string, 0, len(m.deps))
		for name := range m.deps {
			deps = append(deps, name)
		}
		slices.Sort(deps)
		m.size = m.nodes
		for _, name := range deps {
			d := c.macros[name]
			visit(d)
			if d.bad {
				m.bad = true
			}
			m.size += d.size * m.deps[name]
			m.size = min(m.size, maxExpandedNodes+1)
		}
		stack = stack[:len(stack)-1]
		m.state = 2
		if m.bad {
			return
		}
		if m.size > maxExpandedNodes {
			c.errs.addf(m.def.pos, "", "macro %q: more than %d nodes once its macros are expanded", m.def.name, maxExpandedNodes)
			m.bad = true
			return
		}
		// Compile it on its own, so that its errors are reported once, at
		// its own position, and not at every use.
		sc := scope{boolean: true, steps: maxStepsAnywhere, state: false}
		if _, ok := c.compile(m.def.src, sc); !ok {
			m.bad = true
		}
	}
	for _, m := range order {
		visit(m)
	}
}

// maxStepsAnywhere lets a macro refer to any step: it is checked again
// where it is used.
const maxStepsAnywhere = 1 << 30

// checkName reports whether name can name a list or macro.
func (c *compiler) checkName(what, name string, pos Pos) bool {
	if !validName.MatchString(name) {
		c.errs.addf(pos, "", "%s %q: a name is letters, digits and _, not starting with a digit", what, truncate(name, 40))
		return false
	}
	if why := reservedName(name); why != "" {
		c.errs.addf(pos, "", "%s %q: the name of %s", what, name, why)
		return false
	}
	return true
}

// compile compiles the expression src.
func (c *compiler) compile(src *source, sc scope) (*compiled, bool) {
	return c.compileAt(src, src.text, 0, sc)
}

// compileAt compiles text, found at character offset base of src's value
// (a template expression is a part of the reason), reporting errors at
// their place in the file.
func (c *compiler) compileAt(src *source, text string, base int, sc scope) (out *compiled, ok bool) {
	cfg := c.anyConf
	if sc.boolean {
		cfg = c.boolConf
	}
	defer func() {
		if r := recover(); r != nil {
			c.errs.addf(src.file.posIn(src.node, base), sc.rule, "%s: internal error compiling the expression: %v", src.what, r)
			out, ok = nil, false
		}
	}()
	tree, ok := c.parse(src, text, base, sc.rule, cfg)
	if !ok {
		return nil, false
	}
	// Expand lists and macros, unless that makes the tree too big.
	size, usesBad := 0, false
	walk(tree.Node, func(n ast.Node) {
		size++
		if id, ok := n.(*ast.IdentifierNode); ok {
			if m, ok := c.macros[id.Value]; ok {
				size += m.size - 1
				usesBad = usesBad || m.bad
			}
		}
	})
	if usesBad {
		return nil, false // the macro's errors are reported where it is defined
	}
	if size > maxExpandedNodes {
		c.errs.addf(src.file.posIn(src.node, base), sc.rule, "%s: more than %d nodes once its macros are expanded", src.what, maxExpandedNodes)
		return nil, false
	}
	ex := &expander{c: c}
	ast.Walk(&tree.Node, ex)
	failed := c.report(src, base, sc.rule, ex.errs)

	failed = c.report(src, base, sc.rule, lint(tree.Node, sc)) || failed
	out = &compiled{}
	if sc.index {
		idx, err := conditionIndex(tree.Node)
		if err != nil {
			c.errs.addf(src.file.posIn(src.node, base), sc.rule, "%s: %v", src.what, err)
			failed = true
		}
		out.index = idx
	}
	p := &patcher{matchers: c.matchers, lists: c.consts}
	ast.Walk(&tree.Node, p)
	failed = c.report(src, base, sc.rule, p.errs) || failed
	if failed {
		return nil, false
	}

	if _, err := checker.Check(tree, cfg); err != nil {
		c.exprError(src, base, sc.rule, err)
		return nil, false
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			err = fe.Bind(tree.Source)
		}
		c.exprError(src, base, sc.rule, err)
		return nil, false
	}
	prog, err := exprcompiler.Compile(tree, cfg)
	if err != nil {
		c.errs.addf(src.file.posIn(src.node, base), sc.rule, "%s: internal error compiling the expression", src.what)
		return nil, false
	}
	out.program = prog
	out.native, _ = nativeCompile(tree.Node, c.slots)
	if sc.boolean {
		out.probe = newProbe(tree.Node, c.slots)
	}
	return out, true
}

// parse parses text, reporting a syntax error at its place.
func (c *compiler) parse(src *source, text string, base int, rule string, cfg *conf.Config) (*exprparser.Tree, bool) {
	tree, err := exprparser.ParseWithConfig(text, cfg)
	if err != nil {
		c.exprError(src, base, rule, err)
		return nil, false
	}
	return tree, true
}

// exprError reports an error of expr, at the place inside the expression it
// names when it is a *file.Error.
func (c *compiler) exprError(src *source, base int, rule string, err error) {
	var fe *file.Error
	if errors.As(err, &fe) {
		c.errs.addf(src.file.posIn(src.node, base+fe.From), rule, "%s: %s", src.what, strings.TrimSpace(fe.Message))
		return
	}
	msg := strings.TrimSpace(err.Error())
	if got, ok := strings.CutPrefix(msg, "expected bool, but got "); ok {
		if got == "interface {}" || got == "unknown" {
			got = "a value of unknown type (compare it: == true, != nil)"
		}
		msg = "want a boolean condition, got " + got
	}
	c.errs.addf(src.file.posIn(src.node, base), rule, "%s: %s", src.what, msg)
}

// locError is an error at a character offset of an expression.
type locError struct {
	from int
	msg  string
}

// report reports errs and says whether there were any.
func (c *compiler) report(src *source, base int, rule string, errs []locError) bool {
	for _, e := range errs {
		c.errs.addf(src.file.posIn(src.node, base+e.from), rule, "%s: %s", src.what, e.msg)
	}
	return len(errs) > 0
}

// expander replaces the names of lists with constant arrays and the names
// of macros with their expanded trees.
type expander struct {
	c    *compiler
	errs []locError
}

// Visit expands the list or macro named by node, if it names one.
func (e *expander) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if l, ok := e.c.lists[n.Value]; ok {
			arr := &ast.ArrayNode{Nodes: make([]ast.Node, len(l.values))}
			for i, v := range l.values {
				s := &ast.StringNode{Value: v}
				s.SetLocation(n.Location())
				arr.Nodes[i] = s
			}
			ast.Patch(node, arr)
			return
		}
		if m, ok := e.c.macros[n.Value]; ok && !m.bad {
			tree, err := exprparser.ParseWithConfig(m.def.src.text, e.c.boolConf)
			if err != nil {
				return // reported where the macro is defined
			}
			ast.Walk(&tree.Node, &expander{c: e.c})
			// Errors inside the macro's tree are reported at its use.
			loc := n.Location()
			walk(tree.Node, func(x ast.Node) { x.SetLocation(loc) })
			ast.Patch(node, tree.Node)
		}
	case *ast.VariableDeclaratorNode:
		if _, ok := e.c.lists[n.Name]; ok {
			e.errs = append(e.errs, locError{n.Location().From, fmt.Sprintf("let %s: a list has that name", n.Name)})
		}
		if _, ok := e.c.macros[n.Name]; ok {
			e.errs = append(e.errs, locError{n.Location().From, fmt.Sprintf("let %s: a macro has that name", n.Name)})
		}
	}
}

// lint checks the uses of steps and state against the expression's scope.
func lint(root ast.Node, sc scope) []locError {
	var errs []locError
	stepsErr, stateErr := false, false
	walk(root, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.IdentifierNode:
			switch {
			case n.Value == "steps" && sc.steps < 0 && !stepsErr:
				errs = append(errs, locError{n.Location().From, "steps is only available in the steps and the reason of a sequence rule"})
				stepsErr = true
			case n.Value == "state" && !sc.state && !stateErr:
				errs = append(errs, locError{n.Location().From, "state is only available in reasons"})
				stateErr = true
			}
		case *ast.MemberNode:
			id, ok := n.Node.(*ast.IdentifierNode)
			if !ok || id.Value != "steps" || sc.steps < 0 {
				return
			}
			i, ok := n.Property.(*ast.IntegerNode)
			if !ok || i.Value < 0 {
				return
			}
			switch {
			case i.Value >= sc.steps && sc.steps == 0:
				errs = append(errs, locError{n.Property.Location().From, fmt.Sprintf("steps[%d]: no step comes before this one", i.Value)})
			case i.Value >= sc.steps && sc.steps == 1:
				errs = append(errs, locError{n.Property.Location().From, fmt.Sprintf("steps[%d]: only steps[0] comes before", i.Value)})
			case i.Value >= sc.steps:
				errs = append(errs, locError{n.Property.Location().From, fmt.Sprintf("steps[%d]: only steps[0] to steps[%d] come before", i.Value, sc.steps-1)})
			case i.Value < len(sc.notSteps) && sc.notSteps[i.Value]:
				errs = append(errs, locError{n.Property.Location().From, fmt.Sprintf("steps[%d] is a not step: it has no event", i.Value)})
			}
		}
	})
	return errs
}

// walk calls fn for every node of the tree rooted at n, parents first.
func walk(n ast.Node, fn func(ast.Node)) {
	if n == nil {
		return
	}
	fn(n)
	switch n := n.(type) {
	case *ast.UnaryNode:
		walk(n.Node, fn)
	case *ast.BinaryNode:
		walk(n.Left, fn)
		walk(n.Right, fn)
	case *ast.ChainNode:
		walk(n.Node, fn)
	case *ast.MemberNode:
		walk(n.Node, fn)
		walk(n.Property, fn)
	case *ast.SliceNode:
		walk(n.Node, fn)
		walk(n.From, fn)
		walk(n.To, fn)
	case *ast.CallNode:
		walk(n.Callee, fn)
		for _, a := range n.Arguments {
			walk(a, fn)
		}
	case *ast.BuiltinNode:
		for _, a := range n.Arguments {
			walk(a, fn)
		}
		walk(n.Map, fn)
	case *ast.PredicateNode:
		walk(n.Node, fn)
	case *ast.VariableDeclaratorNode:
		walk(n.Value, fn)
		walk(n.Expr, fn)
	case *ast.SequenceNode:
		for _, x := range n.Nodes {
			walk(x, fn)
		}
	case *ast.ConditionalNode:
		walk(n.Cond, fn)
		walk(n.Exp1, fn)
		walk(n.Exp2, fn)
	case *ast.ArrayNode:
		for _, x := range n.Nodes {
			walk(x, fn)
		}
	case *ast.MapNode:
		for _, x := range n.Pairs {
			walk(x, fn)
		}
	case *ast.PairNode:
		walk(n.Key, fn)
		walk(n.Value, fn)
	}
}

// patcher rewrites helper calls whose arguments can be prepared at load:
// regex, glob and matches get a compiled *matcher (a constant pattern is
// required), cidr_match parsed CIDRs (required constant), in_list,
// icontains_any and domain_matches a set when the list is constant,
// json_path a parsed path when it is constant; arg(p) becomes
// json_path(gen_ai.tool.call.arguments, p). Each rewrite builds a new call
// node.
type patcher struct {
	matchers map[string]*matcher // by "regex:" or "glob:" and the pattern
	lists    map[string]any      // by helper and list
	errs     []locError
}

func (p *patcher) errorf(n ast.Node, format string, args ...any) {
	p.errs = append(p.errs, locError{n.Location().From, fmt.Sprintf(format, args...)})
}

// Visit rewrites node if it is a helper call to prepare.
func (p *patcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		if n.Operator != "matches" {
			return
		}
		if m := p.matcher(n.Right, "matches", newMatcher); m != nil {
			ast.Patch(node, call("regex", n.Location(), n.Left, constant(m, n.Right)))
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return
		}
		args := n.Arguments
		switch id.Value {
		case "regex", "glob":
			if len(args) != 2 {
				return
			}
			compile := newMatcher
			if id.Value == "glob" {
				compile = newGlob
			}
			if m := p.matcher(args[1], id.Value, compile); m != nil {
				ast.Patch(node, call(id.Value, n.Location(), args[0], constant(m, args[1])))
			}
		case "cidr_match":
			if len(args) != 2 {
				return
			}
			list, ok := constStrings(args[1])
			if !ok {
				p.errorf(args[1], "cidr_match: the CIDRs must be a constant string or list of strings")
				return
			}
			set, err := newPrefixSet(list)
			if err != nil {
				p.errorf(args[1], "cidr_match: %v", err)
				return
			}
			ast.Patch(node, call(id.Value, n.Location(), args[0], constant(set, args[1])))
		case "in_list", "icontains_any", "domain_matches":
			if len(args) != 2 {
				return
			}
			arr, ok := args[1].(*ast.ArrayNode)
			if !ok {
				return
			}
			list, ok := constStrings(arr)
			if !ok {
				return
			}
			key := id.Value + "\x00" + strings.Join(list, "\x00")
			v, ok := p.lists[key]
			if !ok {
				switch id.Value {
				case "in_list":
					v = newStringSet(list)
				case "icontains_any":
					v = newFoldList(list)
				case "domain_matches":
					v = newDomainSet(list)
				}
				if p.lists != nil {
					p.lists[key] = v
				}
			}
			ast.Patch(node, call(id.Value, n.Location(), args[0], constant(v, args[1])))
		case "json_path":
			if len(args) != 2 {
				return
			}
			if path := p.path(args[1], "json_path"); path != nil {
				ast.Patch(node, call(id.Value, n.Location(), args[0], path))
			}
		case "arg":
			if len(args) != 1 {
				return
			}
			path := p.path(args[0], "arg")
			if path == nil {
				path = args[0]
			}
			ast.Patch(node, call("json_path", n.Location(), fieldNode(n.Location(), "gen_ai", "tool", "call", "arguments"), path))
		}
	}
}

// matcher compiles the constant pattern n, reporting a pattern that is not
// a constant string or does not compile.
func (p *patcher) matcher(n ast.Node, fn string, compile func(string) (*matcher, error)) *matcher {
	s, ok := n.(*ast.StringNode)
	if !ok {
		p.errorf(n, "%s: the pattern must be a constant string", fn)
		return nil
	}
	key := fn + ":" + s.Value
	if fn == "matches" {
		key = "regex:" + s.Value
	}
	if m, ok := p.matchers[key]; ok {
		return m
	}
	m, err := compile(s.Value)
	if err != nil {
		p.errorf(n, "%s: bad pattern: %v", fn, err)
		return nil
	}
	if p.matchers != nil {
		p.matchers[key] = m
	}
	return m
}

// path parses a constant path; it returns nil (and reports nothing) when
// the path is not a constant.
func (p *patcher) path(n ast.Node, fn string) ast.Node {
	s, ok := n.(*ast.StringNode)
	if !ok {
		return nil
	}
	jp, err := parsePath(s.Value)
	if err != nil {
		p.errorf(n, "%s: bad path %q: %v", fn, truncate(s.Value, 40), err)
		return nil
	}
	return constant(jp, n)
}

// constStrings returns the strings of a constant string or array of
// constant strings.
func constStrings(n ast.Node) ([]string, bool) {
	switch n := n.(type) {
	case *ast.StringNode:
		return []string{n.Value}, true
	case *ast.ArrayNode:
		out := make([]string, len(n.Nodes))
		for i, x := range n.Nodes {
			s, ok := x.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			out[i] = s.Value
		}
		return out, true
	}
	return nil, false
}

func call(name string, loc file.Location, args ...ast.Node) *ast.CallNode {
	callee := &ast.IdentifierNode{Value: name}
	callee.SetLocation(loc)
	c := &ast.CallNode{Callee: callee, Arguments: args}
	c.SetLocation(loc)
	return c
}

func constant(v any, at ast.Node) *ast.ConstantNode {
	c := &ast.ConstantNode{Value: v}
	c.SetLocation(at.Location())
	return c
}

// fieldNode builds the member chain of a dotted field path.
func fieldNode(loc file.Location, names ...string) ast.Node {
	var n ast.Node = &ast.IdentifierNode{Value: names[0]}
	n.SetLocation(loc)
	for _, name := range names[1:] {
		prop := &ast.StringNode{Value: name}
		prop.SetLocation(loc)
		m := &ast.MemberNode{Node: n, Property: prop}
		m.SetLocation(loc)
		n = m
	}
	return n
}

// compileTemplate compiles a reason template.
func (c *compiler) compileTemplate(src *source, sc scope) (*Template, bool) {
	t := &Template{Source: src.text, Pos: src.pos()}
	pieces, at, err := splitTemplate(src.text)
	if err != nil {
		c.errs.addf(src.file.posIn(src.node, at), sc.rule, "%s: %v", src.what, err)
		return nil, false
	}
	ok := true
	for _, pc := range pieces {
		if !pc.isExpr {
			t.Parts = append(t.Parts, TemplatePart{Literal: pc.literal})
			continue
		}
		out, good := c.compileAt(src, pc.expr, pc.offset, sc)
		if !good {
			ok = false
			continue
		}
		t.Parts = append(t.Parts, TemplatePart{Expr: out.program, native: out.native})
	}
	if !ok {
		return nil, false
	}
	return t, true
}

// compileRule compiles the expressions of a parsed rule into it.
func (c *compiler) compileRule(d *ruleDraft) {
	r := d.rule
	base := scope{rule: r.ID, steps: -1}
	cond := func(src *source, sc scope) *Condition {
		if src == nil {
			return nil
		}
		sc.boolean, sc.index = true, true
		out, ok := c.compile(src, sc)
		if !ok {
			return nil
		}
		return &Condition{Source: src.text, Program: out.program, Pos: src.pos(), Index: out.index, native: out.native, probe: out.probe}
	}
	exprOf := func(src *source, sc scope) *Expr {
		if src == nil {
			return nil
		}
		out, ok := c.compile(src, sc)
		if !ok {
			return nil
		}
		return &Expr{Source: src.text, Program: out.program, Pos: src.pos(), native: out.native}
	}
	exprs := func(srcs []*source, sc scope) []*Expr {
		var out []*Expr
		for _, s := range srcs {
			if e := exprOf(s, sc); e != nil {
				out = append(out, e)
			}
		}
		return out
	}

	r.Condition = cond(d.condition, base)
	r.By = exprs(d.by, base)
	r.Until = cond(d.until, base)
	r.Distinct = exprOf(d.distinct, base)
	r.Diff = exprOf(d.diff, base)
	r.Values = exprs(d.values, base)
	var notSteps []bool
	for i, sd := range d.steps {
		sc := base
		sc.steps = i
		sc.notSteps = notSteps
		sd.step.Condition = cond(sd.condition, sc)
		sd.step.By = exprs(sd.by, base)
		r.Steps = append(r.Steps, sd.step)
		notSteps = append(notSteps, sd.step.Not)
	}
	if d.suppress != nil {
		d.suppress.suppress.By = exprs(d.suppress.by, base)
		r.Suppress = d.suppress.suppress
	}
	if d.reason != nil {
		sc := base
		sc.state = true
		if r.Kind == KindSequence {
			sc.steps = len(d.steps)
			sc.notSteps = notSteps
		}
		r.Reason, _ = c.compileTemplate(d.reason, sc)
	}
}
