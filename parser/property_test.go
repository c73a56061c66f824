package parser

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"mime/quotedprintable"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"pgregory.net/rapid"

	"nasbot/domain"
)

// The property test generates request mails as the NAS receives them: random request types and
// words, field names, order, case, separators, bullets, good and bad values, HTML or text, any
// charset and transfer encoding, with and without quoted history and a signature. See
// TestParseProperties for what must hold of every one.

// genMail is a request mail before it is encoded.
type genMail struct {
	lines     []string // the sender's own text: greeting, blocks, Requested by
	signature []string
	history   []string
	html      bool
}

// genValues are the values a field is drawn from, good and bad.
var genValues = map[field][]string{
	fieldName:              {"Jane Smith", "Zoë Brontë", "Niamh O’Neill", "Tomás Brennan", "Cher", "jane smith-jones"},
	fieldMobile:            {"07700 900123", "+44 7700 900124", "44 7700 900125", "07700-900.126 (personal)", "(07700) 900127", "07700 900127 / 07700 900128", "01632 960123", "mob 07700 900129"},
	fieldEmail:             {"jane@example.org", "Jane Smith <jane.smith@example.org>", "mailto:JANE@EXAMPLE.ORG", "to follow", "a@example.org, b@example.org"},
	fieldAccount:           {"a.b@nhs.net", "A B <a.b@nhs.net>", "a.b@nhs.net (A B)", "A B", "a.b@nhs.net <mailto:a.b@nhs.net>"},
	fieldLinked:            {"Yes", "no", "Y", "TRUE", "Yes please", "N/A", "yes or no", ""},
	fieldRole:              {"Owner", "member.", "MEMBER", "Owner/member", "Owner member", "Supervisor", ""},
	fieldLeavingProfession: {"No", "yes", "n", "maybe"},
	fieldNewName:           {"Jane Jones", "Zoë Smith"},
	fieldODS:               {"FA123", "fa123", "1-2000000001", "FA 123", "F1", "V10423"},
	fieldSector:            {"Pharmacy", "dental", "Social care", "Community pharmacy", "Chemist"},
	fieldOrgName:           {"Riverside Pharmacy", "Brookside Dental"},
	fieldTown:              {"Ashford", "Ludlow"},
	fieldReason:            {"change of owner"},
}

// genNames are what people call each field.
var genNames = map[field][]string{
	fieldName:              {"Name", "Full name", "NAME"},
	fieldMobile:            {"Mobile", "Mobile number", "Phone", "mobile phone number"},
	fieldEmail:             {"Email", "Email address", "E-mail"},
	fieldAccount:           {"Account", "NHSmail address", "User"},
	fieldLinked:            {"Linked", "Linked to shared mailbox"},
	fieldRole:              {"Role", "Owner or member"},
	fieldLeavingProfession: {"Leaving profession"},
	fieldNewName:           {"New name"},
	fieldODS:               {"ODS code", "ODS"},
	fieldSector:            {"Sector"},
	fieldOrgName:           {"Organisation name"},
	fieldTown:              {"Town", "Location"},
	fieldReason:            {"Reason"},
}

// genWords are request words to draw from, with unknown ones.
var genWords = []string{
	"Add user", "ADD A USER", "new  account", "Leaver", "mark as leaver, thanks", "Leaver: please action",
	"Joiner", "Make owner", "make member - asap", "Change role", "Give access", "Remove user", "Change name",
	"Close shared mailbox", "Register shared mailbox", "Password reset", "Unlock", "ODS change", "List accounts",
	"Order pads", "Add user please", "",
}

var (
	genSeparators = []string{": ", ":", " : ", " - ", " = ", "\t", ":\t", " – "}
	genBullets    = []string{"", "", "- ", "* ", "• ", "1. ", "· "}
)

