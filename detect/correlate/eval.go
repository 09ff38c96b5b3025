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

// evaluator runs compiled expressions with one reused VM. It belongs to one
// Correlator (or Suppressor) and is not safe for concurrent use.
type evaluator struct {
	vm  vm.VM
	env rules.Env
}

// run runs p against ev and steps. The environment is cleared afterwards so
// that the evaluator never keeps an event alive.
func (x *evaluator) run(p *vm.Program, ev *event.Event, steps []*event.Event) (any, error) {
	x.env.Event = ev
	x.env.Steps = steps
	out, err := x.vm.Run(p, &x.env)
	x.env.Event, x.env.Steps = nil, nil
	return out, err
}

// cond is a compiled condition prepared for fast evaluation: the index
// conjuncts the rules package found are checked with plain string compares
// before the program runs.
type cond struct {
	c     *rules.Condition
	index []indexCheck
	// usesSteps is set when the condition refers to steps: its result may
	// depend on a pending match, so it is settled in event-time order.
	usesSteps bool
	// probe is set when every use of steps indexes it (steps[0].x): run
	// without steps, the condition either gives a result that cannot depend
	// on them or fails on the first access. See evaluator.probe.
	probe bool
}

type indexCheck struct {
	get  func(*event.Event) string
	vals []string
}

func newCond(c *rules.Condition) *cond {
	if c == nil || c.Program == nil {
		return nil
	}
	k := &cond{c: c}
	k.usesSteps, k.probe = stepsUse(c.Program)
	fields := make([]string, 0, len(c.Index))
	for f := range c.Index {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		if get := stringField(f); get != nil {
			k.index = append(k.index, indexCheck{get: get, vals: c.Index[f]})
		}
	}
	return k
}

// admits reports whether the index conjuncts allow ev: false means the
// condition is certainly false.
func (k *cond) admits(ev *event.Event) bool {
	if k == nil {
		return true
	}
	for _, ix := range k.index {
		if !slices.Contains(ix.vals, ix.get(ev)) {
			return false
		}
	}
	return true
}

// eval evaluates the condition (nil: true). A runtime error counts as false
// and is returned so that the caller can count it.
func (x *evaluator) eval(k *cond, ev *event.Event, steps []*event.Event) (bool, error) {
	if k == nil {
		return true, nil
	}
	if !k.admits(ev) {
		return false, nil
	}
	out, err := x.run(k.c.Program, ev, steps)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

// probe evaluates, when an event arrives, a condition that refers to
// steps, with no steps at all. definite reports whether the result holds
// whatever the steps will be: the evaluation finished without touching steps
// (every access to steps[i] fails on an empty list). Otherwise the event is a
// candidate and the condition is evaluated again in event-time order.
func (x *evaluator) probe(k *cond, ev *event.Event) (ok, definite bool) {
	if !k.admits(ev) {
		return false, true
	}
	if !k.probe {
		return false, false
	}
	out, err := x.run(k.c.Program, ev, nil)
	if err != nil {
		return false, false
	}
	b, _ := out.(bool)
	return b, true
}

// stepsUse reports whether the program refers to steps, and whether every
// such reference is indexed (steps[i] or steps.x), which makes probing sound.
func stepsUse(p *vm.Program) (uses, indexedOnly bool) {
	n := p.Node()
	if n == nil {
		return false, false
	}
	v := &stepsFinder{}
	func() {
		defer func() {
			if recover() != nil { // a node type this expr version does not walk
				v.idents, v.indexed = 1, 0
			}
		}()
		ast.Walk(&n, v)
	}()
	return v.idents > 0, v.idents > 0 && v.idents == v.indexed
}

type stepsFinder struct{ idents, indexed int }

func (v *stepsFinder) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		if x.Value == "steps" {
			v.idents++
		}
	case *ast.MemberNode:
		if id, ok := x.Node.(*ast.IdentifierNode); ok && id.Value == "steps" {
			v.indexed++
		}
	}
}

// valueExpr is a compiled expression producing a value (a group key part, a
// distinct value, a watched value). Plain field paths are read directly.
type valueExpr struct {
	get  func(*event.Event) string
	e    *rules.Expr
	list bool // the expression's static type is a list
}

