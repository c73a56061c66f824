// Package templates holds the texts of every mail nasbot sends, embedded in the binary and
// parsed once. NAS staff can reword them without a rebuild by pointing the bot at a folder of
// files with the same names, which then take precedence.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/template"
)

//go:embed mail/*.tmpl
var embedded embed.FS

// Mail template names.
const (
	Reply       = "reply.txt.tmpl"       // the answer to a processed request email
	Unparseable = "unparseable.txt.tmpl" // nothing recognised: teaches the format
	Notice      = "notice.txt.tmpl"      // to a genuine shared mailbox whose name was used by unproven mail
	Refusal     = "refusal.txt.tmpl"     // too large or too many requests
	Decision    = "decision.txt.tmpl"    // NAS staff approved or refused a request in review
)

// Names lists every mail template.
var Names = []string{Reply, Unparseable, Notice, Refusal, Decision}

// Renderer renders mail templates.
type Renderer struct{ set *template.Template }

// New parses the embedded templates, then any same-named files in overrideDir ("" for none).
func New(overrideDir string) (*Renderer, error) {
	set, err := template.New("mail").Funcs(funcs).ParseFS(embedded, "mail/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if overrideDir != "" {
		if set, err = override(set, os.DirFS(overrideDir)); err != nil {
			return nil, err
		}
	}
	return &Renderer{set: set}, nil
}

func override(set *template.Template, dir fs.FS) (*template.Template, error) {
	for _, name := range Names {
		b, err := fs.ReadFile(dir, name)
		if err != nil {
			continue // not overridden
		}
		if _, err := set.New(name).Parse(string(b)); err != nil {
			return nil, fmt.Errorf("templates: override %s: %w", name, err)
		}
	}
	return set, nil
}

// Render fills the named template with data.
func (r *Renderer) Render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := r.set.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("templates: render %s: %w", name, err)
	}
	return strings.TrimLeft(b.String(), "\n"), nil
}

var funcs = template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}
