// Package content holds deterministic detectors over untrusted text: tool
// output and tool descriptions that carry instructions aimed at the model,
// hidden characters, encoded blobs, credentials, and the data-flow measures
// that tell whether text read in one step reappears in a later one.
package content
