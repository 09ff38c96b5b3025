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
	fmt.Fprintf(&b, "\nthreshold sweep (P/R per kind)\n")
	for _, th2 := range []float64{0.3, 0.4, 0.5, 0.6, 0.7} {
		fmt.Fprintf(&b, "  %.1f", th2)
		for _, k := range kinds {
			var c confusion
			for _, r := range recs {
				if r.Kind == k {
					c.add(r.Label, scoreFor(r) >= th2)
				}
			}
			p, rc, _ := c.prf()
			fmt.Fprintf(&b, "   %s P=%.3f R=%.3f", k, p, rc)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nother detectors, share of records flagged (benign / injection)\n")
	for _, k := range kinds {
		var n, hid, sec, b64 [2]int
		for _, r := range recs {
			if r.Kind != k {
				continue
			}
			i := 0
			if r.Label == "injection" {
				i = 1
			}
			n[i]++
			if HiddenText(r.Text) {
				hid[i]++
			}
			if HasSecret(r.Text) {
				sec[i]++
			}
			if Base64Blob(r.Text, 40) {
				b64[i]++
			}
		}
		fmt.Fprintf(&b, "  %-18s hidden_text %d/%d, %d/%d   has_secret %d/%d, %d/%d   base64_blob(40) %d/%d, %d/%d\n",
			k, hid[0], n[0], hid[1], n[1], sec[0], n[0], sec[1], n[1], b64[0], n[0], b64[1], n[1])
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
//
// Figures when the vocabulary was last tuned (threshold 0.5; details and
// the per-family table in docs/content.md):
//
//	tool_output      InjectionScore    TP 354 FP 0 FN 68 TN 614  P 1.000 R 0.839 F1 0.912
//	tool_description DescriptionScore  TP  30 FP 0 FN  0 TN 219  P 1.000 R 1.000 F1 1.000
//
// No false positive in any hard-negative family: cheatsheets 0/200,
// rustbook 0/130, recipe 0/100, mcpservers-doc 0/60, agentinstr 0/5,
// bipia-email 0/78 (highest benign output score 0.29, benign description
// 0.45). 45 of the 68 missed outputs are BIPIA "task" attacks, plain
// questions pasted into e-mails; without them recall is 0.94.
//
// Threshold guidance: 0.5 (one strong indicator) for alerts; 0.75 and up
// when several families agree, for high severity; 0.3–0.4 for hunting and
// sequence first steps (outputs: P 1.000, R 0.858 at 0.3 on these corpora).
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

// TestSampleCorpus measures the scorers on testdata/sample.jsonl, a fixed
// sample of the corpora that ships with the repository, and holds them to
// floors a little under the figures measured when the vocabulary was last
// tuned (see docs/content.md): a change that costs precision or recall
// fails here even on a clean clone.
func TestSampleCorpus(t *testing.T) {
	recs := loadJSONL(t, filepath.Join("testdata", "sample.jsonl"))
	if len(recs) == 0 {
		t.Fatal("testdata/sample.jsonl is missing")
	}
	out, byKind := report(recs, 0.5, false)
	t.Log("\n" + out)
	floors := map[string]struct{ p, r float64 }{
		"tool_output":      {0.95, 0.60},
		"tool_description": {0.90, 0.90},
	}
	for kind, f := range floors {
		p, r, _ := byKind[kind].prf()
		if p < f.p || r < f.r {
			t.Errorf("%s: precision %.3f recall %.3f, want at least %.2f and %.2f", kind, p, r, f.p, f.r)
		}
	}
}