func newValueExprs(es []*rules.Expr) []valueExpr {
	out := make([]valueExpr, 0, len(es))
	for _, e := range es {
		if e == nil || e.Program == nil {
			continue
		}
		v := valueExpr{get: stringField(strings.TrimSpace(e.Source)), e: e}
		if n := e.Program.Node(); n != nil && n.Type() != nil {
			v.list = n.Type().Kind() == reflect.Slice || n.Type().Kind() == reflect.Array
		}
		out = append(out, v)
	}
	return out
}

// value evaluates v against ev and renders the result as key text (see
// rules.Expr.Text: "" for nil, canonical JSON for lists and objects).
func (x *evaluator) value(v *valueExpr, ev *event.Event) (string, error) {
	if v.get != nil {
		return v.get(ev), nil
	}
	x.env.Event = ev
	s, err := v.e.Text(&x.vm, &x.env)
	x.env.Event = nil
	return s, err
}

// values evaluates v and returns the text of each element when the result
// is a list of strings, or the single value's text otherwise; at most max
// values.
func (x *evaluator) values(v *valueExpr, ev *event.Event, max int) ([]string, error) {
	if !v.list {
		s, err := x.value(v, ev)
		return []string{s}, err
	}
	out, err := x.run(v.e.Program, ev, nil)
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
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('|')
		}
		if !strings.ContainsAny(p, `\|`) {
			b.WriteString(p)
			continue
		}
		for j := 0; j < len(p); j++ {
			if p[j] == '\\' || p[j] == '|' {
				b.WriteByte('\\')
			}
			b.WriteByte(p[j])
		}
	}
	return b.String()
}

