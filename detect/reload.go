package detect

import (
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/rules"
)

// Swap replaces the engine's rule set between two events (hot reload).
// Match rules take effect at once. Correlation state is carried over when
// every enabled correlation rule, and its suppression, is unchanged
// (compared by compiled program, window and keys); otherwise the
// correlation and suppression state is dropped and Swap reports it, so that
// the caller can log it (a live pipeline rebuilds it from new traffic).
func (e *Engine) Swap(set *rules.Set) (keptState bool, err error) {
	keep := slices.Equal(correlationPrints(e.set), correlationPrints(set))
	if !keep {
		if err := e.newCorrelation(set); err != nil {
			return false, err
		}
	}
	e.setMatch(set)
	return keep, nil
}

// correlationPrints fingerprints the state-bearing parts of a set's rules:
// correlation rules, and the suppression of every rule.
func correlationPrints(s *rules.Set) []string {
	var out []string
	for _, r := range s.Rules {
		if !r.Enabled || (r.Kind == rules.KindMatch && r.Suppress == nil) {
			continue
		}
		var b strings.Builder
		b.WriteString(r.ID + "\x00" + r.Version + "\x00" + string(r.Kind) + "\x00" + r.Severity.String())
		cond := func(c *rules.Condition) {
			b.WriteByte(0)
			if c != nil {
				b.WriteString(program(c.Program))
			}
		}
		exprs := func(es ...*rules.Expr) {
			for _, e := range es {
				b.WriteByte(0)
				if e != nil {
					b.WriteString(program(e.Program))
				}
			}
		}
		if r.Kind != rules.KindMatch {
			cond(r.Condition)
		}
		exprs(r.By...)
		exprs(r.Values...)
		exprs(r.Distinct, r.Diff)
		cond(r.Until)
		for _, st := range r.Steps {
			cond(st.Condition)
			exprs(st.By...)
			b.WriteString(st.Name)
			if st.Not {
				b.WriteString("\x00not")
			}
			b.WriteString("\x00" + strconv.Itoa(st.Count))
		}
		b.WriteString("\x00" + r.Within.String() + "\x00" + r.Learning.String() + "\x00" + strconv.Itoa(r.Count) + "\x00" + strconv.Itoa(r.MaxKeys))
		if r.Suppress != nil {
			exprs(r.Suppress.By...)
			b.WriteString("\x00" + r.Suppress.For.String())
		}
		out = append(out, b.String())
	}
	return out
}

func program(p *vm.Program) string {
	if p == nil {
		return ""
	}
	return p.Disassemble()
}
