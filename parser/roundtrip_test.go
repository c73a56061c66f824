package parser

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"html"
	"mime/quotedprintable"
	"os"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"nasbot/domain"
)

// docExamples returns the request blocks of the user guide's examples (```text fences holding a
// `Request:` line), one string per block, and the CSV example.
func docExamples(t *testing.T) (blocks []string, csvExample string) {
	t.Helper()
	doc, err := os.ReadFile("../docs/requests.md")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(doc), "```")
	for i := 1; i < len(parts); i += 2 {
		fence := strings.TrimPrefix(parts[i], "text\n")
		if strings.HasPrefix(fence, "request,") {
			csvExample = fence
			continue
		}
		var cur []string
		for _, l := range strings.Split(fence, "\n") {
			if strings.HasPrefix(l, "Request:") && len(cur) > 0 {
				blocks = append(blocks, strings.Join(cur, "\n"))
				cur = nil
			}
			if strings.HasPrefix(l, "Requested by:") || l == "" {
				continue
			}
			cur = append(cur, l)
		}
		if len(cur) > 0 {
			blocks = append(blocks, strings.Join(cur, "\n"))
		}
	}
	return blocks, csvExample
}

// render writes a request back in the guide's canonical form.
func render(r domain.Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Request: %s\n", typeLabel(r.Type))
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, v)
		}
	}
	yn := func(p *bool) string {
		switch {
		case p == nil:
			return ""
		case *p:
			return "Yes"
		}
		return "No"
	}
	line("ODS code", r.ODS)
	line("Sector", string(r.Sector))
	line("Organisation name", r.OrganisationName)
	line("Town", r.Town)
	line("Name", r.Name)
	line("Mobile", r.Mobile)
	line("Email", r.Email)
	line("Account", r.Account)
	line("Linked to shared mailbox", yn(r.Linked))
	line("Role", string(r.Role))
	line("Leaving profession", yn(r.LeavingProfession))
	line("New name", r.NewName)
	line("Reason", r.CloseReason)
	return b.String()
}

const rtHeader = "From: \"Riverside Pharmacy, Ashford\" <pharmacy.fa123@nhs.net>\r\nTo: requests@nas.test\r\nSubject: round trip\r\nMIME-Version: 1.0\r\n"