// stringField returns a reader for a scalar string field of the event given
// by its condition path, or nil when the path is not such a field.
func stringField(path string) func(*event.Event) string {
	switch path {
	case "event.id":
		return func(e *event.Event) string { return e.Event.ID }
	case "event.kind":
		return func(e *event.Event) string { return e.Event.Kind }
	case "event.action":
		return func(e *event.Event) string { return e.Event.Action }
	case "event.outcome":
		return func(e *event.Event) string { return e.Event.Outcome }
	case "event.provider":
		return func(e *event.Event) string { return e.Event.Provider }
	case "event.dataset":
		return func(e *event.Event) string { return e.Event.Dataset }
	case "organization.id":
		return func(e *event.Event) string { return e.Organization.ID }
	case "organization.name":
		return func(e *event.Event) string { return e.Organization.Name }
	case "user.id":
		return func(e *event.Event) string { return e.User.ID }
	case "user.name":
		return func(e *event.Event) string { return e.User.Name }
	case "user.email":
		return func(e *event.Event) string { return e.User.Email }
	case "source.ip":
		return func(e *event.Event) string { return e.Source.IP }
	case "destination.domain":
		return func(e *event.Event) string { return e.Destination.Domain }
	case "destination.ip":
		return func(e *event.Event) string { return e.Destination.IP }
	case "host.name":
		return func(e *event.Event) string { return e.Host.Name }
	case "url.full":
		return func(e *event.Event) string { return e.URL.Full }
	case "url.domain":
		return func(e *event.Event) string { return e.URL.Domain }
	case "trace.id":
		return func(e *event.Event) string { return e.Trace.ID }
	case "span.id":
		return func(e *event.Event) string { return e.Span.ID }
	case "gen_ai.operation.name":
		return func(e *event.Event) string { return e.GenAI.Operation.Name }
	case "gen_ai.conversation.id":
		return func(e *event.Event) string { return e.GenAI.Conversation.ID }
	case "gen_ai.tool.name":
		return func(e *event.Event) string { return e.GenAI.Tool.Name }
	case "gen_ai.tool.call.id":
		return func(e *event.Event) string { return e.GenAI.Tool.Call.ID }
	case "gen_ai.prompt.name":
		return func(e *event.Event) string { return e.GenAI.Prompt.Name }
	case "error.type":
		return func(e *event.Event) string { return e.Error.Type }
	case "mcp.method.name":
		return func(e *event.Event) string { return e.MCP.Method.Name }
	case "mcp.flow.id":
		return func(e *event.Event) string { return e.MCP.Flow.ID }
	case "mcp.session.id":
		return func(e *event.Event) string { return e.MCP.Session.ID }
	case "mcp.protocol.version":
		return func(e *event.Event) string { return e.MCP.Protocol.Version }
	case "mcp.client.name":
		return func(e *event.Event) string { return e.MCP.Client.Name }
	case "mcp.client.version":
		return func(e *event.Event) string { return e.MCP.Client.Version }
	case "mcp.client.id":
		return func(e *event.Event) string { return e.MCP.Client.ID }
	case "mcp.server.name":
		return func(e *event.Event) string { return e.MCP.Server.Name }
	case "mcp.server.version":
		return func(e *event.Event) string { return e.MCP.Server.Version }
	case "mcp.server.url":
		return func(e *event.Event) string { return e.MCP.Server.URL }
	case "mcp.server.transport":
		return func(e *event.Event) string { return e.MCP.Server.Transport }
	case "mcp.server.package.registry":
		return func(e *event.Event) string { return e.MCP.Server.Package.Registry }
	case "mcp.server.package.name":
		return func(e *event.Event) string { return e.MCP.Server.Package.Name }
	case "mcp.server.package.version":
		return func(e *event.Event) string { return e.MCP.Server.Package.Version }
	case "mcp.resource.uri":
		return func(e *event.Event) string { return e.MCP.Resource.URI }
	case "mcp.auth.method":
		return func(e *event.Event) string { return e.MCP.Auth.Method }
	case "mcp.auth.subject":
		return func(e *event.Event) string { return e.MCP.Auth.Subject }
	case "mcp.auth.issuer":
		return func(e *event.Event) string { return e.MCP.Auth.Issuer }
	case "mcp.auth.client_id":
		return func(e *event.Event) string { return e.MCP.Auth.ClientID }
	case "mcp.approval.decision":
		return func(e *event.Event) string { return e.MCP.Approval.Decision }
	case "mcp.approval.source":
		return func(e *event.Event) string { return e.MCP.Approval.Source }
	case "mcp.egress.kind":
		return func(e *event.Event) string { return e.MCP.Egress.Kind }
	case "mcp.data.classification":
		return func(e *event.Event) string { return e.MCP.Data.Classification }
	case "mcp.data.trust":
		return func(e *event.Event) string { return e.MCP.Data.Trust }
	case "user.domain":
		return func(e *event.Event) string { return e.User.Domain }
	case "observer.name":
		return func(e *event.Event) string { return e.Observer.Name }
	case "gen_ai.agent.id":
		return func(e *event.Event) string { return e.GenAI.Agent.ID }
	case "gen_ai.agent.name":
		return func(e *event.Event) string { return e.GenAI.Agent.Name }
	case "gen_ai.tool.type":
		return func(e *event.Event) string { return e.GenAI.Tool.Type }
	case "error.code":
		return func(e *event.Event) string { return e.Error.Code }
	case "mcp.direction":
		return func(e *event.Event) string { return e.MCP.Direction }
	case "mcp.phase":
		return func(e *event.Event) string { return e.MCP.Phase }
	case "mcp.server.id":
		return func(e *event.Event) string { return e.MCP.Server.ID }
	case "mcp.server.trust":
		return func(e *event.Event) string { return e.MCP.Server.Trust }
	case "mcp.server.instructions_hash":
		return func(e *event.Event) string { return e.MCP.Server.InstructionsHash }
	case "mcp.server.package.digest":
		return func(e *event.Event) string { return e.MCP.Server.Package.Digest }
	case "mcp.result.hash":
		return func(e *event.Event) string { return e.MCP.Result.Hash }
	case "mcp.tool.description_hash":
		return func(e *event.Event) string { return e.MCP.Tool.DescriptionHash }
	case "mcp.tool.input_schema_hash":
		return func(e *event.Event) string { return e.MCP.Tool.InputSchemaHash }
	case "mcp.tool.definition_hash":
		return func(e *event.Event) string { return e.MCP.Tool.DefinitionHash }
	case "mcp.auth.actor":
		return func(e *event.Event) string { return e.MCP.Auth.Actor }
	case "mcp.approval.approver":
		return func(e *event.Event) string { return e.MCP.Approval.Approver }
	case "mcp.tools_list.hash":
		return func(e *event.Event) string { return e.MCP.ToolsList.Hash }
	}
	return nil
}
