package rules

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxMatchInput is how many bytes of its input regex, glob and the matches
// operator look at: text past it is ignored. Go's regexp runs in time
// linear in the input but slowly (tens of MB/s), so the cap bounds the cost
// of one call on hostile text.
const MaxMatchInput = 64 << 10

// matcher is a regular expression compiled at load with a literal gate:
// strings one of which every match contains, searched for first (at memchr
// speed) so that the regexp only runs on text that can match.
type matcher struct {
	re   *regexp.Regexp
	gate []literal // nil: no gate
	// exact and folded are the gate's literals, the folded ones in one
	// automaton (foldList): the gate costs one pass over the text however
	// many branches the pattern has.
	exact  []string
	folded *foldList
}

// literal is a string a match must contain, compared ignoring case (with
// containsFold) when fold is set.
type literal struct {
	s    string
	fold bool
}

// maxGateLiterals bounds the alternatives of a gate (a credential-path
// pattern has a few dozen branches; the folded literals are searched in one
// pass).
const maxGateLiterals = 64

func newMatcher(pattern string) (*matcher, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	m := &matcher{re: re}
	if tree, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		m.gate = requiredLiterals(tree.Simplify())
	}
	var folded []string
	for _, l := range m.gate {
		if l.fold {
			folded = append(folded, l.s)
		} else {
			m.exact = append(m.exact, l.s)
		}
	}
	if len(folded) > 0 {
		m.folded = newFoldList(folded)
	}
	return m, nil
}

func (m *matcher) match(s string) bool {
	if m == nil {
		return false
	}
	if len(s) > MaxMatchInput {
		s = s[:MaxMatchInput]
	}
	if m.gate != nil && !m.gated(s) {
		return false
	}
	return m.re.MatchString(s)
}

// gated reports whether s holds one of the gate's literals.
func (m *matcher) gated(s string) bool {
	for _, l := range m.exact {
		if strings.Contains(s, l) {
			return true
		}
	}
	return m.folded != nil && m.folded.in(s)
}

// requiredLiterals returns literals one of which every match of re
// contains, nil when it finds none worth searching for. A wrong answer here
// loses matches, so it only follows nodes every match of which contains a
// match of their sub-nodes: literals, concatenations, captures, repetitions
// of at least one, and alternations (one set per branch, joined).
//
// A case-folded literal (?i) is searched with containsFold: the regexp
// package matches a character of its Unicode simple-fold orbit, and every
// character of an orbit has the same foldRune (a test checks it), so
// containsFold finds every text the regexp can match, and more.
func requiredLiterals(re *syntax.Regexp) []literal {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == utf8.RuneError {
				// The regexp matches invalid UTF-8 as U+FFFD.
				return nil
			}
		}
		return []literal{{s: string(re.Rune), fold: re.Flags&syntax.FoldCase != 0}}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []literal
		for _, sub := range re.Sub {
			if l := requiredLiterals(sub); l != nil && gateScore(l) > gateScore(best) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		var all []literal
		for _, sub := range re.Sub {
			l := requiredLiterals(sub)
			if l == nil || len(all)+len(l) > maxGateLiterals {
				return nil
			}
			all = append(all, l...)
		}
		return all
	}
	return nil
}

// gateScore rates a gate by its weakest literal, higher being cheaper to
// search for and more selective: an exact literal (strings.Contains, SIMD)
// beats a case-folded one, whose cost is the number of occurrences of its
// rarest character (see anchor); length breaks ties.
func gateScore(ls []literal) int {
	if len(ls) == 0 {
		return 0
	}
	score := 1 << 30
	for _, l := range ls {
		s := len(l.s)
		switch j := anchor(l.s); {
		case len(l.s) < 3:
			// One or two characters ("." of `\.ssh` under (?i), "/")
			// occur in nearly every text: a gate of them gates nothing.
		case !l.fold:
			s += 100_000
		case j >= 0:
			s += 1000 * (1 + anchorRank(l.s[j]))
		}
		score = min(score, s)
	}
	return score
}

