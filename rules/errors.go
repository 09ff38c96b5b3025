package rules

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is a problem in a rule file: a YAML syntax error, an unknown or
// missing key, a bad value, or an expression that does not compile. Load and
// Parse return every Error they find at once, joined with errors.Join.
type Error struct {
	// Pos is where the problem is: the offending key or value, or the place
	// inside an expression. Line and Column are 0 when unknown.
	Pos Pos
	// Rule is the id of the rule the problem belongs to, "" outside a rule
	// (lists, macros, a broken file).
	Rule string
	// Err says what is wrong.
	Err error
}

// Error formats the error as file:line:col: rule "ID": message, leaving out
// what is not known.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Pos.Line > 0 && e.Pos.Column > 0:
		b.WriteString(e.Pos.String())
	case e.Pos.Line > 0:
		fmt.Fprintf(&b, "%s:%d", e.Pos.File, e.Pos.Line)
	default:
		b.WriteString(e.Pos.File)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Rule != "" {
		fmt.Fprintf(&b, "rule %q: ", e.Rule)
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// errorList collects the errors of a load.
type errorList struct {
	errs []*Error
}

func (l *errorList) add(pos Pos, rule string, err error) {
	l.errs = append(l.errs, &Error{Pos: pos, Rule: rule, Err: err})
}

func (l *errorList) addf(pos Pos, rule string, format string, args ...any) {
	l.add(pos, rule, fmt.Errorf(format, args...))
}

// err returns the errors sorted by file (in load order), line and column,
// joined; nil when there are none. order gives each file's load position.
func (l *errorList) err(order map[string]int) error {
	if len(l.errs) == 0 {
		return nil
	}
	errs := slices.Clone(l.errs)
	slices.SortStableFunc(errs, func(a, b *Error) int {
		if c := cmp.Compare(fileOrder(order, a.Pos.File), fileOrder(order, b.Pos.File)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Pos.File, b.Pos.File); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Pos.Line, b.Pos.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Pos.Column, b.Pos.Column)
	})
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}

func fileOrder(order map[string]int, name string) int {
	if i, ok := order[name]; ok {
		return i
	}
	return len(order) // test files and unknown names after the rule files
}
