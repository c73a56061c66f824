// Package templates holds the texts of every mail nasbot sends, embedded in the binary and
// parsed once. NAS staff can reword them without a rebuild by pointing the bot at a folder of
// files with the same names, which then take precedence.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"slices"
	"strings"
	"text/template"

	"nasbot/domain"
)

//go:embed mail/*.tmpl
var embedded embed.FS

// htmlName is the one HTML template: it renders every kind of mail from the same data.
const htmlName = "message.html.tmpl"

// Mail template names.
const (
	Reply       = "reply.txt.tmpl"       // the answer to a processed request email
	Unparseable = "unparseable.txt.tmpl" // nothing recognised: teaches the format
	Notice      = "notice.txt.tmpl"      // to a genuine shared mailbox whose name was used by unproven mail
	Refusal     = "refusal.txt.tmpl"     // too large or too many requests
	Decision    = "decision.txt.tmpl"    // NAS staff approved or refused a request in review
	Lifecycle   = "lifecycle.txt.tmpl"   // to a site's shared mailbox: accounts the lifecycle jobs deleted or made inactive
	// AccessReview is the quarterly list of a site's accounts, to its shared mailbox.
	AccessReview = "access_review.txt.tmpl"
	// Digest is the daily digest to NAS staff.
	DigestMail = "digest.txt.tmpl"
)

// NoticeSubject is the whole subject of a spoofing notice (with the reference after it): the
// forged mail's own subject is the attacker's words, never repeated under the NAS's name.
const NoticeSubject = "An email we could not confirm came from your shared mailbox"

// Names lists every mail template.
var Names = []string{Reply, Unparseable, Notice, Refusal, Decision, Lifecycle, AccessReview, DigestMail}

// Renderer renders mail templates.
type Renderer struct {
	set  *template.Template
	html *htmltemplate.Template
}

// New parses the embedded templates, then any same-named files in overrideDir ("" for none).
func New(overrideDir string) (*Renderer, error) {
	set, err := template.New("mail").Funcs(funcs).ParseFS(embedded, "mail/*.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	html, err := htmltemplate.New(htmlName).Funcs(funcs).ParseFS(embedded, "mail/"+htmlName)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if overrideDir != "" {
		if set, err = override(set, os.DirFS(overrideDir)); err != nil {
			return nil, err
		}
	}
	return &Renderer{set: set, html: html}, nil
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

// Render fills the named text template with data.
func (r *Renderer) Render(name string, data Message) (string, error) {
	var b bytes.Buffer
	if err := r.set.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("templates: render %s: %w", name, err)
	}
	return strings.TrimLeft(b.String(), "\n"), nil
}

// RenderHTML renders the HTML alternative of the named mail from the same data.
func (r *Renderer) RenderHTML(name string, data Message) (string, error) {
	var b bytes.Buffer
	kind := strings.TrimSuffix(name, ".txt.tmpl")
	if err := r.html.ExecuteTemplate(&b, htmlName, struct {
		Kind string
		M    Message
	}{kind, data}); err != nil {
		return "", fmt.Errorf("templates: render %s as HTML: %w", name, err)
	}
	return b.String(), nil
}

// funcs give templates their words from the glossary (domain/glossary.go), so a template never
// spells an outcome or a request name of its own.
var funcs = map[string]any{
	"inc":          func(i int) int { return i + 1 },
	"outcome":      func(o string) string { return domain.OutcomeWord(domain.Outcome(o)) },
	"requestNames": RequestNames,
	"advice":       Advice,
	// inactiveDays is the rule's number (domain/rules.go), so that a template never spells it.
	"inactiveDays": func() int { return domain.InactiveAfterDays },
}

// RequestNames lists the request types an owner can send, by their glossary names, in the
// guide's order.
func RequestNames() []string {
	var names []string
	for _, t := range guideOrder {
		names = append(names, domain.RequestName(t))
	}
	return names
}

// guideOrder is the order of the guide's sections.
var guideOrder = []domain.RequestType{domain.AddUser, domain.AddToMailbox, domain.RemoveFromMailbox,
	domain.ChangeRole, domain.Leaver, domain.Joiner, domain.ChangeName, domain.PasswordReset,
	domain.CloseMailbox, domain.RegisterMailbox, domain.ODSChange}

// Advice is what the owner can do about a request's reasons: the glossary's sentence for each,
// once each. Codes without words are left out, never shown.
func Advice(reasons []string) string {
	var out []string
	for _, r := range reasons {
		w := domain.ReasonWord(domain.Reason(r))
		if w != "" && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}
