package content

import "testing"

func TestStats(t *testing.T) {
	tb := table()
	a := tb.ac
	t.Logf("patterns=%d states=%d table=%d KiB outs=%d wide states=%d", len(tb.pats), len(a.delta)>>classBits, len(a.delta)*2/1024, len(a.outs), len(tb.wide.delta)>>classBits)
	s := secretAC()
	t.Logf("secret states=%d table=%d KiB", len(s.delta)>>classBits, len(s.delta)*2/1024)
}