// genBlock draws one request block.
func genBlock(t *rapid.T) []string {
	word := rapid.SampledFrom(genWords).Draw(t, "word")
	typ := domain.Unknown
	if w, ok := lookupWord(word); ok {
		typ = w.typ
	}
	spec := specs[typ]
	var ids []field
	for _, f := range append(append([]field(nil), spec.required...), spec.optional...) {
		if rapid.IntRange(0, 9).Draw(t, "keep") > 0 { // now and then a field is missing
			ids = append(ids, f)
		}
	}
	if typ == domain.Unknown || len(ids) == 0 {
		ids = append(ids, fieldAccount)
	}
	ids = rapid.Permutation(ids).Draw(t, "order")
	bullet := rapid.SampledFrom(genBullets).Draw(t, "bullet")
	lines := []string{bullet + "Request: " + word}
	for _, id := range ids {
		name := rapid.SampledFrom(genNames[id]).Draw(t, "name")
		switch rapid.IntRange(0, 3).Draw(t, "case") {
		case 0:
			name = strings.ToUpper(name)
		case 1:
			name = strings.ToLower(name)
		}
		sep := rapid.SampledFrom(genSeparators).Draw(t, "sep")
		value := rapid.SampledFrom(genValues[id]).Draw(t, "value")
		if rapid.IntRange(0, 9).Draw(t, "blank") == 0 {
			lines = append(lines, "")
		}
		lines = append(lines, bullet+name+sep+value)
	}
	return lines
}

var (
	genRequestedBy = []string{
		"Requested by: Sarah Patel (sarah.patel@nhs.net)",
		"Requested by: Sarah Patel <SARAH.PATEL@nhs.net>",
		"Requested by: Owen Price (owen.price@nhs.net)",
		"Requested by: Sarah Patel",
	}
	genSignatures = [][]string{
		{"Kind regards", "Sarah"},
		{"Many thanks,", "", "Sarah Patel", "Pharmacist, Riverside Pharmacy", "Tel: 01632 960123"},
		{"-- ", "Sarah Patel", "Requested by: Owen Price (owen.price@nhs.net)"},
		{"Thanks, Sarah", "", "Request: Leaver", "Account: someone@nhs.net"},
		{"Sent from my iPhone"},
		{"Regards", "", "********************", "This message may contain confidential information. If you are not the intended recipient please inform the sender."},
	}
)

// genHistory draws quoted or forwarded history holding requests of its own.
func genHistory(t *rapid.T) []string {
	old := genBlock(t)
	old = append(old, "", rapid.SampledFrom(genRequestedBy).Draw(t, "old requested by"))
	switch rapid.IntRange(0, 4).Draw(t, "history") {
	case 0:
		return append([]string{"-----Original Message-----", "From: NAS <requests@nas.test>", "Sent: 27 February 2026 16:02", "To: Riverside", "Subject: RE: staff", ""}, old...)
	case 1:
		quoted := []string{"On Fri, 27 Feb 2026 at 16:02, NHSmail National Administration Service <requests@nas.test> wrote:"}
		for _, l := range old {
			quoted = append(quoted, strings.TrimRight("> "+l, " "))
		}
		return quoted
	case 2:
		// Outlook's block with long To and Cc lists: Sent and Subject far below From.
		return append([]string{
			"________________________________", "From: Daniel Okafor <daniel.okafor@nhs.net>",
			"To: Riverside Pharmacy <pharmacy.fq7k2@nhs.net>; Amelia Hart", " <amelia.hart@nhs.net>; Grace Lindqvist <grace.lindqvist@nhs.net>",
			"Cc: Hannah Price <hannah.price@nhs.net>; NHSmail National", " Administration Service <requests@nas.test>; Li Wei <li.wei@nhs.net>",
			"Sent: 27 February 2026 16:02", "Subject: Staff changes", "",
		}, old...)
	case 3:
		return append([]string{"From: Daniel Okafor <daniel.okafor@nhs.net>", "Date: 27 February 2026 at 16:02", "Subject: Staff changes", "To: Riverside", ""}, old...)
	}
	return append([]string{"---------- Forwarded message ---------", "From: Daniel Okafor <daniel.okafor@nhs.net>", "Date: Fri, 27 Feb 2026", ""}, old...)
}

