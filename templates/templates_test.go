package templates

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden renders every example as text and HTML and compares with testdata/golden.
func TestGolden(t *testing.T) {
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for example, data := range Examples() {
		name := ExampleTemplate(example)
		if name == "" {
			t.Fatalf("example %s has no template", example)
		}
		seen[name] = true
		text, err := r.Render(name, data)
		if err != nil {
			t.Fatal(err)
		}
		html, err := r.RenderHTML(name, data)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, example+".txt", text)
		golden(t, example+".html", html)
		if strings.Contains(text, "<no value>") || strings.Contains(html, "<no value>") {
			t.Errorf("%s: a field is missing from the data", example)
		}
		if !strings.Contains(text, data.Tag) || !strings.Contains(html, data.Tag) {
			t.Errorf("%s: the reference tag is missing", example)
		}
	}
	for _, name := range Names {
		if !seen[name] {
			t.Errorf("template %s has no example", name)
		}
	}
}

func golden(t *testing.T, file, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", file)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./templates -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s", file, got)
	}
}

func TestHTMLEscapesSenderText(t *testing.T) {
	r, _ := New("")
	m := Examples()["unparseable"]
	m.Unrecognised = []string{`<script>alert(1)</script>`}
	m.Subject = `<img src=x onerror=alert(1)>`
	html, err := r.RenderHTML(Unparseable, m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<script>alert") || strings.Contains(html, "<img src=x") {
		t.Fatalf("sender text reached the HTML unescaped:\n%s", html)
	}
}

func TestOverrideFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, Refusal), []byte("Too big, sorry. {{ .Tag }}\n"), 0o644)
	r, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := r.Render(Refusal, Examples()["refusal-too-large"])
	if got != "Too big, sorry. NAS-000123\n" {
		t.Fatalf("override not used: %q", got)
	}
	os.WriteFile(filepath.Join(dir, Reply), []byte("{{ .Broken "), 0o644)
	if _, err := New(dir); err == nil {
		t.Fatal("a broken override must fail at start-up")
	}
}

func TestNoMobileOrPasswordFieldInData(t *testing.T) {
	for example, m := range Examples() {
		for _, r := range m.Requests {
			if strings.Contains(r.Summary, "0770") {
				t.Errorf("%s: example shows a full mobile number", example)
			}
		}
	}
}

// BenchmarkRenderReply renders a three-request reply as text and HTML, as every answer does.
func BenchmarkRenderReply(b *testing.B) {
	r, err := New("")
	if err != nil {
		b.Fatal(err)
	}
	m := Examples()["reply-partly-done"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(Reply, m); err != nil {
			b.Fatal(err)
		}
		if _, err := r.RenderHTML(Reply, m); err != nil {
			b.Fatal(err)
		}
	}
}
