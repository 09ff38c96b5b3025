package content

import (
	"os"
	"testing"
)

func TestScoreFiles(t *testing.T) {
	for _, f := range []string{"/work/shared/seeds/000_47a491d6f499e74e.txt", "/work/shared/corpora/README.md", "/work/shared/STYLE.md", "../../docs/rules.md", "/work/shared/research/performance-anchors.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Log(err)
			continue
		}
		fs := Scan(string(b))
		t.Logf("%s: %.2f %v", f, fs.Score, fs.Families)
		for _, x := range fs.Findings {
			t.Logf("   %s %q %.2f", x.Family, x.Phrase, x.Weight)
		}
	}
}
