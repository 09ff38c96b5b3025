// Command mcpsoc is a detection pipeline for the audit logs of MCP (Model
// Context Protocol) tool calls.
//
// Usage:
//
//	mcpsoc run [--config FILE] [--demo]       consume from Kafka, detect, deliver alerts
//	mcpsoc replay [--rules PATH]... FILE...   detect over recorded NDJSON events
//	mcpsoc config check FILE                  validate a configuration file
//	mcpsoc rules check PATH...                validate rule files
//	mcpsoc rules test PATH...                 run the tests written in rule files
//	mcpsoc version
//
// Run "mcpsoc COMMAND -h" for the flags of a command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and found a problem (failed tests, bad rules)
	exitUsage   = 2
)

// cli carries the process's streams so that commands can be tested.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stderrTTY reports whether stderr is a terminal (progress display).
	stderrTTY bool
	// now is the wall clock written to event.created (tests fix it).
	now func() time.Time
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrTTY: isTerminal(os.Stderr), now: time.Now}
	os.Exit(c.run(ctx, os.Args[1:]))
}

func (c *cli) usage() {
	fmt.Fprint(c.stderr, `mcpsoc: detection pipeline for MCP tool-call audit logs

Usage:
  mcpsoc run [--config FILE] [--demo]       consume from Kafka, detect, deliver alerts
  mcpsoc replay [--rules PATH]... FILE...   detect over recorded NDJSON events ("-" = stdin)
  mcpsoc config check FILE                  validate a configuration file
  mcpsoc rules check PATH...                validate rule files
  mcpsoc rules test PATH...                 run the tests written in rule files
  mcpsoc version                            print the version

Run "mcpsoc COMMAND -h" for a command's flags.
`)
}

func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		c.usage()
		return exitUsage
	}
	switch args[0] {
	case "run":
		return c.runCmd(ctx, args[1:])
	case "replay":
		return c.replay(ctx, args[1:])
	case "config":
		return c.config(args[1:])
	case "rules":
		return c.rules(ctx, args[1:])
	case "version":
		fmt.Fprintln(c.stdout, "mcpsoc", version)
		return exitOK
	case "-h", "-help", "--help", "help":
		c.usage()
		return exitOK
	}
	fmt.Fprintf(c.stderr, "mcpsoc: unknown command %q\n", args[0])
	c.usage()
	return exitUsage
}

// parseFlags parses a command's flags, reporting -h as success.
func (c *cli) parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	fs.SetOutput(c.stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return exitOK, true
}

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return fmt.Sprint(*s) }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }
