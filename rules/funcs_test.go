package rules

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

func TestHelpers(t *testing.T) {
	long := strings.Repeat("a", MaxMatchInput) + "needle"
	tests := []struct {
		expr string
		want any
	}{
		// Case-insensitive text.
		{`icontains(mcp.result.text, "ignore PREVIOUS")`, true},
		{`icontains(mcp.result.text, "")`, true},
		{`icontains("", "x")`, false},
		{`icontains("tas\u212A", "TASK")`, true},     // Kelvin sign
		{`icontains("\u017Fecret", "SECRET")`, true}, // long s
		{`icontains("\u0131gnore", "IGNORE")`, true}, // dotless i
		{`icontains("ab\xffcd", "cd")`, true},
		{`icontains("ab", "abc")`, false},
		{`icontains_any(mcp.result.text, ["nothing", "SEND IT"])`, true},
		{`icontains_any(mcp.result.text, tags)`, false},
		{`icontains_any(mcp.result.text, [])`, false},
		{`icontains_any("PROD", tags)`, true},
		{`iequals("Ünïcode", "üNÏCODE")`, true},
		{`iequals("abc", "abcd")`, false},
		{`istarts_with(gen_ai.tool.name, "SEND_")`, true},
		{`istarts_with("", "")`, true},
		{`iends_with(gen_ai.tool.name, "_EMAIL")`, true},
		{`iends_with("é", "É")`, true},
		{`iends_with("x", "xx")`, false},
		{`in_list(gen_ai.tool.name, ["send_email", "x"])`, true},
		{`in_list(gen_ai.tool.name, ["SEND_EMAIL"])`, false},
		{`in_list("eu", tags)`, true},
		{`in_list(mcp.server.name, [mcp.server.name])`, true},

		// Patterns.
		{`regex(mcp.result.text, "(?i)ignore\\s+previous")`, true},
		{`regex(mcp.result.text, "^ignore")`, false},
		{`regex("tas\u212A", "(?i)task")`, true}, // Kelvin sign
		{`regex("ſecret", "(?i)SECRET")`, true},
		{`regex("ıgnore", "(?i)ignore")`, false}, // not in i's simple-fold orbit
		{`mcp.result.text matches "previous\\s+instr"`, true},
		{`regex("` + long + `", "needle")`, false}, // past MaxMatchInput
		{`glob(mcp.resource.uri, "file:///home/*/.ssh/**")`, true},
		{`glob(mcp.resource.uri, "file:///home/*/id_rsa")`, false},
		{`glob("a/b/c.txt", "**.txt")`, true},
		{`glob("a/b/c.txt", "*.txt")`, false},
		{`glob("x1", "x?")`, true},
		{`glob("xb", "x[a-c]")`, true},
		{`glob("xb", "x[!a-c]")`, false},
		{`glob("a*b", "a\\*b")`, true},
		{`glob("axb", "a\\*b")`, false},
		{`glob("a.b", "a.b")`, true},
		{`glob("aXb", "a.b")`, false},

		// Network.
		{`url_domain(url.full)`, "paste.example.com"},
		{`url_domain("HTTPS://EVIL.com./x")`, "evil.com"},
		{`url_domain("http://[::1]:80/")`, "::1"},
		{`url_domain("//host.example/p")`, "host.example"},
		{`url_domain("not a url")`, ""},
		{`url_domain("http://exa mple.com")`, ""},
		{`url_domain("")`, ""},
		{`email_domain(user.email)`, "corp.example.com"},
		{`email_domain("a@B.org")`, "b.org"},
		{`email_domain("nope")`, ""},
		{`email_domain("a@")`, ""},
		{`domain_matches(url_domain(url.full), pastebins)`, true},
		{`domain_matches("example.com", pastebins)`, true},
		{`domain_matches("notpastebin.com", pastebins)`, false},
		{`domain_matches("PASTEBIN.COM.", pastebins)`, true},
		{`domain_matches("a.pastebin.com", tags)`, false},
		{`domain_matches("", pastebins)`, false},
		{`domain_matches("x.eu", tags)`, true},
		{`cidr_match(source.ip, "10.0.0.0/8")`, true},
		{`cidr_match(destination.ip, ["10.0.0.0/8", "192.168.0.0/16"])`, false},
		{`cidr_match("::ffff:10.9.9.9", "10.0.0.0/8")`, true},
		{`cidr_match("10.9.9.9", "::ffff:10.0.0.0/104")`, true},
		{`cidr_match("fe80::1%eth0", "fe80::/10")`, true},
		{`cidr_match("8.8.8.8", "8.8.8.8")`, true},
		{`cidr_match("garbage", "0.0.0.0/0")`, false},
		{`is_private_ip(source.ip)`, true},
		{`is_private_ip("192.168.1.1")`, true},
		{`is_private_ip("172.31.255.255")`, true},
		{`is_private_ip("172.32.0.1")`, false},
		{`is_private_ip("127.0.0.1")`, true},
		{`is_private_ip("::1")`, true},
		{`is_private_ip("fd12::1")`, true},
		{`is_private_ip("169.254.169.254")`, true},
		{`is_private_ip("fe80::1")`, true},
		{`is_private_ip(destination.ip)`, false},
		{`is_private_ip("2001:db8::1")`, false},
		{`is_private_ip("")`, false},

		// Arguments.
		{`arg("to")`, "bob@example.org"},
		{`arg("files[0].path")`, "/etc/passwd"},
		{`arg("files[5].path")`, nil},
		{`arg("files.path")`, nil},
		{`arg("[\"a.b\"].c")`, "dotted"},
		{`arg("count")`, 3.0},
		{`arg("missing")`, nil},
		{`json_path(gen_ai.tool.call.arguments, "files[1].path")`, "b.txt"},
		{`json_path(gen_ai.tool.call.arguments, "files[" + "1].path")`, "b.txt"},
		{`json_path(gen_ai.tool.call.arguments, "files[" + "x].path")`, nil},
		{`json_path(labels, "team")`, "sec"},
		{`json_path(tags, "[1]")`, "eu"},
		{`json_path(nil, "a")`, nil},
		{`arg_text(gen_ai.tool.call.arguments)`, "dotted\nsee https://paste.example.com/abc, and http://x.test/(1).\n/etc/passwd\nb.txt\nreport\nbob@example.org"},
		{`arg_text("plain")`, "plain"},
		{`arg_text(nil)`, ""},
		{`arg_text(tags)`, "prod\neu"},
		{`arg_urls(gen_ai.tool.call.arguments)`, []string{"https://paste.example.com/abc", "http://x.test/(1"}},
		{`arg_urls("x https://a.example/1 https://a.example/1 'ftp://f.example/x'")`, []string{"https://a.example/1", "ftp://f.example/x"}},
		{`arg_urls("://nothing and http:// and 1http://x.y")`, []string{"http://x.y"}},
		{`arg_emails(gen_ai.tool.call.arguments)`, []string{"bob@example.org"}},
		{`arg_emails(mcp.result.text + " a@b c@d.e x@y.example.org.")`, []string{"mallory@evil.example", "x@y.example.org"}},
		{`arg_emails("@@@ a@@b.com ..a@b.com")`, []string{"a@b.com"}},
		{`len(arg_urls(nil))`, 0},

		// Hashing.
		{`sha256("abc")`, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{`tojson({"b": 1, "a": "<x>"})`, `{"a":"<x>","b":1}`},
		{`tojson(tags)`, `["prod","eu"]`},
		{`tojson(nil)`, `null`},

		// Content detectors: types are checked, hostile numbers refused.
		{`shares_text("abc", "abc", 0)`, false},
		{`base64_blob("QUFB", -1)`, false},
		{`type(injection_score(""))`, "float"},
		{`type(overlap("", ""))`, "float"},
		{`type(hidden_text(""))`, "bool"},
		{`type(has_secret(""))`, "bool"},
	}
	ev := testEvent()
	for _, tt := range tests {
		got := evalText(t, tt.expr, ev)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.expr, diff)
		}
	}
}

