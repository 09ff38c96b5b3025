package content

import "slices"

// The seven functions below are the contract the rules package exposes to
// rule conditions as expr helpers (injection_score, injection_phrases,
// hidden_text, base64_blob, has_secret, shares_text, overlap). Their names
// and signatures are fixed; everything else in the package is additional.
// None of them panics on any input, and each bounds its work (see the
// limits in the doc comments).

// InjectionScore returns 0..1: how much s reads like instructions aimed at
// a model rather than data. 0.5 is the default alert threshold: one strong
// indicator (an override of previous instructions, a request to hide
// something from the user, an order to send credentials somewhere) or two
// medium ones reach it. See docs/content.md for the measured precision and
// recall and for threshold guidance.
func InjectionScore(s string) float64 {
	st := getState()
	p := st.run(s, false)
	putState(st)
	return scoreOf(p)
}

// InjectionPhrases returns the instruction-like phrases found in s, in text
// order, without repeats: each is the matched text in normalised form (lower
// case, single spaces), so rules can compare it with string literals. Cue
// pairs ("ignore … previous instructions") are returned as the text from the
// first cue to the last. It returns nil when nothing carried weight.
func InjectionPhrases(s string) []string {
	st := getState()
	st.run(s, false)
	var out []string
	st.findings(s, func(f Finding) {
		if !slices.Contains(out, f.Phrase) {
			out = append(out, f.Phrase)
		}
	})
	putState(st)
	return out
}

// HiddenText reports whether s hides text from a human reader:
//
//   - zero-width characters (U+200B–U+200F, U+2060–U+2064, U+FEFF other
//     than a leading byte-order mark); U+200C–U+200F next to a letter of
//     a script that needs them (Arabic, Hebrew, Indic …) and U+200D inside
//     an emoji sequence are ordinary and do not count;
//   - bidi embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069);
//   - Unicode tag characters (U+E0000–U+E007F) other than emoji flag tag
//     sequences;
//   - HTML comments with at least three words of prose;
//   - white-space padding: 100 or more spaces or tabs, or 20 or more line
//     breaks, before more text.
//
// HTML comments are common in Markdown and HTML documents (build markers,
// editor notes), so for tool output combine HiddenText with InjectionScore;
// in a tool description any hidden text is suspicious.
func HiddenText(s string) bool {
	return findHidden(s, nil)
}

// Base64Blob reports whether s holds a run of at least min base64
// characters (standard or URL-safe alphabet, '=' padding allowed) that
// looks encoded rather than written: it mixes upper case, lower case and
// digits, and is not a path (at most one '/' per 16 characters). Hex digests
// (one letter case) and camel-case identifiers without digits do not count.
// A min below 16 is raised to 16. Runs broken by line wraps (MIME, PEM) are
// measured line by line.
func Base64Blob(s string, min int) bool {
	if min < minBase64Run {
		min = minBase64Run
	}
	if len(s) < min {
		return false
	}
	// Any run of length >= min contains an offset that is a multiple of
	// min/2, so probing there finds it without touching every byte twice.
	step := min / 2
	for i := 0; i < len(s); i += step {
		_, b, ok := base64Run(s, i, min)
		if ok {
			return true
		}
		if b > i {
			i = b // the whole run was examined
		}
	}
	return false
}

// HasSecret reports whether s holds a credential: a private key block,
// an AWS access key id, a GitHub, GitLab, Slack, Google, OpenAI, Anthropic
// or Stripe token, a JWT, a bearer token, a password in a URL, or a
// password/secret/token/API-key assignment with a real-looking value.
// Placeholders (${VAR}, <your-token>, changeme, xxxx, AWS's documented
// example keys …) do not count. It runs one literal automaton over s and
// checks the shape only where a literal matched.
func HasSecret(s string) bool {
	found := false
	scanSecrets(s, func(Secret) bool {
		found = true
		return false
	})
	return found
}

// SharesText reports whether a and b have a common substring of at least
// min bytes after light normalisation: ASCII letters are lower-cased and
// every run of white space becomes one space (so a quote re-wrapped or
// re-indented in an outgoing message still matches). A min below 8 is
// raised to 8; only the first MiB of each string is compared.
//
// It hashes every window of w = min/2 bytes of the shorter string into a
// set and probes the longer string every min-w+1 bytes: any common run of
// min bytes contains a probed window, which is then extended both ways and
// compared byte by byte. The work is linear in the input sizes (at most
// 256 positions of a repeated window are tried per probe, and 8 candidate
// checks per input byte in all) and the set holds at most 64 Ki windows
// (beyond that the roles of stride and density swap); a 64 KiB result
// against a 2 KiB message takes about 0.1 ms on the build box.
func SharesText(a, b string, min int) bool { return sharesText(a, b, min) }

// Overlap returns 0..1: the share of b's distinct word tokens that also
// occur in a. Tokens are runs of letters and digits (non-ASCII letters
// included) of at least 3 bytes, ASCII lower-cased; a short list of English
// stop words ("the", "and", "with" …) is left out. It returns 0 when b has
// no tokens. Only the first MiB of each string is read.
func Overlap(a, b string) float64 { return overlap(a, b) }
