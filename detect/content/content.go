package content

// The bodies below are placeholders until the detectors land; the signatures
// are the contract the rules package builds on.

// InjectionScore returns 0..1: how much s reads like instructions aimed at a
// model rather than data.
func InjectionScore(s string) float64 { return 0 }

// InjectionPhrases returns the instruction-like phrases found in s.
func InjectionPhrases(s string) []string { return nil }

// HiddenText reports whether s hides text from a human reader.
func HiddenText(s string) bool { return false }

// Base64Blob reports whether s holds a base64 run of at least min characters.
func Base64Blob(s string, min int) bool { return false }

// HasSecret reports whether s holds a credential.
func HasSecret(s string) bool { return false }

// SharesText reports whether a and b share a substring of at least min bytes.
func SharesText(a, b string, min int) bool { return false }

// Overlap returns 0..1, the share of b's word tokens that also occur in a.
func Overlap(a, b string) float64 { return 0 }
