package rules

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// A condition of a later sequence step may refer to the events of earlier
// steps (steps[0].mcp.server.name). When an event arrives, the correlator
// cannot evaluate it yet, but can often rule it out: Probe tells what is
// known without the steps.

// probeInfo is what a condition keeps for Probe.
type probeInfo struct {
	// usesSteps is set when the condition refers to steps.
	usesSteps bool
	// pre are the top-level conjuncts that do not refer to steps,
	// compiled natively: one of them false makes the condition false.
	pre []*native
	// vm is set when the VM may run the condition without steps to probe
	// it: every use of steps is indexed (steps[i] fails on an empty list)
	// and a conjunct does not use steps (otherwise the run always fails).
	vm bool
}

// UsesSteps reports whether the condition refers to the events of earlier
// sequence steps.
func (c *Condition) UsesSteps() bool { return c != nil && c.probe.usesSteps }

// Probe evaluates a condition that refers to steps for env's event before
// the earlier steps are known. definite reports whether ok holds whatever
// they will be; otherwise the event must be evaluated again with them.
// Conditions that do not use steps are simply evaluated.
func (c *Condition) Probe(v *vm.VM, env *Env) (ok, definite bool) {
	if !c.UsesSteps() {
		ok, err := c.Eval(v, env)
		return ok, err == nil
	}
	if c.native != nil {
		for _, p := range c.probe.pre {
			if b, err := p.evalBool(env); err == nil && !b {
				return false, true
			}
		}
		return false, false
	}
	if !c.probe.vm {
		return false, false
	}
	saved := env.Steps
	env.Steps = nil
	out, err := v.Run(c.Program, env)
	env.Steps = saved
	if err != nil {
		return false, false
	}
	b, _ := out.(bool)
	return b, true
}

// newProbe prepares Probe for the checked tree n of a condition.
func newProbe(n ast.Node, slots map[string]int) probeInfo {
	uses, indexedOnly := stepsUse(n)
	if !uses {
		return probeInfo{}
	}
	p := probeInfo{usesSteps: true}
	for _, c := range conjuncts(n, nil) {
		if u, _ := stepsUse(c); u {
			continue
		}
		p.vm = indexedOnly
		if nat, err := nativeCompile(c, slots); err == nil {
			p.pre = append(p.pre, nat)
		}
	}
	return p
}

// stepsUse reports whether n refers to steps, and whether every such
// reference is indexed (steps[i], steps.x).
func stepsUse(n ast.Node) (uses, indexedOnly bool) {
	idents, indexed := 0, 0
	walk(n, func(n ast.Node) {
		switch x := n.(type) {
		case *ast.IdentifierNode:
			if x.Value == "steps" {
				idents++
			}
		case *ast.MemberNode:
			if id, ok := x.Node.(*ast.IdentifierNode); ok && id.Value == "steps" {
				indexed++
			}
		}
	})
	return idents > 0, idents > 0 && idents == indexed
}
