package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"nasbot/domain"
)

var knownTypes = map[domain.RequestType]bool{
	domain.AddUser: true, domain.AddToMailbox: true, domain.RemoveFromMailbox: true, domain.ChangeRole: true,
	domain.Leaver: true, domain.Joiner: true, domain.ChangeName: true, domain.CloseMailbox: true,
	domain.RegisterMailbox: true, domain.PasswordReset: true, domain.ODSChange: true, domain.ListAccounts: true, domain.Unknown: true,
}

// FuzzParse feeds whole raw messages to the parser. It calls parse without Parse's recover, so
// a panic fails, and checks what the rest of the bot relies on.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	readings, _ := filepath.Glob(filepath.Join("testdata", "readings", "*.eml"))
	files = append(files, readings...)
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.eml"))
	for _, name := range append(files, corpus...) {
		raw, err := os.ReadFile(name)
		if err == nil {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := &domain.Message{Requests: []domain.Request{}}
		parse(m, raw, Options{MaxSize: 1 << 20}.withDefaults())
		checkMessage(t, m)
	})
}

func checkMessage(t *testing.T, m *domain.Message) {
	t.Helper()
	if m.Requests == nil {
		t.Fatal("nil Requests")
	}
	if !utf8.ValidString(m.Text) {
		t.Errorf("Text is not UTF-8")
	}
	if strings.Contains(m.Text, "\r") {
		t.Errorf("Text holds a CR")
	}
	for _, a := range append(append([]domain.Address{}, m.Envelope.From...), m.Envelope.ReplyTo...) {
		if a.Address != strings.ToLower(a.Address) {
			t.Errorf("address %q not lower case", a.Address)
		}
	}
	lines := strings.Split(m.Text, "\n")
	for i, r := range m.Requests {
		if !knownTypes[r.Type] {
			t.Errorf("request %d: type %q", i, r.Type)
		}
		switch {
		case r.Row == 0:
			if r.Line < 1 || r.Line > len(lines) || len(r.Source) == 0 || r.Source[0] != lines[r.Line-1] {
				t.Errorf("request %d: line %d does not hold its Source %q", i, r.Line, r.Source)
			}
		case r.Line != 0:
			t.Errorf("request %d: CSV row %d with line %d", i, r.Row, r.Line)
		}
		mobileBad := false
		for _, p := range r.Problems {
			switch p.Reason {
			case domain.MissingField, domain.InvalidField, domain.UnknownRequest:
			case domain.MobileInvalid:
				mobileBad = true
			default:
				t.Errorf("request %d: problem reason %q", i, p.Reason)
			}
			if p.Detail == "" {
				t.Errorf("request %d: problem without detail", i)
			}
		}
		if r.Mobile != "" && !mobileBad {
			if n, ok := domain.NormaliseMobile(r.Mobile); !ok || n != r.Mobile {
				t.Errorf("request %d: mobile %q not normalised", i, r.Mobile)
			}
		}
		if r.Account != strings.ToLower(r.Account) || r.Email != strings.ToLower(r.Email) || !strings.Contains(r.Account+"@", "@") {
			t.Errorf("request %d: account %q email %q", i, r.Account, r.Email)
		}
		if r.Account != "" && !strings.Contains(r.Account, "@") || r.Email != "" && !strings.Contains(r.Email, "@") {
			t.Errorf("request %d: account %q email %q without @", i, r.Account, r.Email)
		}
		if r.ODS != strings.ToUpper(r.ODS) {
			t.Errorf("request %d: ODS %q", i, r.ODS)
		}
		if r.Role != "" && r.Role != domain.RoleOwner && r.Role != domain.RoleMember {
			t.Errorf("request %d: role %q", i, r.Role)
		}
		if r.Type == domain.Unknown && !r.HasProblems() {
			t.Errorf("request %d: unknown without a problem", i)
		}
	}
}

