package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/ruletest"
	"github.com/mcpsoc/mcpsoc/rules"
)

func (c *cli) rules(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "Usage: mcpsoc rules check|test PATH...")
		return exitUsage
	}
	switch args[0] {
	case "check":
		return c.rulesCheck(args[1:])
	case "test":
		return c.rulesTest(args[1:])
	}
	fmt.Fprintf(c.stderr, "mcpsoc rules: unknown command %q (want check or test)\n", args[0])
	return exitUsage
}

// loadForCommand loads PATHs (or the built-in pack when there are none) and
// prints every error with its position.
func (c *cli) loadForCommand(name string, paths []string) (*rules.Set, bool) {
	set, err := loadRules(paths)
	if err == nil {
		return set, true
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		fmt.Fprintln(c.stderr, e)
	}
	fmt.Fprintf(c.stderr, "mcpsoc rules %s: %d errors\n", name, len(errs))
	return nil, false
}

func (c *cli) rulesCheck(args []string) int {
	fs := flag.NewFlagSet("rules check", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(c.stderr, `Usage: mcpsoc rules check PATH...

Loads rule files and directories (the built-in pack when no PATH is given),
reports every error with file:line:col, and warns about rules the engine
cannot index (evaluated for every event).
`)
	}
	if code, ok := c.parseFlags(fs, args); !ok {
		return code
	}
	set, ok := c.loadForCommand("check", fs.Args())
	if !ok {
		return exitFailure
	}
	kinds := map[rules.Kind]int{}
	tests := 0
	for _, r := range set.Rules {
		kinds[r.Kind]++
		tests += len(r.Tests)
		if r.Kind == rules.KindMatch && r.Enabled && !r.Indexed() {
			fmt.Fprintf(c.stderr, "%s: rule %q: warning: no equality on %v at the top level of the condition; it runs for every event\n", r.Pos, r.ID, rules.IndexFields)
		}
	}
	eng, err := detect.New(set, detect.Options{})
	if err != nil {
		fmt.Fprintf(c.stderr, "mcpsoc rules check: %v\n", err)
		return exitFailure
	}
	indexed, always := eng.Indexed()
	fmt.Fprintf(c.stdout, "%d rules OK (", len(set.Rules))
	first := true
	for _, k := range []rules.Kind{rules.KindMatch, rules.KindSequence, rules.KindThreshold, rules.KindFirstSeen, rules.KindChange} {
		if kinds[k] == 0 {
			continue
		}
		if !first {
			fmt.Fprint(c.stdout, ", ")
		}
		fmt.Fprintf(c.stdout, "%d %s", kinds[k], k)
		first = false
	}
	fmt.Fprintf(c.stdout, "); %d match rules indexed, %d run for every event; %d tests\n", indexed, always, tests)
	return exitOK
}

func (c *cli) rulesTest(args []string) int {
	fs := flag.NewFlagSet("rules test", flag.ContinueOnError)
	verbose := fs.Bool("v", false, "list passing tests too")
	fs.Usage = func() {
		fmt.Fprint(c.stderr, `Usage: mcpsoc rules test [-v] PATH...

Runs the tests written in rule files (the built-in pack when no PATH is
given). Each test feeds its events through a fresh engine in event time and
compares the alerts with its expectations. Exits 1 when a test fails.

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := c.parseFlags(fs, args); !ok {
		return code
	}
	set, ok := c.loadForCommand("test", fs.Args())
	if !ok {
		return exitFailure
	}
	results := ruletest.Run(set, detect.Options{})
	failed := 0
	for _, r := range results {
		if r.Passed() {
			if *verbose {
				fmt.Fprintf(c.stdout, "PASS %s\n", r.Name())
			}
			continue
		}
		failed++
		fmt.Fprintf(c.stdout, "FAIL %s (%s)\n", r.Name(), r.Test.Pos)
		for _, f := range r.Failures {
			fmt.Fprintf(c.stdout, "    %s\n", f)
		}
	}
	fmt.Fprintf(c.stdout, "%d tests, %d passed, %d failed\n", len(results), len(results)-failed, failed)
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}
