package rules

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// envNames are the names at the top level of the expression environment:
// the event's top-level fields (timestamp, event, organization, ..., mcp),
// steps and state. Lists and macros may not take them.
var envNames = topLevelNames(reflect.TypeFor[Env]())

func topLevelNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if f.Anonymous {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			names = append(names, topLevelNames(ft)...)
			continue
		}
		if tag := f.Tag.Get("expr"); tag != "" {
			names = append(names, tag)
		}
	}
	return names
}

// exprWords are the keywords and literals of the expression language.
var exprWords = []string{"true", "false", "nil", "in", "not", "and", "or", "matches", "contains", "startsWith", "endsWith", "let", "if", "else", "$env"}

// reservedName reports why name cannot be a list or macro, or "".
func reservedName(name string) string {
	switch {
	case slices.Contains(envNames, name):
		return "an event field"
	case isHelper(name):
		return "a helper function"
	case slices.Contains(exprWords, name):
		return "a keyword"
	}
	if _, ok := builtin.Index[name]; ok {
		return "a builtin function"
	}
	return ""
}

// Eval evaluates the condition for env with v, which the caller keeps one
// of per goroutine (a vm.VM is reused to avoid allocations; the compiled
// program is shared). A nil condition is true for every event. A run-time
// error (an index out of range, say) is returned with false.
func (c *Condition) Eval(v *vm.VM, env *Env) (bool, error) {
	if c == nil {
		return true, nil
	}
	if c.native != nil {
		return c.native.evalBool(env)
	}
	out, err := v.Run(c.Program, env)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

// Indexed reports whether the condition has equality conjuncts on index
// fields: whether it can only be true for events carrying one of its Index
// values.
func (c *Condition) Indexed() bool { return c != nil && len(c.Index) > 0 }

// Eval evaluates the expression for env with v (see Condition.Eval).
func (e *Expr) Eval(v *vm.VM, env *Env) (any, error) {
	if e.native != nil {
		return e.native.evalAny(env)
	}
	return v.Run(e.Program, env)
}

// Text evaluates the expression for env and returns its value as key text:
// strings as they are, nil as "", numbers and booleans as Go formats them,
// times in RFC 3339 UTC, lists and objects as canonical JSON.
func (e *Expr) Text(v *vm.VM, env *Env) (string, error) {
	if e.native != nil {
		return e.native.evalText(env)
	}
	out, err := v.Run(e.Program, env)
	if err != nil {
		return "", err
	}
	return keyText(out), nil
}

// Key evaluates exprs (a rule's By, a step's By, a suppression's By) for env
// and returns the group key: each value's text quoted and joined with
// commas, so that different values never give the same key.
func Key(v *vm.VM, env *Env, exprs []*Expr) (string, error) {
	var b []byte
	for i, e := range exprs {
		s, err := e.Text(v, env)
		if err != nil {
			return "", fmt.Errorf("evaluating %s: %w", e.Source, err)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, s)
	}
	return string(b), nil
}

// keyText turns a value into key text.
func keyText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case time.Duration:
		return x.String()
	case event.RequestID:
		return string(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32:
		return formatFloat(rv.Float())
	}
	return canonicalJSON(v)
}

// formatFloat writes integral values without a fraction and others with at
// most four decimals.
func formatFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1e15 {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64)
}

// Indexed reports whether the engine can skip the rule for events that
// carry none of its index values: its Condition has an Index, or, for a
// sequence, the condition of every step (and until) has one. mcpsoc rules
// check warns about enabled rules that are not indexed.
func (r *Rule) Indexed() bool {
	if r.Condition.Indexed() {
		return true
	}
	if r.Kind != KindSequence || len(r.Steps) == 0 {
		return false
	}
	for _, s := range r.Steps {
		if !s.Condition.Indexed() {
			return false
		}
	}
	return r.Until == nil || r.Until.Indexed()
}