// contentBacked are the helpers that call detect/content.
var contentBacked = map[string]bool{"shares_text": true, "overlap": true, "injection_score": true, "description_score": true, "injection_phrases": true, "hidden_text": true, "base64_blob": true, "has_secret": true}

// TestHelpersHostile calls every helper directly with arguments of every
// wrong type: none may panic or fail.
func TestHelpersHostile(t *testing.T) {
	values := []any{nil, "", "x\xff\x00", 0, -1, 1 << 62, 3.5, true, []any{nil, 1, "a"}, []string(nil), event.Strings{"a"},
		map[string]any{"a": []any{map[string]any{}}}, map[string]string{}, struct{}{}, &struct{}{}, (*matcher)(nil),
		(*stringSet)(nil), (*foldList)(nil), (*domainSet)(nil), (*prefixSet)(nil), (*jsonPath)(nil)}
	for _, h := range helpers {
		n := reflect.TypeOf(h.types[len(h.types)-1]).Elem().NumIn()
		args := make([]any, n)
		var try func(i int)
		try = func(i int) {
			if i == n {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s%v panicked: %v", h.name, args, r)
						}
					}()
					if _, err := h.fn(args...); err != nil {
						if contentBacked[h.name] {
							// The detector's own bug, turned into an
							// evaluation error: detect/content tests it.
							t.Logf("%s%v: %v", h.name, args, err)
							return
						}
						t.Errorf("%s%v: %v", h.name, args, err)
					}
				}()
				return
			}
			for _, v := range values {
				args[i] = v
				try(i + 1)
			}
		}
		try(0)
	}
}

