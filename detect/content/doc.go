// Package content holds deterministic detectors over untrusted text: tool
// output and tool descriptions that carry instructions aimed at the model,
// hidden characters, encoded blobs, credentials, and the data-flow measures
// that tell whether text read in one step reappears in a later one.
//
// Its place in the flow: rule conditions call these functions through the
// expr helpers of package rules, on fields of the canonical event.
//
//	tool result / tool description (untrusted text)
//	      │
//	      ├─ InjectionScore, InjectionPhrases, Scan   instructions aimed at the model
//	      │     (DescriptionScore for tools/list)     (phrase automaton + cue pairs)
//	      ├─ HiddenText, FindHidden                   zero-width, bidi, tags, comments, padding
//	      ├─ Base64Blob                               encoded payloads
//	      └─ HasSecret, FindSecrets, MaskSecrets      credentials (and redacted evidence)
//
//	earlier result ──┐
//	                 ├─ SharesText, Overlap           did data read before leave now?
//	later arguments ─┘
//
// The injection scorer matches some 1,300 phrases of fifteen families
// (override, role markers, fake separators, concealment, tool steering,
// exfiltration, addressing the model, steering the reply, verdict
// manipulation, urgency, new roles, dangerous commands, code insertion and
// what the code does, hidden placement) with one Aho-Corasick automaton
// (see automaton.go for why not github.com/cloudflare/ahocorasick), then
// combines cue pairs that only count together within a sentence ("ignore"
// … "previous instructions", "do not tell" … "the user", "send" …
// "credentials" … "https://"), and weighs orders (imperative mood) above
// descriptions.
// Points add up per family to a cap; the score is 1 - 2^-points, so 0.5
// means one strong indicator or two medium ones. docs/content.md has the
// vocabulary's design, the measured precision and recall on the labelled
// corpora, and threshold guidance.
//
// Everything is deterministic and safe for concurrent use: the automata
// are built once and never change; scratch buffers come from a sync.Pool.
// No function panics on any input, and every one bounds its work: the
// injection scorers read at most the first 256 KiB and the last 32 KiB of a
// text and decode at most 16 KiB of encoded layers, the data-flow measures
// read at most 1 MiB of each input, the other detectors make one linear
// pass, and no Go regexp runs over the text.
package content
