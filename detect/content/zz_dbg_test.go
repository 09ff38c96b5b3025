package content

import (
	"os"
	"strings"
	"testing"
)

func TestDbg(t *testing.T) {
	ids := strings.Split(os.Getenv("IDS"), ",")
	recs := append(loadJSONL(t, corpusDir+"/tool_outputs.jsonl"), loadJSONL(t, corpusDir+"/tool_descriptions.jsonl")...)
	for _, r := range recs {
		for _, id := range ids {
			if id != "" && strings.Contains(r.ID, id) {
				st := getState()
				st.run(r.Text, false)
				t.Logf("%s score=%.2f", r.ID, InjectionScore(r.Text))
				tb := table()
				for _, h := range st.hits {
					ph := tb.pats[h.pat]
					t.Logf("   hit %q fam=%s cue=%d w=%.2f imp=%v", ph.text, familyNames[ph.fam], ph.cue, ph.w, sentenceStart(st.n.buf, int(h.start)))
				}
				if os.Getenv("SHOW") != "" {
					t.Logf("%s", st.n.buf)
				}
			}
		}
	}
}
