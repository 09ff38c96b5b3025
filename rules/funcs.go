package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/mcpsoc/mcpsoc/detect/content"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// Limits of the helper functions.
const (
	// MaxArgText is how many bytes arg_text returns at most, and how much
	// text arg_urls and arg_emails scan.
	MaxArgText = 1 << 20
	// maxWalkDepth is how deep arg_text, arg_urls and arg_emails look into
	// nested objects.
	maxWalkDepth = 32
	// maxFound is how many URLs or addresses arg_urls and arg_emails return
	// at most.
	maxFound = 256
)

// helper is a function rule expressions can call. Its types are the
// signatures the checker accepts, internal ones (taking a value the patcher
// built at load) first, so that argument errors name the public signature.
type helper struct {
	name  string
	fn    func(args ...any) (any, error)
	types []any
}

// helpers is the table of helper functions (docs/rules.md documents each).
// Helpers never fail and never panic: arguments of the wrong type at run
// time give false, "", 0 or nil.
var helpers = []helper{
	{"icontains", fnIContains, []any{new(func(string, string) bool)}},
	{"icontains_any", fnIContainsAny, []any{new(func(string, *foldList) bool), new(func(string, []string) bool), new(func(string, []any) bool)}},
	{"iequals", fnIEquals, []any{new(func(string, string) bool)}},
	{"istarts_with", fnIStartsWith, []any{new(func(string, string) bool)}},
	{"iends_with", fnIEndsWith, []any{new(func(string, string) bool)}},
	{"in_list", fnInList, []any{new(func(string, *stringSet) bool), new(func(string, []string) bool), new(func(string, []any) bool)}},
	{"regex", fnRegex, []any{new(func(string, *matcher) bool), new(func(string, string) bool)}},
	{"glob", fnRegex, []any{new(func(string, *matcher) bool), new(func(string, string) bool)}},
	{"url_domain", fnURLDomain, []any{new(func(string) string)}},
	{"email_domain", fnEmailDomain, []any{new(func(string) string)}},
	{"domain_matches", fnDomainMatches, []any{new(func(string, *domainSet) bool), new(func(string, []string) bool), new(func(string, []any) bool)}},
	{"cidr_match", fnCIDRMatch, []any{new(func(string, *prefixSet) bool), new(func(string, string) bool), new(func(string, []any) bool)}},
	{"is_private_ip", fnIsPrivateIP, []any{new(func(string) bool)}},
	{"json_path", fnJSONPath, []any{new(func(any, *jsonPath) any), new(func(any, string) any)}},
	{"arg", fnArg, []any{new(func(string) any)}},
	{"arg_text", fnArgText, []any{new(func(any) string)}},
	{"arg_urls", fnArgURLs, []any{new(func(any) []string)}},
	{"arg_emails", fnArgEmails, []any{new(func(any) []string)}},
	{"shares_text", fnSharesText, []any{new(func(string, string, int) bool)}},
	{"overlap", fnOverlap, []any{new(func(string, string) float64)}},
	{"injection_score", fnInjectionScore, []any{new(func(string) float64)}},
	{"injection_phrases", fnInjectionPhrases, []any{new(func(string) []string)}},
	{"description_score", fnDescriptionScore, []any{new(func(string) float64)}},
	{"hidden_text", fnHiddenText, []any{new(func(string) bool)}},
	{"base64_blob", fnBase64Blob, []any{new(func(string, int) bool)}},
	{"has_secret", fnHasSecret, []any{new(func(string) bool)}},
	{"sha256", fnSHA256, []any{new(func(string) string)}},
	{"tojson", fnToJSON, []any{new(func(any) string)}},
}

// helperOptions returns the expr options declaring the helpers.
func helperOptions() []expr.Option {
	opts := make([]expr.Option, len(helpers))
	for i, h := range helpers {
		opts[i] = expr.Function(h.name, h.fn, h.types...)
	}
	return opts
}

