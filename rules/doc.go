// Package rules loads detection rules from YAML files and compiles them for
// the detect engine.
//
// A rule file holds rules, named lists and macros (docs/rules.md is the
// format's specification). Loading turns them into a Set of *Rule whose
// conditions, keys, values and reason templates are expr programs compiled
// once against Env, the typed event plus the correlation context:
//
//	rule files ──Load/LoadPaths/Builtin──▶ Set{Rules, Lists, Macros}
//	  (YAML)      parse: yaml.Node, positions     │
//	              compile: expr programs,         ▼
//	              helper functions, index     detect engine: per event,
//	                                          Condition.Eval, Key, Expr.Text,
//	                                          Template.Render with a vm.VM
//
// Every expression goes through expr's parser, then two rewrites of its
// tree (lists and macros expanded in place; helper calls with constant
// arguments given values prepared at load: compiled regexps, parsed CIDRs
// and paths), then expr's type checker, optimizer and compiler. Errors of
// every file are collected and returned at once, each an *Error naming
// file:line:col: of the YAML key or value, or of the place inside an
// expression, mapped back through the YAML scalar's quoting, escapes and
// block indentation. A load either succeeds as a whole or returns no Set,
// so a reload can keep the rules it had.
//
// The top-level equality conjuncts of each condition on IndexFields are
// recorded in Condition.Index, so that the engine evaluates a rule only for
// events that carry one of its values.
//
// Compiled programs are immutable and shared; a vm.VM is not, so the engine
// keeps one per goroutine and passes it to the evaluation methods. Nothing
// in this package does I/O at evaluation time or keeps global mutable
// state.
package rules
