package content

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// corpusRecord is one line of the labelled corpora.
type corpusRecord struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Label   string `json:"label"`
	Kind    string `json:"kind"`
	Source  string `json:"source"`
	License string `json:"license"`
}

var famTag = regexp.MustCompile(`^(?:dev-)?(?:out|desc)-\d+-`)

// family returns the id's family tag ("bipia-text-clickbait", "recipe" …).
func (r corpusRecord) family() string { return famTag.ReplaceAllString(r.ID, "") }

func loadJSONL(t testing.TB, path string) []corpusRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		var r corpusRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// scoreFor is the scorer used for a record's kind.
func scoreFor(r corpusRecord) float64 {
	if r.Kind == "tool_description" {
		return DescriptionScore(r.Text)
	}
	return InjectionScore(r.Text)
}

type confusion struct{ tp, fp, fn, tn int }

func (c *confusion) add(label string, flagged bool) {
	switch {
	case label == "injection" && flagged:
		c.tp++
	case label == "injection":
		c.fn++
	case flagged:
		c.fp++
	default:
		c.tn++
	}
}

func (c confusion) prf() (p, r, f float64) {
	if c.tp+c.fp > 0 {
		p = float64(c.tp) / float64(c.tp+c.fp)
	}
	if c.tp+c.fn > 0 {
		r = float64(c.tp) / float64(c.tp+c.fn)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return
}

// report evaluates recs at threshold th and returns the text report and the
// confusion per kind.
func report(recs []corpusRecord, th float64, detail bool) (string, map[string]confusion) {
	var b strings.Builder
	byKind := map[string]confusion{}
	byFam := map[string]*confusion{}
	var fams []string
	var misses []string
	for _, r := range recs {
		s := scoreFor(r)
		flagged := s >= th
		c := byKind[r.Kind]
		c.add(r.Label, flagged)
		byKind[r.Kind] = c
		key := r.Kind + "/" + r.family()
		if byFam[key] == nil {
			byFam[key] = &confusion{}
			fams = append(fams, key)
		}
		byFam[key].add(r.Label, flagged)
		if detail && flagged != (r.Label == "injection") {
			misses = append(misses, fmt.Sprintf("%s %s score=%.2f phrases=%q", map[bool]string{true: "FP", false: "FN"}[flagged], r.ID, s, InjectionPhrases(r.Text)))
		}
	}
	fmt.Fprintf(&b, "threshold %.2f\n\n", th)
	fmt.Fprintf(&b, "%-18s %5s %5s %5s %5s  %6s %6s %6s\n", "kind", "TP", "FP", "FN", "TN", "P", "R", "F1")
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c := byKind[k]
		p, r, f := c.prf()
		fmt.Fprintf(&b, "%-18s %5d %5d %5d %5d  %6.3f %6.3f %6.3f\n", k, c.tp, c.fp, c.fn, c.tn, p, r, f)
	}
	sort.Strings(fams)
	fmt.Fprintf(&b, "\n%-52s %4s %4s %4s %4s  %s\n", "kind/family", "TP", "FP", "FN", "TN", "recall or FP rate")
	for _, k := range fams {
		c := byFam[k]
		var rate string
		if c.tp+c.fn > 0 {
			rate = fmt.Sprintf("recall %.2f", float64(c.tp)/float64(c.tp+c.fn))
		} else {
			rate = fmt.Sprintf("FP rate %.3f", float64(c.fp)/float64(c.fp+c.tn))
		}
		fmt.Fprintf(&b, "%-52s %4d %4d %4d %4d  %s\n", k, c.tp, c.fp, c.fn, c.tn, rate)
	}
	if detail {
		sort.Strings(misses)
		b.WriteString("\n")
		for _, m := range misses {
			b.WriteString(m + "\n")
		}
	}
	return b.String(), byKind
}

const corpusDir = "../../../shared/corpora"

// TestCorpusReport prints precision, recall and F1 on the DEV corpora
// shared next to the repository. It is skipped on a clean clone, where they
// are absent; TestSampleCorpus runs the same measure on the sample in
// testdata. Set MCPSOC_CONTENT_DETAIL=1 to list every miss.
func TestCorpusReport(t *testing.T) {
	var recs []corpusRecord
	for _, f := range []string{"tool_outputs.jsonl", "tool_descriptions.jsonl"} {
		recs = append(recs, loadJSONL(t, filepath.Join(corpusDir, f))...)
	}
	if len(recs) == 0 {
		t.Skip("corpora not found in " + corpusDir)
	}
	out, _ := report(recs, 0.5, os.Getenv("MCPSOC_CONTENT_DETAIL") != "")
	t.Log("\n" + out)
}