func isHelper(name string) bool {
	return slices.ContainsFunc(helpers, func(h helper) bool { return h.name == name })
}

// Argument conversions. The checker has already matched the signatures, but
// values typed any (arg("x"), json_path) only show their type at run time.

func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

// stringsOf returns the strings of a list value: []string, event.Strings,
// or []any of strings (other elements are skipped).
func stringsOf(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return l, true
	case event.Strings:
		return l, true
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}

// eachString calls fn for each string of a list value until fn returns
// true, and reports whether it did.
func eachString(v any, fn func(string) bool) bool {
	switch l := v.(type) {
	case []string:
		return slices.ContainsFunc(l, fn)
	case event.Strings:
		return slices.ContainsFunc(l, fn)
	case []any:
		for _, e := range l {
			if s, ok := e.(string); ok && fn(s) {
				return true
			}
		}
	}
	return false
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		return int(n), true
	case uint64:
		if n > 1<<62 {
			return 1 << 62, true
		}
		return int(n), true
	case uint:
		if n > 1<<62 {
			return 1 << 62, true
		}
		return int(n), true
	case float64:
		if n != n || n > 1<<62 || n < -(1<<62) {
			return 0, false
		}
		return int(n), true
	}
	return 0, false
}

func fnIContains(args ...any) (any, error) {
	s, ok1 := str(args[0])
	sub, ok2 := str(args[1])
	return ok1 && ok2 && containsFold(s, sub), nil
}

func fnIContainsAny(args ...any) (any, error) {
	s, ok := str(args[0])
	if !ok {
		return false, nil
	}
	if l, ok := args[1].(*foldList); ok {
		return memoized(memoIContainsAny, l, s, func(s string) (any, error) { return l.in(s), nil })
	}
	return eachString(args[1], func(sub string) bool { return containsFold(s, sub) }), nil
}

func fnIEquals(args ...any) (any, error) {
	a, ok1 := str(args[0])
	b, ok2 := str(args[1])
	return ok1 && ok2 && equalFold(a, b), nil
}

func fnIStartsWith(args ...any) (any, error) {
	s, ok1 := str(args[0])
	p, ok2 := str(args[1])
	return ok1 && ok2 && hasPrefixFold(s, p), nil
}

func fnIEndsWith(args ...any) (any, error) {
	s, ok1 := str(args[0])
	p, ok2 := str(args[1])
	return ok1 && ok2 && hasSuffixFold(s, p), nil
}

func fnInList(args ...any) (any, error) {
	s, ok := str(args[0])
	if !ok {
		return false, nil
	}
	if set, ok := args[1].(*stringSet); ok {
		return set.has(s), nil
	}
	return eachString(args[1], func(e string) bool { return e == s }), nil
}

// fnRegex serves regex, glob and the matches operator. The patcher replaces
// every constant pattern with its *matcher at load and refuses the others,
// so a string pattern never reaches it.
func fnRegex(args ...any) (any, error) {
	s, ok := str(args[0])
	m, ok2 := args[1].(*matcher)
	if !ok || !ok2 {
		return false, nil
	}
	return memoized(memoRegex, m, s, func(s string) (any, error) { return m.match(s), nil })
}

func fnURLDomain(args ...any) (any, error) {
	s, _ := str(args[0])
	return urlDomain(s), nil
}

// urlDomain returns the host of a URL, lower-cased, without port, brackets
// or a final dot; "" when s is not a URL with a host.
func urlDomain(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 8<<10 {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	return normDomain(u.Hostname())
}

func fnEmailDomain(args ...any) (any, error) {
	s, _ := str(args[0])
	return emailDomain(s), nil
}

// emailDomain returns the domain of an address ("a@b.example", "Name
// <a@b.example>"), lower-cased; "" when there is none.
func emailDomain(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		s = s[i+1:]
		if j := strings.IndexByte(s, '>'); j >= 0 {
			s = s[:j]
		}
	}
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return ""
	}
	d := normDomain(s[i+1:])
	if d == "" || strings.ContainsAny(d, " \t\r\n@<>,;\"'") {
		return ""
	}
	return d
}

