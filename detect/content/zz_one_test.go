package content

import (
	"os"
	"strings"
	"testing"
)

func TestOne(t *testing.T) {
	recs := append(loadJSONL(t, corpusDir+"/tool_outputs.jsonl"), loadJSONL(t, corpusDir+"/tool_descriptions.jsonl")...)
	for _, r := range recs {
		if strings.Contains(r.ID, os.Getenv("ONE")) {
			f := Scan(r.Text)
			t.Logf("%s %.2f %v", r.ID, f.Score, f.Families)
			for _, x := range f.Findings {
				t.Logf("  %+v", x)
			}
		}
	}
}
