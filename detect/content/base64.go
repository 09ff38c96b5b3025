package content

// minBase64Run is the shortest run Base64Blob looks for: shorter runs are
// ordinary words and identifiers.
const minBase64Run = 16

// base64Run looks for a base64-looking run of at least min bytes that
// contains offset i. It returns the run's bounds (also when the run does not
// qualify, so callers can skip it) and whether it qualifies.
func base64Run(s string, i, min int) (int, int, bool) {
	if i >= len(s) || !isB64[s[i]] {
		return 0, 0, false
	}
	a, b := runAround(s, i, &isB64)
	e := b
	for e < len(s) && e-b < 2 && s[e] == '=' {
		e++
	}
	if b-a < min {
		return a, b, false
	}
	var upper, lower, digit, slash, plus, url int
	for k := a; k < b; k++ {
		c := s[k]
		switch {
		case 'A' <= c && c <= 'Z':
			upper++
		case 'a' <= c && c <= 'z':
			lower++
		case '0' <= c && c <= '9':
			digit++
		case c == '/':
			slash++
		case c == '+':
			plus++
		default:
			url++
		}
	}
	n := b - a
	if upper == 0 || lower == 0 || digit+plus+slash == 0 {
		return a, b, false
	}
	if slash*16 > n || url*8 > n || (url > 0 && slash+plus > 0) {
		return a, b, false // a path, a slug or a mix of both alphabets
	}
	return a, e, true
}

// runAround returns the bounds of the run of bytes marked in in that holds
// offset i, whose byte must be marked.
func runAround(s string, i int, in *[256]bool) (int, int) {
	a, b := i, i
	for a > 0 && in[s[a-1]] {
		a--
	}
	for b < len(s) && in[s[b]] {
		b++
	}
	return a, b
}

// isB64 marks the base64 alphabet (standard and URL-safe).
var isB64 = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
		t[c+'a'-'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['+'], t['/'], t['-'], t['_'] = true, true, true, true
	return t
}()