func TestHelperTableMatchesDocs(t *testing.T) {
	doc := readDoc(t)
	for _, h := range helpers {
		if !strings.Contains(doc, "`"+h.name+"(") {
			t.Errorf("docs/rules.md does not document %s", h.name)
		}
	}
}

// TestNonASCIIFolds checks that ı, İ, ſ and K are the only non-ASCII
// characters folding to ASCII, which the fast path of containsFold relies
// on.
func TestNonASCIIFolds(t *testing.T) {
	var got []rune
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if f := foldRune(r); f < utf8.RuneSelf {
			got = append(got, r)
		}
	}
	if diff := cmp.Diff(nonASCIIFolds, got); diff != "" {
		t.Errorf("non-ASCII characters folding to ASCII (-want +got):\n%s", diff)
	}
}

func TestContainsFold(t *testing.T) {
	tests := []struct {
		s, sub string
		want   bool
	}{
		{"Hello World", "o w", true},
		{"Hello World", "WORLD", true},
		{"Hello", "hello!", false},
		{"aaaaab", "AAB", true},
		{"ſſſ", "SS", true},
		{"straße", "STRASSE", false},
		{"", "", true},
		{"x", "", true},
		{"\xff", "\xff", true},
		{"ΣΑΣ", "σας", true},
	}
	for _, tt := range tests {
		if got := containsFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tt.s, tt.sub, got, tt.want)
		}
	}
}

func FuzzContainsFold(f *testing.F) {
	f.Add("Hello World", "o w")
	f.Add("taſK", "task")
	f.Add("İstanbul", "istan")
	f.Fuzz(func(t *testing.T, s, sub string) {
		if !utf8.ValidString(s) || !utf8.ValidString(sub) {
			return
		}
		want := strings.Contains(foldString(s), foldString(sub))
		if got := containsFold(s, sub); got != want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", s, sub, got, want)
		}
		if got := hasPrefixFold(s, sub); got != strings.HasPrefix(foldString(s), foldString(sub)) {
			t.Errorf("hasPrefixFold(%q, %q) = %v", s, sub, got)
		}
		if got := hasSuffixFold(s, sub); got != strings.HasSuffix(foldString(s), foldString(sub)) {
			t.Errorf("hasSuffixFold(%q, %q) = %v", s, sub, got)
		}
	})
}

// TestFoldCoversSimpleFold checks that the characters of each Unicode
// simple-fold orbit (what the regexp package's (?i) matches) share one
// foldRune, so that containsFold is a sound gate for case-folded literals.
func TestFoldCoversSimpleFold(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if foldRune(f) != foldRune(r) {
				t.Errorf("%U and %U fold together for regexp, but foldRune gives %U and %U", r, f, foldRune(r), foldRune(f))
			}
		}
	}
}

func gateString(m *matcher) string { return literalsString(m.gate) }

// literalsString writes literals for tests: joined by |, a case-folded one
// lower-cased after "i:".
func literalsString(ls []literal) string {
	var parts []string
	for _, l := range ls {
		if l.fold {
			parts = append(parts, "i:"+strings.ToLower(l.s))
		} else {
			parts = append(parts, l.s)
		}
	}
	return strings.Join(parts, "|")
}