const rtSignature = "\nRequested by: Sarah Patel (sarah.patel@nhs.net)\n\nKind regards\nSarah\n"

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// The ways one request text travels: each encoding and body type the parser must read.
var carriers = map[string]func(text string) []byte{
	"plain 7bit": func(text string) []byte {
		return []byte(rtHeader + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + crlf("Hello,\n\n"+text+rtSignature))
	},
	"plain qp utf-8": func(text string) []byte {
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write([]byte(crlf("Hello,\n\n" + text + rtSignature)))
		w.Close()
		return []byte(rtHeader + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + b.String())
	},
	"plain base64 windows-1252": func(text string) []byte {
		enc, _ := charmap.Windows1252.NewEncoder().String(crlf("Hello,\n\n" + text + rtSignature))
		return []byte(rtHeader + "Content-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte(enc)) + "\r\n")
	},
	"html only": func(text string) []byte {
		var b strings.Builder
		b.WriteString("<html><head><style>p{margin:0}</style></head><body>")
		for _, l := range strings.Split("Hello,\n\n"+text+rtSignature, "\n") {
			if l == "" {
				b.WriteString("<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n")
				continue
			}
			name, value, _ := strings.Cut(l, ": ")
			fmt.Fprintf(&b, "<p class=MsoNormal><b>%s:</b>&nbsp;%s<o:p></o:p></p>\n", html.EscapeString(name), html.EscapeString(value))
		}
		b.WriteString("</body></html>")
		return []byte(rtHeader + "Content-Type: text/html; charset=utf-8\r\n\r\n" + crlf(b.String()))
	},
	"alternative with reply history": func(text string) []byte {
		return []byte(rtHeader + "Content-Type: multipart/alternative; boundary=\"=alt\"\r\n\r\n--=alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			crlf("Hello,\n\n"+text+rtSignature+"\n________________________________\nFrom: NAS <requests@nas.test>\nSent: 1 March 2026 10:00\n\n"+text) +
			"\r\n--=alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>ignored</p>\r\n--=alt--\r\n")
	},
}

// TestRoundTrip parses every example of the user guide, checks it is the request it shows, then
// renders it back in the canonical form, sends that through each carrier, and checks the parse
// gives the same fields.
func TestRoundTrip(t *testing.T) {
	blocks, _ := docExamples(t)
	seen := map[domain.RequestType]bool{}
	for _, block := range blocks {
		word := strings.TrimPrefix(strings.SplitN(block, "\n", 2)[0], "Request: ")
		t.Run(word, func(t *testing.T) {
			m := Parse(carriers["plain 7bit"](block), Options{})
			if len(m.Requests) != 1 {
				t.Fatalf("guide example gives %d requests:\n%s", len(m.Requests), block)
			}
			first := m.Requests[0]
			if first.HasProblems() || len(first.Unused) > 0 && first.Type != domain.ODSChange {
				t.Fatalf("guide example has problems %+v, unused %q:\n%s", first.Problems, first.Unused, block)
			}
			seen[first.Type] = true
			text := render(first)
			for name, carry := range carriers {
				m := Parse(carry(text), Options{})
				if len(m.Requests) != 1 {
					t.Errorf("%s: %d requests from\n%s", name, len(m.Requests), text)
					continue
				}
				a, b := comparable(first), comparable(m.Requests[0])
				a.Line, b.Line = 0, 0
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s:\n got %+v\nwant %+v", name, b, a)
				}
			}
		})
	}
	for _, typ := range []domain.RequestType{domain.AddUser, domain.AddToMailbox, domain.RemoveFromMailbox, domain.ChangeRole,
		domain.Leaver, domain.Joiner, domain.ChangeName, domain.CloseMailbox, domain.RegisterMailbox, domain.PasswordReset, domain.ODSChange} {
		if !seen[typ] {
			t.Errorf("the guide has no example of %s", typ)
		}
	}
}

// TestRoundTripCSV checks the guide's CSV example, then writes requests as CSV rows and reads
// them back.
func TestRoundTripCSV(t *testing.T) {
	_, example := docExamples(t)
	attach := func(csvText string) []byte {
		return []byte(rtHeader + "Content-Type: multipart/mixed; boundary=mix\r\n\r\n--mix\r\nContent-Type: text/plain\r\n\r\n" +
			crlf("See attached."+rtSignature) + "\r\n--mix\r\nContent-Type: text/csv; name=\"list.csv\"\r\nContent-Disposition: attachment; filename=\"list.csv\"\r\n\r\n" +
			crlf(csvText) + "\r\n--mix--\r\n")
	}
	m := Parse(attach(example), Options{})
	if len(m.Requests) != 3 {
		t.Fatalf("guide CSV example gives %d requests", len(m.Requests))
	}
	for _, r := range m.Requests {
		if r.HasProblems() || len(r.Unused) > 0 || r.RequestedBy == nil {
			t.Errorf("row %d: %+v", r.Row, r)
		}
	}

	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"role", "request", "name", "mobile", "email", "account", "linked"})
	yn := func(p *bool) string {
		if p == nil {
			return ""
		}
		return map[bool]string{true: "Yes", false: "No"}[*p]
	}
	for _, r := range m.Requests {
		w.Write([]string{string(r.Role), typeLabel(r.Type), r.Name, r.Mobile, r.Email, r.Account, yn(r.Linked)})
	}
	w.Flush()
	back := Parse(attach(b.String()), Options{})
	if len(back.Requests) != len(m.Requests) {
		t.Fatalf("%d requests back, want %d", len(back.Requests), len(m.Requests))
	}
	for i := range m.Requests {
		a, c := comparable(m.Requests[i]), comparable(back.Requests[i])
		if !reflect.DeepEqual(a, c) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i+1, c, a)
		}
	}
}
