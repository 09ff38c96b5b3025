package kafkatest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Child is a test binary run again as a child process, seen from the test
// that started it.
type Child struct {
	cmd   *exec.Cmd
	stdin io.Closer
	done  chan struct{}
}

// StartChild runs the current test binary again with no test selected
// (-test.run=^$) and env added to its environment; the child's TestMain
// recognises env and runs the child's body instead of tests. onLine
// receives the fields of each line the child prints on its standard
// output, in order, from one goroutine. The child's standard error is the
// test's. At the end of the test the child's standard input is closed (see
// ExitWithParent), it is killed if still running, and waited for.
func StartChild(t testing.TB, env []string, onLine func(fields []string)) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the child process: %v", err)
	}
	c := &Child{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			onLine(strings.Fields(sc.Text()))
		}
	}()
	t.Cleanup(func() {
		_ = c.stdin.Close()
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
		<-c.done
	})
	return c
}

// Kill SIGKILLs the child (no LeaveGroup, no final commit, no drain) and
// returns once every line it printed has been passed to onLine.
func (c *Child) Kill(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing the child process: %v", err)
	}
	_ = c.cmd.Wait()
	<-c.done
}

// Printer prints lines to a child's standard output for the parent to
// read, one whole line at a time from any goroutine.
type Printer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewPrinter returns a Printer on w (os.Stdout in a child).
func NewPrinter(w io.Writer) *Printer { return &Printer{w: w} }

// Say prints one line.
func (p *Printer) Say(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// ExitWithParent calls cancel when the child's standard input closes: the
// parent test ended or went away, and the child must not outlive it.
func ExitWithParent(cancel context.CancelFunc) {
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
}

// ReportOwned prints "owned P,P,..." (the partitions owned() returns, in
// its order; "owned" alone for none) whenever they change, polling every
// interval until ctx ends. It returns at once; the polling runs in a
// goroutine.
func ReportOwned(ctx context.Context, p *Printer, interval time.Duration, owned func() []int) {
	go func() {
		last := "-"
		for ctx.Err() == nil {
			ps := owned()
			s := make([]string, len(ps))
			for i, n := range ps {
				s[i] = strconv.Itoa(n)
			}
			if cur := strings.Join(s, ","); cur != last {
				p.Say("owned %s", cur)
				last = cur
			}
			time.Sleep(interval)
		}
	}()
}

// ParseOwned returns the partitions of an "owned P,P,..." line's fields,
// and false for any other line.
func ParseOwned(fields []string) ([]int, bool) {
	if len(fields) == 0 || fields[0] != "owned" || len(fields) > 2 {
		return nil, false
	}
	ps := []int{}
	if len(fields) == 2 {
		for _, s := range strings.Split(fields[1], ",") {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, false
			}
			ps = append(ps, n)
		}
	}
	return ps, true
}