func fnDomainMatches(args ...any) (any, error) {
	s, ok := str(args[0])
	if !ok {
		return false, nil
	}
	d := normDomain(s)
	if d == "" {
		return false, nil
	}
	if set, ok := args[1].(*domainSet); ok {
		return set.matches(d), nil
	}
	return eachString(args[1], func(e string) bool {
		e = normDomainPattern(e)
		return e != "" && (d == e || strings.HasSuffix(d, "."+e))
	}), nil
}

// fnCIDRMatch gets its CIDRs parsed at load (the patcher refuses CIDRs that
// are not constants).
func fnCIDRMatch(args ...any) (any, error) {
	s, ok := str(args[0])
	set, ok2 := args[1].(*prefixSet)
	return ok && ok2 && set.contains(s), nil
}

func fnIsPrivateIP(args ...any) (any, error) {
	s, _ := str(args[0])
	a, ok := parseIP(s)
	if !ok {
		return false, nil
	}
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast(), nil
}

func fnJSONPath(args ...any) (any, error) {
	switch p := args[1].(type) {
	case *jsonPath:
		return p.lookup(args[0]), nil
	case string:
		jp, err := parsePath(p)
		if err != nil {
			return nil, nil
		}
		return jp.lookup(args[0]), nil
	}
	return nil, nil
}

// fnArg is only reached if the patcher did not rewrite arg(path) into
// json_path(gen_ai.tool.call.arguments, path), which it always does.
func fnArg(args ...any) (any, error) { return nil, nil }

func fnArgText(args ...any) (any, error) {
	return argText(args[0]), nil
}

// argText joins every string inside v with newlines, in a stable order (map
// keys sorted), up to MaxArgText bytes.
func argText(v any) string {
	if s, ok := v.(string); ok {
		return cutString(s, MaxArgText)
	}
	var buf [1024]byte // most results fit: one allocation, the result's
	b := buf[:0]
	n, last := 0, "" // how many strings were joined, the last one
	walkStrings(v, 0, func(s string) (more bool) {
		n, last = n+1, s
		b, more = joinText(b, s)
		return more
	})
	if n == 1 {
		return cutString(last, MaxArgText) // no copy
	}
	return string(b)
}

// joinText appends s to the text b of arg_text, after a newline unless it
// is the first, up to MaxArgText bytes; more reports whether there is room
// for more. (The callers keep b in a closure of their own: behind a
// pointer, their stack buffer would move to the heap.)
func joinText(b []byte, s string) (_ []byte, more bool) {
	if len(b) > 0 {
		b = append(b, '\n')
	}
	room := MaxArgText - len(b)
	if len(s) >= room {
		return append(b, cutString(s, room)...), false
	}
	return append(b, s...), true
}

// argText is arg_text of the map literal m for env: its values, every one
// evaluated as the map would be, then walked in key order, as walkStrings
// walks a map, at the depth of a map's values.
func (m *mapLit) argText(env *Env) string {
	var vbuf [16]any
	vals := vbuf[:0]
	for _, f := range m.vals {
		vals = append(vals, f(env))
	}
	var buf [1024]byte
	b := buf[:0]
	n, last := 0, ""
	add := func(s string) (more bool) {
		n, last = n+1, s
		b, more = joinText(b, s)
		return more
	}
	for _, i := range m.walk {
		if !walkStrings(vals[i], 1, add) {
			break
		}
	}
	if n == 1 {
		return cutString(last, MaxArgText)
	}
	return string(b)
}