// TestParseNeverPanics runs the exported Parse over truncations of every fixture.
func TestParseNeverPanics(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	readings, _ := filepath.Glob(filepath.Join("testdata", "readings", "*.eml"))
	files = append(files, readings...)
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= len(raw); n += 1 + len(raw)/97 {
			m := Parse(raw[:n], Options{})
			if m == nil {
				t.Fatal("nil message")
			}
			checkMessage(t, m)
		}
	}
}

// TestPathological parses inputs built to find quadratic paths; each must stay fast.
func TestPathological(t *testing.T) {
	big := func(s string, n int) string { return strings.Repeat(s, n) }
	mail := func(ctype, body string) []byte {
		return []byte("From: a@nhs.net\r\nContent-Type: " + ctype + "\r\n\r\n" + body)
	}
	var parts strings.Builder
	for range 20000 {
		parts.WriteString("--b\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n")
	}
	nested := big("--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n", 5000)
	tests := map[string][]byte{
		"dashes":         mail("text/plain", "Request: Leaver\r\n"+big("- ", 400000)),
		"long line":      mail("text/plain", "Request: Leaver\r\nAccount"+big("x", 2<<20)+": a@nhs.net\r\n"),
		"many lines":     mail("text/plain", big("Request: Leaver\r\nAccount: a@nhs.net\r\n", 100000)),
		"colons":         mail("text/plain", big(":", 2<<20)),
		"equals":         mail("text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable", big("=", 2<<20)),
		"table cells":    mail("text/html", "<table><tr>"+big("<td>x</td>", 200000)),
		"mailto links":   mail("text/html", "<p>"+big(`<a href="mailto:a@b.example">x</a>`, 100000)),
		"blockquotes":    mail("text/html", big("<blockquote>", 100000)+"Request: Leaver"),
		"many parts":     mail("multipart/mixed; boundary=b", parts.String()+"--b--\r\n"),
		"nested":         mail("multipart/mixed; boundary=b", nested),
		"header":         []byte(big("X-A: b\r\n", 200000) + "\r\nRequest: Leaver\r\n"),
		"folded":         []byte("Subject: a\r\n" + big(" b\r\n", 200000) + "\r\nbody"),
		"csv":            mail("text/csv", "request,account\r\n"+big("\"", 1<<20)),
		"on wrote":       mail("text/plain", big("On a day\r\n", 200000)),
		"from lines":     mail("text/plain", big("From: x\r\n", 200000)),
		"angle brackets": mail("text/plain", "Request: Leaver\r\nAccount: "+big("<", 1<<20)),
		"references":     []byte("References: " + big("<a@b> ", 200000) + "\r\n\r\n"),
		"addresses":      []byte("From: " + big("a@b.example, ", 100000) + "\r\n\r\n"),
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			m := Parse(raw, Options{})
			checkMessage(t, m)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// FuzzHTMLToText feeds HTML with styles to the reduction to text: it must not panic, must give
// UTF-8 without CR, and what it reads of a body must not grow when the body is wrapped in a
// display:none element.
func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{
		`<style>.x{display:none} p{color:#fff !important}</style><p class=x>Request: Leaver</p>`,
		`<div style="font:0/0 a;color:rgb(255 255 255 / 50%)"><font size=+2 color=red>Request: Add user</font></div>`,
		`<table bgcolor=black><tr><td style="background:url(x) #000;color:hsl(0,0%,100%)">x</td></tr></table>`,
		`<details><summary>a</summary>b</details><dialog open>c</dialog><p style="position:absolute;left:-1e4px">d</p>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		got := htmlToText(src)
		if !utf8.ValidString(got) && utf8.ValidString(src) {
			t.Errorf("not UTF-8: %q", got)
		}
		if hidden := htmlToText(`<div style="display:none">` + src + `</div>`); strings.TrimSpace(hidden) != "" && !strings.Contains(strings.ToLower(src), "</div") {
			t.Errorf("display:none shows %q", hidden)
		}
	})
}
