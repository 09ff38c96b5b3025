package content

import (
	"strings"
	"testing"
)

var sink string

func BenchmarkCalToLower(b *testing.B) {
	s := benchText(4096, "")
	s = strings.ToUpper(s[:1]) + s[1:]
	b.SetBytes(4096)
	for b.Loop() {
		sink = strings.ToLower(s)
	}
}