// cutString cuts s to at most n bytes at a rune boundary.
func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// walkStrings calls fn for every string inside v (maps in key order) until
// fn returns false; it reports whether to go on.
func walkStrings(v any, depth int, fn func(string) bool) bool {
	if depth > maxWalkDepth {
		return true
	}
	switch x := v.(type) {
	case string:
		return fn(x)
	case map[string]any:
		return walkMap(x, depth, fn)
	case []any:
		for _, e := range x {
			if !walkStrings(e, depth+1, fn) {
				return false
			}
		}
	case map[string]string:
		var buf [smallMap]mapEntry[string]
		for _, e := range sortedEntries(buf[:0], x) {
			if !fn(e.v) {
				return false
			}
		}
	case []string:
		for _, s := range x {
			if !fn(s) {
				return false
			}
		}
	case event.Strings:
		for _, s := range x {
			if !fn(s) {
				return false
			}
		}
	}
	return true
}

// walkMap is walkStrings of a map[string]any (its own function, so that
// the other calls do not carry its array on the stack).
func walkMap(m map[string]any, depth int, fn func(string) bool) bool {
	var buf [smallMap]mapEntry[any]
	for _, e := range sortedEntries(buf[:0], m) {
		if !walkStrings(e.v, depth+1, fn) {
			return false
		}
	}
	return true
}

// scanStrings calls scan on every string inside v, up to MaxArgText bytes
// in all, and returns what scan collected.
func scanStrings(v any, scan func(s string, out []string) []string) []string {
	var out []string
	budget := MaxArgText
	walkStrings(v, 0, func(s string) bool {
		s = cutString(s, budget)
		budget -= len(s)
		out = scan(s, out)
		return budget > 0 && len(out) < maxFound
	})
	return out
}

func fnArgURLs(args ...any) (any, error) {
	return scanStrings(args[0], findURLs), nil
}

func fnArgEmails(args ...any) (any, error) {
	return scanStrings(args[0], findEmails), nil
}

// findURLs appends to out the URLs in s (scheme://..., up to whitespace,
// quotes or angle brackets, without trailing punctuation), each once.
func findURLs(s string, out []string) []string {
	i := 0
	for i < len(s) && len(out) < maxFound {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		j += i
		st := j
		for st > i && isSchemeChar(s[st-1]) {
			st--
		}
		for st < j && !isLetter(s[st]) {
			st++
		}
		e := j + 3
		for e < len(s) && !isURLDelim(s[e]) {
			e++
		}
		for e > j+3 && strings.IndexByte(".,;:!?)]}'\"", s[e-1]) >= 0 {
			e--
		}
		if st < j && e > j+3 {
			out = appendOnce(out, s[st:e])
		}
		i = max(e, j+3)
	}
	return out
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSchemeChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '+' || c == '-' || c == '.'
}

func isURLDelim(c byte) bool {
	return c <= ' ' || c == 0x7f || strings.IndexByte("\"'<>`\\", c) >= 0
}

// findEmails appends to out the email addresses in s, each once.
func findEmails(s string, out []string) []string {
	i := 0
	for i < len(s) && len(out) < maxFound {
		at := strings.IndexByte(s[i:], '@')
		if at < 0 {
			break
		}
		at += i
		st := at
		for st > i && isLocalChar(s[st-1]) {
			st--
		}
		for st < at && s[st] == '.' {
			st++
		}
		e := at + 1
		for e < len(s) && (isLetter(s[e]) || isDigit(s[e]) || s[e] == '.' || s[e] == '-') {
			e++
		}
		for e > at+1 && (s[e-1] == '.' || s[e-1] == '-') {
			e--
		}
		if st < at && validEmailDomain(s[at+1:e]) {
			out = appendOnce(out, s[st:e])
		}
		i = at + 1
	}
	return out
}

func isLocalChar(c byte) bool {
	return isLetter(c) || isDigit(c) || strings.IndexByte("._%+-", c) >= 0
}

// validEmailDomain reports whether d has at least two non-empty labels and a
// top-level domain of letters.
func validEmailDomain(d string) bool {
	dot := strings.LastIndexByte(d, '.')
	if dot <= 0 || dot == len(d)-1 || strings.Contains(d, "..") || d[0] == '-' {
		return false
	}
	for i := dot + 1; i < len(d); i++ {
		if !isLetter(d[i]) {
			return false
		}
	}
	return len(d)-dot-1 >= 2
}

