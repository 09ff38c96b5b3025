// Package kafkatest holds what the Kafka end-to-end tests of several
// packages share: reading a group's committed offsets, producing many
// messages, and running a group member in a child process that can be
// SIGKILLed (no LeaveGroup, no final commit), as a crashed consumer is.
//
// It is for tests only; production code must not import it.
package kafkatest
