package content

import (
	"strings"
	"sync"
)

// Secret is one credential found in a text.
type Secret struct {
	// Kind names the credential: "private-key", "aws-access-key",
	// "github-token", "gitlab-token", "slack-token", "slack-webhook",
	// "google-api-key", "openai-key", "anthropic-key", "stripe-key", "jwt",
	// "bearer-token", "url-password" or "assignment" (password=…,
	// "api_key": "…").
	Kind string
	// Start and End are byte offsets of the secret value in the text; a
	// token's well-known prefix (ghp_, AKIA, sk-, xoxb- …) and an
	// assignment's key are left outside the span.
	Start, End int
}

// secretTrigger kinds. Every credential shape starts with a literal the
// trigger automaton finds in one pass; only then is the shape checked.
const (
	trigPEM = iota
	trigAWS
	trigGitHub
	trigGitHubPAT
	trigGitLab
	trigSlack
	trigSlackHook
	trigGoogle
	trigSK
	trigStripe
	trigJWT
	trigBearer
	trigURL
	trigKey
)

type secretTrigger struct {
	lit  string
	kind int
}

var secretTriggers = []secretTrigger{
	{"-----begin ", trigPEM},
	{"akia", trigAWS}, {"asia", trigAWS}, {"agpa", trigAWS}, {"aida", trigAWS},
	{"aroa", trigAWS}, {"aipa", trigAWS}, {"anpa", trigAWS}, {"anva", trigAWS},
	{"abia", trigAWS}, {"acca", trigAWS},
	{"ghp_", trigGitHub}, {"gho_", trigGitHub}, {"ghu_", trigGitHub},
	{"ghs_", trigGitHub}, {"ghr_", trigGitHub},
	{"github_pat_", trigGitHubPAT},
	{"glpat-", trigGitLab},
	{"xoxb-", trigSlack}, {"xoxp-", trigSlack}, {"xoxa-", trigSlack},
	{"xoxr-", trigSlack}, {"xoxs-", trigSlack}, {"xoxe-", trigSlack},
	{"xapp-", trigSlack},
	{"hooks.slack.com/services/", trigSlackHook},
	{"aiza", trigGoogle},
	{"sk-", trigSK},
	{"sk_live_", trigStripe}, {"rk_live_", trigStripe}, {"sk_test_", trigStripe},
	{"eyj", trigJWT},
	{"bearer ", trigBearer},
	{"://", trigURL},
	{"password", trigKey}, {"passwd", trigKey}, {"secret", trigKey},
	{"token", trigKey}, {"api_key", trigKey}, {"apikey", trigKey},
	{"api-key", trigKey}, {"access_key", trigKey}, {"access-key", trigKey},
	{"private_key", trigKey}, {"pwd", trigKey},
}

var secretAC = sync.OnceValue(func() *automaton {
	lits := make([]string, len(secretTriggers))
	for i, t := range secretTriggers {
		lits[i] = t.lit
	}
	return buildAutomaton(lits, false, byteClass)
})

// FindSecrets returns the credentials in s, in text order.
func FindSecrets(s string) []Secret {
	var out []Secret
	scanSecrets(s, func(x Secret) bool {
		out = append(out, x)
		return len(out) < 256
	})
	return out
}

// Redacted replaces each credential value in MaskSecrets' output.
const Redacted = "[REDACTED]"