// globToRegexp translates a glob into an anchored regular expression: *
// matches any run of characters but /, ** any run including /, ? one
// character but /, [abc], [a-z] and [!a-z] (or [^a-z]) a class; a backslash
// quotes the next character.
func globToRegexp(glob string) (string, error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(glob); {
		c := glob[i]
		switch c {
		case '*':
			if i+1 < len(glob) && glob[i+1] == '*' {
				for i < len(glob) && glob[i] == '*' {
					i++
				}
				b.WriteString(`.*`)
				continue
			}
			b.WriteString(`[^/]*`)
			i++
		case '?':
			b.WriteString(`[^/]`)
			i++
		case '[':
			j := i + 1
			if j < len(glob) && (glob[j] == '!' || glob[j] == '^') {
				j++
			}
			if j < len(glob) && glob[j] == ']' {
				j++ // a ] first in the class is literal
			}
			for j < len(glob) && glob[j] != ']' {
				j++
			}
			if j >= len(glob) {
				return "", fmt.Errorf("unclosed [ at offset %d", i)
			}
			body := glob[i+1 : j]
			b.WriteByte('[')
			if body[0] == '!' || body[0] == '^' {
				b.WriteByte('^')
				body = body[1:]
			}
			for k, r := range body {
				if r == '-' && k > 0 && k < len(body)-1 {
					b.WriteByte('-')
					continue
				}
				if strings.ContainsRune(`\[]^-`, r) {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte(']')
			i = j + 1
		case '\\':
			i++
			if i >= len(glob) {
				b.WriteString(`\\`)
				continue
			}
			r, n := utf8.DecodeRuneInString(glob[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += n
		default:
			r, n := utf8.DecodeRuneInString(glob[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += n
		}
	}
	b.WriteByte('$')
	return b.String(), nil
}

func newGlob(glob string) (*matcher, error) {
	re, err := globToRegexp(glob)
	if err != nil {
		return nil, err
	}
	m, err := newMatcher(re)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: %q", se.Code, se.Expr)
		}
		return nil, err
	}
	return m, nil
}

// stringSet is a constant list of in_list, built at load.
type stringSet struct {
	m map[string]struct{}
}

func newStringSet(list []string) *stringSet {
	s := &stringSet{m: make(map[string]struct{}, len(list))}
	for _, v := range list {
		s.m[v] = struct{}{}
	}
	return s
}

func (s *stringSet) has(v string) bool {
	if s == nil {
		return false
	}
	_, ok := s.m[v]
	return ok
}

// foldList is a constant list of icontains_any, folded at load.
type foldList struct {
	needles []string
	anchors []int        // anchor of each needle
	empty   bool         // a needle is "": every string contains it
	m       *foldMatcher // all the needles in one automaton; nil when none or too many
}

func newFoldList(list []string) *foldList {
	l := &foldList{}
	var canon []string
	for _, v := range list {
		f := foldString(v)
		if f == "" {
			l.empty = true
			continue
		}
		l.needles = append(l.needles, f)
		l.anchors = append(l.anchors, anchor(f))
		// containsFold compares foldRune of the needle's characters,
		// which f holds folded once more.
		canon = append(canon, foldString(f))
	}
	if !l.empty {
		l.m = newFoldMatcher(canon)
	}
	return l
}

// in reports whether s contains one of the needles, ignoring case: with
// the automaton when it can answer, else needle by needle.
func (l *foldList) in(s string) bool {
	if l == nil {
		return false
	}
	if l.empty {
		return true
	}
	if l.m != nil {
		if found, exact := l.m.contains(s); exact {
			return found
		}
	}
	return l.inEach(s)
}

// inEach is in searching for each needle in turn, the reference the
// automaton answers as.
func (l *foldList) inEach(s string) bool {
	if l == nil {
		return false
	}
	if l.empty {
		return true
	}
	for i, n := range l.needles {
		if containsFoldAt(s, n, l.anchors[i]) {
			return true
		}
	}
	return false
}

// domainSet is a constant list of domain_matches, normalised at load.
type domainSet struct {
	m map[string]struct{}
}

func newDomainSet(list []string) *domainSet {
	s := &domainSet{m: make(map[string]struct{}, len(list))}
	for _, v := range list {
		if d := normDomainPattern(v); d != "" {
			s.m[d] = struct{}{}
		}
	}
	return s
}

// matches reports whether the normalised domain d, or one of its parent
// domains, is in the set.
func (s *domainSet) matches(d string) bool {
	if s == nil {
		return false
	}
	for d != "" {
		if _, ok := s.m[d]; ok {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return false
		}
		d = d[i+1:]
	}
	return false
}

// normDomain lower-cases a domain and drops a final dot.
func normDomain(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	return strings.ToLower(s)
}

// normDomainPattern normalises an element of a domain list: "*.example.com"
// and ".example.com" mean example.com and its subdomains, as example.com
// does.
func normDomainPattern(s string) string {
	s = normDomain(s)
	s = strings.TrimPrefix(s, "*.")
	s = strings.TrimPrefix(s, ".")
	return s
}

// prefixSet is the constant CIDR list of cidr_match, parsed at load.
type prefixSet struct {
	prefixes []netip.Prefix
}

// newPrefixSet parses CIDRs; a bare address is a prefix of its full length.
func newPrefixSet(list []string) (*prefixSet, error) {
	s := &prefixSet{}
	for _, v := range list {
		v = strings.TrimSpace(v)
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, fmt.Errorf("bad CIDR %q", v)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), unmapBits(p)).Masked()
			s.prefixes = append(s.prefixes, p)
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("bad CIDR %q", v)
		}
		a = a.Unmap()
		s.prefixes = append(s.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return s, nil
}

// unmapBits is the prefix length of p once an IPv4-mapped address is
// written as IPv4.
func unmapBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		return max(p.Bits()-96, 0)
	}
	return p.Bits()
}

func (s *prefixSet) contains(ip string) bool {
	if s == nil {
		return false
	}
	a, ok := parseIP(ip)
	if !ok {
		return false
	}
	for _, p := range s.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseIP parses an IPv4 or IPv6 address, dropping a zone and writing an
// IPv4-mapped address as IPv4.
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// jsonPath is a parsed path of json_path: keys separated by dots, [n]
// indexes, and ["key"] for keys holding dots or brackets.
type jsonPath struct {
	steps []pathStep
}

type pathStep struct {
	key   string
	index int // -1 for a key
}

func parsePath(s string) (*jsonPath, error) {
	if s == "" {
		return nil, errors.New("empty path")
	}
	p := &jsonPath{}
	i := 0
	for i < len(s) {
		switch s[i] {
		case '[':
			j := strings.IndexByte(s[i:], ']')
			if i+1 < len(s) && s[i+1] == '"' {
				// A quoted key: find the closing quote, then ].
				q, err := strconv.QuotedPrefix(s[i+1:])
				if err != nil {
					return nil, fmt.Errorf("bad quoted key at offset %d", i)
				}
				end := i + 1 + len(q)
				if end >= len(s) || s[end] != ']' {
					return nil, fmt.Errorf("missing ] at offset %d", end)
				}
				key, _ := strconv.Unquote(q)
				p.steps = append(p.steps, pathStep{key: key, index: -1})
				i = end + 1
				break
			}
			if j < 0 {
				return nil, fmt.Errorf("missing ] after offset %d", i)
			}
			n, err := strconv.Atoi(s[i+1 : i+j])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad index %q: want a number from 0", s[i+1:i+j])
			}
			p.steps = append(p.steps, pathStep{index: n})
			i += j + 1
		case '.':
			if i == 0 || i+1 >= len(s) || s[i+1] == '.' {
				return nil, fmt.Errorf("empty key at offset %d", i)
			}
			i++
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			p.steps = append(p.steps, pathStep{key: s[i:j], index: -1})
			i = j
		}
	}
	return p, nil
}

// lookup returns the value at the path in v, nil when absent.
func (p *jsonPath) lookup(v any) any {
	if p == nil {
		return nil
	}
	for _, st := range p.steps {
		if st.index < 0 {
			switch m := v.(type) {
			case map[string]any:
				v = m[st.key]
			case map[string]string:
				s, ok := m[st.key]
				if !ok {
					return nil
				}
				v = s
			default:
				return nil
			}
			continue
		}
		switch a := v.(type) {
		case []any:
			if st.index >= len(a) {
				return nil
			}
			v = a[st.index]
		case []string:
			if st.index >= len(a) {
				return nil
			}
			v = a[st.index]
		case []map[string]any:
			if st.index >= len(a) {
				return nil
			}
			v = a[st.index]
		default:
			if ss, ok := stringsOf(v); ok && st.index < len(ss) {
				v = ss[st.index]
				continue
			}
			return nil
		}
	}
	return v
}