func appendOnce(out []string, s string) []string {
	if slices.Contains(out, s) {
		return out
	}
	return append(out, s)
}

// detectorPanic turns a panic of a content detector into an evaluation
// error, which the engine counts, instead of a crash.
func detectorPanic(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("content detector failed: %v", r)
	}
}

func fnSharesText(args ...any) (_ any, err error) {
	defer detectorPanic(&err)
	a, ok1 := str(args[0])
	b, ok2 := str(args[1])
	n, ok3 := toInt(args[2])
	if !ok1 || !ok2 || !ok3 || n < 1 {
		return false, nil
	}
	return content.SharesText(a, b, n), nil
}

func fnOverlap(args ...any) (_ any, err error) {
	defer detectorPanic(&err)
	a, ok1 := str(args[0])
	b, ok2 := str(args[1])
	if !ok1 || !ok2 {
		return 0.0, nil
	}
	return content.Overlap(a, b), nil
}

func fnInjectionScore(args ...any) (_ any, err error) {
	defer detectorPanic(&err)
	s, ok := str(args[0])
	if !ok {
		return 0.0, nil
	}
	return memoized(memoInjectionScore, nil, s, func(s string) (any, error) { return content.InjectionScore(s), nil })
}

func fnDescriptionScore(args ...any) (_ any, err error) {
	defer detectorPanic(&err)
	s, ok := str(args[0])
	if !ok {
		return 0.0, nil
	}
	return memoized(memoDescriptionScore, nil, s, func(s string) (any, error) { return content.DescriptionScore(s), nil })
}

func fnInjectionPhrases(args ...any) (_ any, err error) {
	defer detectorPanic(&err)
	s, ok := str(args[0])
	if !ok {
		return []string(nil), nil
	}
	return content.InjectionPhrases(s), nil
}

func fnHiddenText(args ...any) (_ any, err error) {
	defer detectorPanic(&err)
	s, ok := str(args[0])
	if !ok {
		return false, nil
	}
	return memoized(memoHiddenText, nil, s, func(s string) (any, error) { return content.HiddenText(s), nil })
}

func fnBase64Blob(args ...any) (_ any, err error) {
	defer detectorPanic(&err)
	s, ok := str(args[0])
	n, ok2 := toInt(args[1])
	if !ok || !ok2 || n < 1 {
		return false, nil
	}
	return content.Base64Blob(s, n), nil
}

func fnHasSecret(args ...any) (_ any, err error) {
	defer detectorPanic(&err)
	s, ok := str(args[0])
	if !ok {
		return false, nil
	}
	return memoized(memoHasSecret, nil, s, func(s string) (any, error) { return content.HasSecret(s), nil })
}

func fnSHA256(args ...any) (any, error) {
	s, ok := str(args[0])
	if !ok {
		return "", nil
	}
	return sha256Text(s), nil
}

// sha256Text returns "sha256:" and the hex SHA-256 of s.
func sha256Text(s string) string { return sha256Hex(sha256.Sum256([]byte(s))) }

func sha256Hex(sum [sha256.Size]byte) string {
	var b [7 + 2*sha256.Size]byte
	copy(b[:], "sha256:")
	hex.Encode(b[7:], sum[:])
	return string(b[:])
}

func fnToJSON(args ...any) (any, error) {
	return canonicalJSON(args[0]), nil
}

// canonicalJSON returns v as JSON with map keys sorted and no HTML
// escaping; "" when v cannot be written as JSON.
func canonicalJSON(v any) string {
	var buf [1024]byte // most values fit: one allocation, the result's
	if out, ok := appendJSON(buf[:0], v); ok {
		return string(out)
	}
	return encodingJSON(v)
}

// encodingJSON is canonicalJSON by encoding/json, for the values appendJSON
// does not take (and as the reference in tests).
func encodingJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}