// MaskSecrets returns s with every credential value found by FindSecrets
// replaced by "[REDACTED]". Assignment keys and the well-known prefixes of
// tokens stay, so the analyst still sees what leaked: "password=hunter22"
// becomes "password=[REDACTED]", a GitHub token "ghp_[REDACTED]" (also in
// "GITHUB_TOKEN=ghp_…"), an AWS key id "AKIA[REDACTED]"; a private key
// keeps its BEGIN and END lines. Text without credentials is returned
// unchanged (not copied).
func MaskSecrets(s string) string {
	var b strings.Builder
	last := 0
	scanSecrets(s, func(x Secret) bool {
		if x.Start < last {
			return true // overlaps the previous one
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:x.Start])
		b.WriteString(Redacted)
		last = x.End
		return true
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// scanSecrets calls fn for each credential in s, in order of position,
// until fn returns false.
func scanSecrets(s string, fn func(Secret) bool) {
	ac := secretAC()
	var sc *scratch
	if len(s) >= splitMin {
		sc = scratchPool.Get().(*scratch)
	}
	next := 0 // do not report inside an already reported secret
	scan(ac, s, func(pi, start, end int) bool {
		t := secretTriggers[pi]
		if start < next {
			return true
		}
		x, ok := checkSecret(s, start, end, t.kind)
		if !ok {
			return true
		}
		next = x.End
		return fn(x)
	}, sc)
	if sc != nil {
		scratchPool.Put(sc)
	}
}

// scratchPool recycles the scratch memory of scanSecrets.
var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// runOf returns the end of the run of bytes starting at i for which ok
// holds, looking at no more than max bytes.
func runOf(s string, i, max int, ok func(byte) bool) int {
	j := i
	for j < len(s) && j-i < max && ok(s[j]) {
		j++
	}
	return j
}

func isTokenByte(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }

func isUpperAlnum(c byte) bool { return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

// leftOK reports that the literal at start is not glued to a preceding
// word.
func leftOK(s string, start int) bool {
	return start == 0 || !isTokenByte(s[start-1])
}

func checkSecret(s string, start, end, kind int) (Secret, bool) {
	lit := s[start:end]
	switch kind {
	case trigPEM:
		// -----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY-----
		hdrEnd := strings.Index(s[end:min(len(s), end+64)], "-----")
		if hdrEnd < 0 || !strings.Contains(s[end:end+hdrEnd], "PRIVATE KEY") {
			return Secret{}, false
		}
		body := end + hdrEnd + 5
		stop := strings.Index(s[body:], "-----END")
		if stop < 0 {
			stop = min(len(s)-body, 16<<10)
		}
		if stop < 16 {
			return Secret{}, false
		}
		return Secret{Kind: "private-key", Start: body, End: body + stop}, true
	case trigAWS:
		// Twenty upper-case letters and digits from the literal on (a
		// literal written in lower case ends the run early).
		if !leftOK(s, start) {
			return Secret{}, false
		}
		e := runOf(s, start, 44, isUpperAlnum)
		if e-start != 20 || e < len(s) && isTokenByte(s[e]) {
			return Secret{}, false
		}
		if strings.HasSuffix(s[start:e], "EXAMPLE") {
			return Secret{}, false
		}
		return Secret{Kind: "aws-access-key", Start: end, End: e}, true
	case trigGitHub, trigGitHubPAT, trigGitLab, trigSlack, trigStripe:
		if !leftOK(s, start) || strings.ToLower(lit) != lit {
			return Secret{}, false
		}
		var e, need int
		var name string
		switch kind {
		case trigGitHub:
			e, need, name = runOf(s, end, 255, isAlnum), 36, "github-token"
		case trigGitHubPAT:
			e, need, name = runOf(s, end, 255, isTokenByte), 22, "github-token"
		case trigGitLab:
			e, need, name = runOf(s, end, 255, isTokenByte), 20, "gitlab-token"
		case trigSlack:
			e, need, name = runOf(s, end, 255, isTokenByte), 10, "slack-token"
		default:
			e, need, name = runOf(s, end, 255, isTokenByte), 16, "stripe-key"
		}
		if e-end < need || !mixedToken(s[end:e]) {
			return Secret{}, false
		}
		return Secret{Kind: name, Start: end, End: e}, true
	case trigSlackHook:
		e := runOf(s, end, 255, func(c byte) bool { return isAlnum(c) || c == '/' })
		if e-end < 20 {
			return Secret{}, false
		}
		return Secret{Kind: "slack-webhook", Start: end, End: e}, true
	case trigGoogle:
		if !leftOK(s, start) || lit != "AIza" {
			return Secret{}, false
		}
		e := runOf(s, end, 64, isTokenByte)
		if e-end != 35 {
			return Secret{}, false
		}
		return Secret{Kind: "google-api-key", Start: end, End: e}, true
	case trigSK:
		if !leftOK(s, start) || lit != "sk-" {
			return Secret{}, false
		}
		e := runOf(s, end, 255, isTokenByte)
		v := s[end:e]
		kindName := "openai-key"
		if strings.HasPrefix(v, "ant-") {
			kindName = "anthropic-key"
		}
		if len(v) < 20 || !mixedToken(v) {
			return Secret{}, false
		}
		return Secret{Kind: kindName, Start: end, End: e}, true
	case trigJWT:
		if !leftOK(s, start) || lit != "eyJ" {
			return Secret{}, false
		}
		e1 := runOf(s, end, 4096, isTokenByte)
		if e1-start < 12 || e1+4 >= len(s) || s[e1] != '.' || !strings.HasPrefix(s[e1+1:], "eyJ") {
			return Secret{}, false
		}
		e2 := runOf(s, e1+1, 8192, isTokenByte)
		if e2-e1 < 12 || e2 >= len(s) || s[e2] != '.' {
			return Secret{}, false
		}
		e3 := runOf(s, e2+1, 4096, isTokenByte)
		if e3-e2 < 17 {
			return Secret{}, false
		}
		return Secret{Kind: "jwt", Start: end, End: e3}, true
	case trigBearer:
		if !leftOK(s, start) {
			return Secret{}, false
		}
		e := runOf(s, end, 4096, func(c byte) bool {
			return isTokenByte(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
		})
		v := s[end:e]
		if len(v) < 20 || !mixedToken(v) || placeholder(v) {
			return Secret{}, false
		}
		return Secret{Kind: "bearer-token", Start: end, End: e}, true
	case trigURL:
		// scheme://user:password@host
		e := runOf(s, end, 256, func(c byte) bool {
			return c > ' ' && c != '/' && c != '@' && c != '"' && c != '\'' && c != '<' && c != '>'
		})
		if e >= len(s) || s[e] != '@' {
			return Secret{}, false
		}
		colon := strings.IndexByte(s[end:e], ':')
		if colon <= 0 {
			return Secret{}, false
		}
		pw := s[end+colon+1 : e]
		if len(pw) < 4 || placeholder(pw) || isDigits(pw) {
			return Secret{}, false
		}
		return Secret{Kind: "url-password", Start: end + colon + 1, End: e}, true
	case trigKey:
		return checkAssignment(s, start, end)
	}
	return Secret{}, false
}

// checkAssignment recognises key = value, key: value and "key": "value"
// where the key contains password, secret, token, api key or access key.
func checkAssignment(s string, start, end int) (Secret, bool) {
	lit := strings.ToLower(s[start:end])
	// The key may go on: client_secret, secret_access_key, tokens.
	k := runOf(s, end, 40, func(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' })
	key := strings.ToLower(s[start:k])
	if key == "tokens" ||
		strings.Contains(key, "hash") || strings.Contains(key, "length") ||
		strings.Contains(key, "_len") || strings.Contains(key, "file") ||
		strings.Contains(key, "path") || strings.Contains(key, "count") ||
		strings.Contains(key, "type") || strings.Contains(key, "name") ||
		strings.Contains(key, "url") || strings.Contains(key, "limit") {
		return Secret{}, false
	}
	if lit == "pwd" && k != end {
		return Secret{}, false
	}
	i := k
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		i++
	}
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i >= len(s) {
		return Secret{}, false
	}
	switch {
	case s[i] == '=' && (i+1 >= len(s) || s[i+1] != '='):
		i++
		if i < len(s) && s[i] == '>' {
			i++
		}
	case s[i] == ':':
		i++
		if i < len(s) && s[i] == '=' {
			i++
		}
	default:
		return Secret{}, false
	}
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	quote := byte(0)
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		quote = s[i]
		i++
	}
	e := runOf(s, i, 256, func(c byte) bool {
		if quote != 0 {
			return c != quote && c != '\n' && c != '\r'
		}
		return c > ' ' && c != ',' && c != ';' && c != '&' && c != '"' && c != '\'' &&
			c != ')' && c != '(' && c != '<' && c != '>' && c != '}' && c != ']' && c < 0x7F
	})
	v := s[i:e]
	minLen := 6
	if lit == "token" || strings.Contains(key, "key") {
		minLen = 16
	}
	// A known token as the value is reported as that token (and keeps its
	// prefix when masked).
	for _, t := range secretTriggers {
		if t.kind != trigKey && t.kind != trigURL && len(v) > len(t.lit) && strings.EqualFold(v[:len(t.lit)], t.lit) {
			if x, ok := checkSecret(s, i, i+len(t.lit), t.kind); ok {
				return x, true
			}
		}
	}
	if len(v) < minLen || placeholder(v) || !passwordLike(v) {
		return Secret{}, false
	}
	return Secret{Kind: "assignment", Start: i, End: e}, true
}

// mixedToken reports a token with both letters and digits (real tokens are
// random; "sk-learn-tutorial" and "ghp_example" are not).
func mixedToken(v string) bool {
	var l, d bool
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			l = true
		case '0' <= c && c <= '9':
			d = true
		}
	}
	return l && d
}

// passwordLike reports a value that mixes character classes: a letter and
// a digit, or a symbol other than _ . - alongside letters or digits.
// Identifiers (user_password, config.secret) and plain words do not count.
func passwordLike(v string) bool {
	var letter, digit, symbol, space bool
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			letter = true
		case '0' <= c && c <= '9':
			digit = true
		case c == ' ':
			space = true
		case c == '_' || c == '.' || c == '-':
		default:
			symbol = true
		}
	}
	if space {
		return false // prose, not a value
	}
	if isDigits(v) {
		return false // a number, a port, a count
	}
	return letter && digit || symbol && (letter || digit)
}

func isDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v != ""
}

// placeholder reports values that stand for a secret rather than being one.
func placeholder(v string) bool {
	if v == "" {
		return true
	}
	switch v[0] {
	case '$', '{', '<', '%', '[', '(', '*', '#', '@':
		return true
	}
	lv := strings.ToLower(v)
	for _, p := range placeholders {
		if strings.Contains(lv, p) {
			return true
		}
	}
	// ENV_VAR_NAME
	upper := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			upper = false
			break
		}
	}
	if upper {
		return true
	}
	// one character repeated: xxxxxxxx, 00000000, ********
	same := true
	for i := 1; i < len(v); i++ {
		if v[i] != v[0] {
			same = false
			break
		}
	}
	return same
}

var placeholders = []string{
	"xxx", "***", "...", "your", "example", "changeme", "change_me",
	"placeholder", "redacted", "dummy", "sample", "password", "passwd",
	"secret", "token", "<", ">", "env(", "env.", "environ", "getenv",
	"process.env", "os.", "config.", "settings.", "none", "null",
	"undefined", "true", "false", "todo", "fixme", "insert", "replace",
	"here", "1234", "abcd", "qwerty", "test", "foo", "bar",
}
