package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/pipeline"
	"github.com/mcpsoc/mcpsoc/ingest"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
	"github.com/mcpsoc/mcpsoc/sinks"
)

func (c *cli) replay(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	var rulePaths stringsFlag
	fs.Var(&rulePaths, "rules", "rule file or directory (repeatable; default: the built-in pack)")
	evidence := fs.Int("evidence-text", 1024, "bytes of each text kept in alert evidence")
	maxEvent := fs.Int("max-event-bytes", 1<<20, "largest event accepted, in bytes")
	maxResult := fs.Int("max-result-text", 64<<10, "bytes of result text kept per event")
	quiet := fs.Bool("quiet", false, "no summary on stderr")
	fs.Usage = func() {
		fmt.Fprint(c.stderr, `Usage: mcpsoc replay [flags] FILE...

Reads NDJSON audit events (one per line; "-" = stdin) in order, runs the
rules over them in event time, closes every window at the end of the input,
writes alerts as NDJSON on stdout and a summary on stderr. Bad lines are
counted and reported; they never stop the replay.

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := c.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(c.stderr, "mcpsoc replay: no input file (use - for stdin)")
		fs.Usage()
		return exitUsage
	}
	set, err := loadRules(rulePaths)
	if err != nil {
		fmt.Fprintf(c.stderr, "mcpsoc replay: %v\n", err)
		return exitFailure
	}

	var src *ingest.FileSource
	if slices.Equal(fs.Args(), []string{"-"}) {
		src = ingest.NewReaderSource("stdin", c.stdin)
	} else {
		paths := fs.Args()
		for i, p := range paths {
			if p == "-" {
				fmt.Fprintf(c.stderr, "mcpsoc replay: stdin (-) must be the only input, got it as input %d of %d\n", i+1, len(paths))
				return exitUsage
			}
		}
		src = ingest.NewFileSource(paths...)
	}
	src.MaxLineBytes = *maxEvent
	out := sinks.NewWriter(c.stdout)
	run := pipeline.New(src, set, out, pipeline.Options{
		Shards:     1, // one ordered stream: the output is deterministic
		Limits:     event.Limits{MaxEventBytes: *maxEvent, MaxResultText: *maxResult},
		Engine:     detect.Options{EvidenceText: *evidence, Ruleset: rulesetName(rulePaths), Now: c.now},
		BatchSize:  256,
		FlushAtEnd: true,
	})
	firstBad := map[string]string{}
	var badMu sync.Mutex
	run.OnBadEvent = func(rec ingest.Record, err error) {
		badMu.Lock()
		defer badMu.Unlock()
		k := pipeline.ReasonClass(err)
		if _, ok := firstBad[k]; !ok && len(firstBad) < 100 {
			firstBad[k] = rec.Origin
		}
	}

	start := time.Now()
	stopProgress := func() {}
	if c.stderrTTY && !*quiet {
		stopProgress = c.progress(run, start)
	}
	err = run.Run(ctx)
	stopProgress()
	closeErr := out.Close(context.Background())
	if err != nil {
		fmt.Fprintf(c.stderr, "mcpsoc replay: %v\n", err)
		if errors.Is(err, context.Canceled) {
			return 130
		}
		return exitFailure
	}
	if closeErr != nil {
		fmt.Fprintf(c.stderr, "mcpsoc replay: writing alerts: %v\n", closeErr)
		return exitFailure
	}
	if !*quiet {
		c.summary(run.Stats(), set, firstBad, time.Since(start))
	}
	return exitOK
}

func rulesetName(paths []string) string {
	if len(paths) == 0 {
		return "builtin"
	}
	return "custom"
}

// loadRules loads rule files, or the built-in pack when paths is empty.
func loadRules(paths []string) (*rules.Set, error) {
	if len(paths) == 0 {
		return rules.Builtin()
	}
	return rules.LoadPaths(paths...)
}

// progress shows a one-line progress display on stderr, after the first
// second, until the returned function is called.
func (c *cli) progress(run *pipeline.Runner, start time.Time) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		shown := false
		for {
			select {
			case <-done:
				if shown {
					fmt.Fprint(c.stderr, "\r\033[K")
				}
				return
			case <-t.C:
				el := time.Since(start)
				if el < time.Second {
					continue
				}
				s := run.Stats()
				fmt.Fprintf(c.stderr, "\r\033[K%s events, %s alerts, %s bad · %s events/s · %s",
					count(s.Events), count(s.Alerts), count(s.BadEvents),
					count(uint64(float64(s.Events)/el.Seconds())), el.Truncate(time.Second))
				shown = true
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// summary prints what the replay did.
func (c *cli) summary(s pipeline.Stats, set *rules.Set, firstBad map[string]string, el time.Duration) {
	w := c.stderr
	rate := float64(s.Events+s.BadEvents) / max(el.Seconds(), 1e-9)
	fmt.Fprintf(w, "mcpsoc replay: %d events (%d bad) in %s, %s events/s; %d alerts\n",
		s.Events+s.BadEvents, s.BadEvents, el.Round(time.Millisecond), count(uint64(rate)), s.Alerts)
	if s.BadEvents > 0 {
		fmt.Fprintln(w, "bad events:")
		keys := sortedByCount(s.BadReasons)
		for i, k := range keys {
			if i == 10 {
				fmt.Fprintf(w, "  ... %d more reasons\n", len(keys)-10)
				break
			}
			where := firstBad[k]
			if where != "" {
				where = " (first at " + where + ")"
			}
			fmt.Fprintf(w, "  %5d  %s%s\n", s.BadReasons[k], truncate(k, 120), where)
		}
	}
	if s.Alerts > 0 {
		fmt.Fprintln(w, "alerts per rule:")
		names := map[string]*rules.Rule{}
		for _, r := range set.Rules {
			names[r.ID] = r
		}
		for _, id := range sortedByCount(s.AlertsPerRule) {
			r := names[id]
			fmt.Fprintf(w, "  %5d  %-16s %-8s %s\n", s.AlertsPerRule[id], id, r.Severity, r.Name)
		}
	}
}

func sortedByCount(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// count formats n with a k/M suffix.
func count(n uint64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