func genMailOf(t *rapid.T) genMail {
	m := genMail{lines: []string{rapid.SampledFrom([]string{"Hi,", "Hello NAS team,", "Good morning"}).Draw(t, "greeting"), ""}}
	by := rapid.SampledFrom(append(genRequestedBy, "")).Draw(t, "requested by")
	byFirst := rapid.Bool().Draw(t, "requested by first")
	if by != "" && byFirst {
		m.lines = append(m.lines, by, "")
	}
	for n := rapid.IntRange(1, 4).Draw(t, "blocks"); n > 0; n-- {
		m.lines = append(append(m.lines, genBlock(t)...), "")
	}
	if by != "" && !byFirst {
		m.lines = append(m.lines, by, "")
	}
	if rapid.Bool().Draw(t, "has signature") {
		m.signature = rapid.SampledFrom(genSignatures).Draw(t, "signature")
	}
	if rapid.Bool().Draw(t, "has history") {
		m.history = genHistory(t)
	}
	m.html = rapid.IntRange(0, 2).Draw(t, "html") == 0
	return m
}

// body is the mail's text, or its HTML, with or without its signature and history.
func (m genMail) body(signature, history bool) string {
	lines := append([]string(nil), m.lines...)
	if signature {
		lines = append(lines, m.signature...)
	}
	if history {
		lines = append(append(lines, ""), m.history...)
	}
	if !m.html {
		return strings.Join(lines, "\n") + "\n"
	}
	var b strings.Builder
	b.WriteString("<html><head><style>p.MsoNormal{margin:0;font-size:11pt} .pre{display:none}</style></head><body>\n")
	b.WriteString(`<div class="pre">Request: Make owner<br>Account: eve@nhs.net</div>` + "\n")
	quote := false
	for _, l := range lines {
		q := strings.HasPrefix(l, ">")
		if q != quote {
			if q {
				b.WriteString("<blockquote>\n")
			} else {
				b.WriteString("</blockquote>\n")
			}
			quote = q
		}
		l = strings.TrimSpace(strings.TrimPrefix(l, ">"))
		if l == "" {
			b.WriteString("<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n")
			continue
		}
		fmt.Fprintf(&b, "<p class=MsoNormal>%s<o:p></o:p></p>\n", strings.ReplaceAll(html.EscapeString(l), "\t", "&#9;"))
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// carrier is one way of putting a body in a message.
type carrier struct {
	name    string
	charset string
	enc     encoding.Encoding // nil for UTF-8
	cte     string
	lf      bool // bare LF line ends
}

var genCarriers = []carrier{
	{name: "utf-8 8bit", charset: "utf-8", cte: "8bit"},
	{name: "utf-8 8bit LF", charset: "UTF-8", cte: "8bit", lf: true},
	{name: "utf-8 quoted-printable", charset: "utf-8", cte: "quoted-printable"},
	{name: "utf-8 base64", charset: "utf-8", cte: "base64"},
	{name: "windows-1252 quoted-printable", charset: "windows-1252", enc: charmap.Windows1252, cte: "quoted-printable"},
	{name: "iso-8859-1 base64", charset: "iso-8859-1", enc: charmap.ISO8859_1, cte: "base64"},
	{name: "iso-8859-15 8bit", charset: "iso-8859-15", enc: charmap.ISO8859_15, cte: "8bit"},
}

// encode wraps body in a message through c; ok is false when c's charset cannot hold the text.
func (c carrier) encode(body string, isHTML bool) ([]byte, bool) {
	body = strings.ReplaceAll(body, "\n", "\r\n")
	if c.lf {
		body = strings.ReplaceAll(body, "\r\n", "\n")
	}
	data := []byte(body)
	if c.enc != nil {
		var err error
		if data, err = c.enc.NewEncoder().Bytes(data); err != nil {
			return nil, false
		}
	}
	switch c.cte {
	case "quoted-printable":
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write(data)
		w.Close()
		data = b.Bytes()
	case "base64":
		enc := base64.StdEncoding.EncodeToString(data)
		var b bytes.Buffer
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
		data = b.Bytes()
	}
	typ := "text/plain"
	if isHTML {
		typ = "text/html"
	}
	head := "From: \"Riverside Pharmacy, Ashford\" <pharmacy.fq7k2@nhs.net>\r\nTo: requests@nas.test\r\nSubject: staff\r\n" +
		"Message-ID: <prop@fq7k2.test>\r\nMIME-Version: 1.0\r\n" +
		fmt.Sprintf("Content-Type: %s; charset=\"%s\"\r\nContent-Transfer-Encoding: %s\r\n\r\n", typ, c.charset, c.cte)
	return append([]byte(head), data...), true
}

// parseRaw parses without Parse's recover, so a panic fails the property instead of reading as
// an empty mail.
func parseRaw(raw []byte) *domain.Message {
	m := &domain.Message{Requests: []domain.Request{}}
	parse(m, raw, Options{}.withDefaults())
	return m
}

// TestParseProperties: for every generated mail, parsing is deterministic; the same mail in
// another transfer encoding or charset gives the same requests, and so does its text/plain beside
// an HTML version that says more; adding quoted history or a signature never adds a request; and
// every invalid_field and missing_field names its field.
func TestParseProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genMailOf(t)
		c := rapid.SampledFrom(genCarriers).Draw(t, "carrier")
		full := m.body(true, true)
		raw, ok := c.encode(full, m.html)
		if !ok {
			c = genCarriers[0]
			raw, _ = c.encode(full, m.html)
		}
		got := parseRaw(raw)

		if again := parseRaw(raw); !reflect.DeepEqual(got, again) {
			t.Fatalf("two parses of one mail differ:\n%+v\n%+v", got.Requests, again.Requests)
		}

		for _, other := range genCarriers {
			raw2, ok := other.encode(full, m.html)
			if !ok {
				continue
			}
			if o := parseRaw(raw2); !reflect.DeepEqual(o.Requests, got.Requests) || !reflect.DeepEqual(o.RequestedBy, got.RequestedBy) {
				t.Fatalf("%s and %s read differently:\n%+v\n%+v\n%s", c.name, other.name, got.Requests, o.Requests, full)
			}
		}

		if !m.html {
			// The same text beside an HTML version of it, which must not be read.
			h := m
			h.html = true
			alt := "From: pharmacy.fq7k2@nhs.net\r\nSubject: staff\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: multipart/alternative; boundary=\"=alt=\"\r\n\r\n--=alt=\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + strings.ReplaceAll(full, "\n", "\r\n") +
				"\r\n--=alt=\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + strings.ReplaceAll(h.body(true, true)+"<p>Request: Leaver</p>", "\n", "\r\n") + "\r\n--=alt=--\r\n"
			if o := parseRaw([]byte(alt)); !reflect.DeepEqual(o.Requests, got.Requests) {
				t.Fatalf("text/plain beside HTML read differently:\n%+v\n%+v", got.Requests, o.Requests)
			}
		}

		bare, _ := genCarriers[0].encode(m.body(false, false), m.html)
		without := parseRaw(bare)
		for _, variant := range []struct {
			name               string
			signature, history bool
		}{{"signature", true, false}, {"history", false, true}, {"signature and history", true, true}} {
			raw3, _ := genCarriers[0].encode(m.body(variant.signature, variant.history), m.html)
			with := parseRaw(raw3)
			if len(with.Requests) > len(without.Requests) {
				t.Fatalf("adding the %s added requests: %d, was %d\n%s", variant.name, len(with.Requests), len(without.Requests), m.body(variant.signature, variant.history))
			}
			for i, r := range with.Requests {
				if w := without.Requests[i]; r.Type != w.Type || r.Account != w.Account || r.Line != w.Line {
					t.Fatalf("adding the %s changed request %d: %+v, was %+v", variant.name, i+1, r, w)
				}
			}
		}

		for _, r := range got.Requests {
			for _, p := range r.Problems {
				if (p.Reason == domain.InvalidField || p.Reason == domain.MissingField) && p.Field == "" {
					t.Fatalf("%s without a field in %+v", p.Reason, r)
				}
				if strings.TrimSpace(p.Detail) == "" {
					t.Fatalf("%s without words for the sender in %+v", p.Reason, r)
				}
			}
		}
	})
}