func TestRequiredLiterals(t *testing.T) {
	tests := []struct {
		pattern string
		gate    string
	}{
		{`ignore\s+previous`, "previous"},
		{`(?i)ignore\s+previous`, "i:previous"}, // v is rarer than g
		{`(?i)ignore\s+(all\s+)?previous\s+instructions`, "i:previous"},
		{`(?i)ignore\s+(all\s+)?previous\s+instructions|x`, "i:previous|i:x"},
		{`(?i)task`, "i:task"},
		{`(curl|wget).*\|\s*sh`, "curl|wget"},
		{`(?i)(disregard|forget)\s+(the|all)`, "i:disregard|i:forget"},
		{`a?b*`, ""},
		{`(abc)+x`, "abc"},
		{`x{2,}yy`, "yy"},
		{`x{0,3}`, ""},
		{`^/etc/passwd$`, "/etc/passwd"},
		{`é+`, "é"},
		{`(?i)é`, "i:é"},
		{`a|b*`, ""},
		{`[a-z]{3}\d{4}`, ""},
		{"\\xff|a", ""},
		// A one-character literal loses to a longer folded one.
		{`(?i)(^|[\s/])\.(netrc|npmrc)`, "i:etrc|i:pmrc"}, // the parser factors out the n,
		// Many branches: all their literals, searched in one pass.
		{`(?i)a1x|b2x|c3x|d4x|e5x|f6x|g7x|h8x|i9x|j0x|k1x|l2x|m3x|n4x|o5x|p6x|q7x|r8x`, "i:a1x|i:b2x|i:c3x|i:d4x|i:e5x|i:f6x|i:g7x|i:h8x|i:i9x|i:j0x|i:k1x|i:l2x|i:m3x|i:n4x|i:o5x|i:p6x|i:q7x|i:r8x"},
	}
	for _, tt := range tests {
		m, err := newMatcher(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := gateString(m); got != tt.gate {
			t.Errorf("newMatcher(%q): gate %q, want %q", tt.pattern, got, tt.gate)
		}
	}
}

// FuzzRegexGate checks that the literal gate never changes a result: a
// wrong gate would silently lose alerts.
func FuzzRegexGate(f *testing.F) {
	f.Add(`(?i)ignore\s+previous`, "please IGNORE   Previous things")
	f.Add(`ab+c`, "xxabbbc")
	f.Add(`(?i)sk`, "tas\u212A")
	f.Add(`(?i)a.c`, "\xffABC")
	f.Add(`(?i)(σ|x)`, "ς")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		m, err := newMatcher(pattern)
		if err != nil {
			return
		}
		in := s
		if len(in) > MaxMatchInput {
			in = in[:MaxMatchInput]
		}
		want := m.re.MatchString(in)
		if got := m.match(s); got != want {
			t.Errorf("pattern %q (gate %q) on %q: %v, want %v", pattern, gateString(m), s, got, want)
		}
	})
}

func TestGlobToRegexp(t *testing.T) {
	tests := []struct {
		glob, re string
		err      bool
	}{
		{"*.txt", `(?s)^[^/]*\.txt$`, false},
		{"**/id_rsa", `(?s)^.*/id_rsa$`, false},
		{"a?c", `(?s)^a[^/]c$`, false},
		{"[!a-z]", `(?s)^[^a-z]$`, false},
		{"[]]", `(?s)^[\]]$`, false},
		{"[a-", "", true},
		{"x\\", `(?s)^x\\$`, false},
	}
	for _, tt := range tests {
		got, err := globToRegexp(tt.glob)
		if (err != nil) != tt.err || got != tt.re {
			t.Errorf("globToRegexp(%q) = %q, %v; want %q, error %v", tt.glob, got, err, tt.re, tt.err)
		}
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		path string
		err  bool
	}{
		{"a", false},
		{"a.b[0].c", false},
		{`["a.b"].c`, false},
		{"[0]", false},
		{"", true},
		{".a", true},
		{"a.", true},
		{"a..b", true},
		{"a[", true},
		{"a[-1]", true},
		{"a[x]", true},
		{`a["x`, true},
		{`a["x"`, true},
	}
	for _, tt := range tests {
		if _, err := parsePath(tt.path); (err != nil) != tt.err {
			t.Errorf("parsePath(%q) error %v, want error %v", tt.path, err, tt.err)
		}
	}
}
