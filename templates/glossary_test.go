package templates

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"nasbot/domain"
)

// TestTemplatesTakeOutcomesFromGlossary renders every example with the glossary's outcome words
// swapped for markers: a template that spells an outcome itself ("done", "Rejected") shows the
// old word where the marker should be, and fails here.
func TestTemplatesTakeOutcomesFromGlossary(t *testing.T) {
	saved := domain.OutcomeWords
	t.Cleanup(func() { domain.OutcomeWords = saved })
	domain.OutcomeWords = map[domain.Outcome]string{}
	for o := range saved {
		domain.OutcomeWords[o] = "«" + strings.ToUpper(string(o)) + "»"
	}
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	for example, data := range Examples() {
		name := ExampleTemplate(example)
		text, err := r.Render(name, data)
		if err != nil {
			t.Fatal(err)
		}
		html, err := r.RenderHTML(name, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, req := range data.Requests {
			want := req.What + ": " + domain.OutcomeWord(domain.Outcome(req.Outcome))
			if !strings.Contains(text, want) && !containsLine(text, req.What, domain.OutcomeWord(domain.Outcome(req.Outcome))) {
				t.Errorf("%s: text does not give %q its glossary outcome word", example, req.What)
			}
			if !strings.Contains(html, domain.OutcomeWord(domain.Outcome(req.Outcome))) {
				t.Errorf("%s: HTML does not give %q its glossary outcome word", example, req.What)
			}
		}
		for _, old := range saved {
			for _, part := range []string{text, html} {
				if regexp.MustCompile(`(?m)[:>]\s*` + regexp.QuoteMeta(old) + `\s*(<|$)`).MatchString(part) {
					t.Errorf("%s: shows the outcome %q as the template spells it, not from the glossary", example, old)
				}
			}
		}
	}
}

func containsLine(text, what, word string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, what) && strings.HasSuffix(l, word) {
			return true
		}
	}
	return false
}

// requestLine finds "Request: Name" in a template's own words (the examples it teaches).
var requestLine = regexp.MustCompile(`Request: ([A-Z][A-Za-z ]*[a-z])`)

// TestTemplatesNameRequestsFromGlossary: every request a template names is named as the
// glossary names it, and the list of request types comes from the glossary.
func TestTemplatesNameRequestsFromGlossary(t *testing.T) {
	names := map[string]bool{}
	for _, n := range domain.RequestNames {
		names[n] = true
	}
	err := fs.WalkDir(embedded, "mail", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(embedded, path)
		if err != nil {
			return err
		}
		for _, m := range requestLine.FindAllStringSubmatch(string(src), -1) {
			if !names[m[1]] {
				t.Errorf("%s names the request %q, which is not in domain.RequestNames", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := New("")
	text, _ := r.Render(Unparseable, Examples()["unparseable"])
	for _, n := range RequestNames() {
		if !strings.Contains(text, n) {
			t.Errorf("the format lesson does not list %q", n)
		}
	}
	if slices.Contains(RequestNames(), domain.RequestName(domain.Unknown)) {
		t.Error("the format lesson offers the unknown request type")
	}
}
