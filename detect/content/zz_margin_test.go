package content

import (
	"sort"
	"testing"
)

func TestMargin(t *testing.T) {
	recs := append(loadJSONL(t, corpusDir+"/tool_outputs.jsonl"), loadJSONL(t, corpusDir+"/tool_descriptions.jsonl")...)
	type x struct {
		id string
		s  float64
		p  []string
	}
	var b []x
	for _, r := range recs {
		if r.Label == "benign" {
			s := scoreFor(r)
			if s >= 0.25 {
				b = append(b, x{r.ID, s, InjectionPhrases(r.Text)})
			}
		}
	}
	sort.Slice(b, func(i, j int) bool { return b[i].s > b[j].s })
	for _, v := range b {
		t.Logf("%.2f %s %q", v.s, v.id, v.p)
	}
	for _, th := range []float64{0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8} {
		_, k := report(recs, th, false)
		for kind, c := range k {
			p, r, f := c.prf()
			t.Logf("th=%.1f %s P=%.3f R=%.3f F1=%.3f fp=%d", th, kind, p, r, f, c.fp)
		}
	}
}

func TestHist(t *testing.T) {
	recs := loadJSONL(t, corpusDir+"/tool_outputs.jsonl")
	h := map[int]int{}
	for _, r := range recs {
		if r.Label == "injection" {
			h[int(scoreFor(r)*20)]++
		}
	}
	for i := 0; i <= 20; i++ {
		t.Logf("%.2f %d", float64(i)/20, h[i])
	}
}
