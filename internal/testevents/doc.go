// Package testevents reads recorded NDJSON traffic (testdata/events) for
// the tests and benchmarks of several packages.
//
// It is for tests only; production code must not import it.
package testevents
