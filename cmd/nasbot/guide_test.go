package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"nasbot/domain"
	"nasbot/parser"
)

const guidePath = "../../docs/requests.md"

var updateGuide = flag.Bool("update-guide", false, "rewrite the glossary sections of docs/requests.md")

// guideExample is one example of the owners' guide and the outcomes the guide says it gets.
type guideExample struct {
	line  int
	block string
	want  []string // outcome words, one per request
}

var (
	fence       = regexp.MustCompile("(?s)```text\n(.*?)```\n(?:\n?<!-- reply: ([^>]*) -->)?")
	requestWord = regexp.MustCompile(`(?m)^Request: (.+)$`)
)

func guideExamples(t *testing.T, doc string) []guideExample {
	t.Helper()
	var out []guideExample
	for _, m := range fence.FindAllStringSubmatchIndex(doc, -1) {
		block := doc[m[2]:m[3]]
		if !strings.Contains(block, "Request:") && !strings.HasPrefix(block, "request,") {
			continue
		}
		ex := guideExample{line: strings.Count(doc[:m[0]], "\n") + 1, block: block}
		if m[4] >= 0 {
			for _, w := range strings.Split(doc[m[4]:m[5]], ",") {
				ex.want = append(ex.want, strings.TrimSpace(w))
			}
		}
		out = append(out, ex)
	}
	return out
}

// TestGuideExamples sends every example of docs/requests.md from the shared mailbox through
// `nasbot dryrun` (testdata/guide/directory) and checks each request gets the outcome the guide
// gives under it, in the glossary's words, and that the reply says so in those words.
func TestGuideExamples(t *testing.T) {
	doc, err := os.ReadFile(guidePath)
	if err != nil {
		t.Fatal(err)
	}
	examples := guideExamples(t, string(doc))
	if len(examples) < 10 {
		t.Fatalf("found %d examples in the guide", len(examples))
	}
	for _, ex := range examples {
		t.Run(fmt.Sprintf("line %d", ex.line), func(t *testing.T) {
			if len(ex.want) == 0 {
				t.Fatalf("the example at line %d has no <!-- reply: … --> line saying what the reply says", ex.line)
			}
			eml := filepath.Join(t.TempDir(), "example.eml")
			if err := os.WriteFile(eml, guideMail(ex.block), 0o644); err != nil {
				t.Fatal(err)
			}
			got := dryrunGuide(t, eml)
			reqs, _ := got["requests"].([]any)
			if got["verdict"] != string(domain.Processed) || len(reqs) != len(ex.want) {
				t.Fatalf("verdict %v with %d requests, the guide says %d: %v", got["verdict"], len(reqs), len(ex.want), got)
			}
			reply, _ := got["reply"].(map[string]any)
			text, _ := reply["text"].(string)
			for i, r := range reqs {
				outcome := domain.OutcomeWord(domain.Outcome(r.(map[string]any)["outcome"].(string)))
				if outcome != ex.want[i] {
					t.Errorf("request %d: %s (%v), the guide says %s", i+1, outcome, r.(map[string]any)["reasons"], ex.want[i])
				}
				if !strings.Contains(text, ": "+ex.want[i]+"\n") {
					t.Errorf("the reply does not say %q:\n%s", ex.want[i], text)
				}
			}
		})
	}
}

// guideMail is an example as an owner sends it: from the shared mailbox, proven by the NAS's
// own server, with a greeting, the guide's Requested by line where the example has none, and a
// CSV example as an attachment.
func guideMail(block string) []byte {
	body := "Hello,\r\n\r\n"
	csvPart := ""
	if strings.HasPrefix(block, "request,") {
		csvPart = block
	} else {
		body += strings.ReplaceAll(block, "\n", "\r\n")
	}
	if !strings.Contains(block, "Requested by:") {
		body += "\r\nRequested by: Sarah Patel (sarah.patel@nhs.net)\r\n"
	}
	body += "\r\nKind regards\r\nSarah\r\n"
	head := "Return-Path: <pharmacy.fa123@nhs.net>\r\n" +
		"Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net\r\n" +
		"Received: from outbound.protection.outlook.com by mx.nas.test; Mon, 02 Mar 2026 08:30:00 +0000\r\n" +
		"From: \"Riverside Pharmacy, Ashford\" <pharmacy.fa123@nhs.net>\r\nTo: <requests@nas.test>\r\n" +
		"Subject: Requests\r\nDate: Mon, 02 Mar 2026 08:29:58 +0000\r\nMessage-ID: <guide-example@nhs.net>\r\n" +
		"MIME-Version: 1.0\r\n"
	if csvPart == "" {
		return []byte(head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body)
	}
	return []byte(head + "Content-Type: multipart/mixed; boundary=mix\r\n\r\n--mix\r\nContent-Type: text/plain\r\n\r\n" + body +
		"\r\n--mix\r\nContent-Type: text/csv; name=\"staff.csv\"\r\nContent-Disposition: attachment; filename=\"staff.csv\"\r\n\r\n" +
		strings.ReplaceAll(csvPart, "\n", "\r\n") + "\r\n--mix--\r\n")
}

func dryrunGuide(t *testing.T, eml string) map[string]any {
	t.Helper()
	out := dryrunAll(t, "../../testdata/guide/directory", []string{eml})
	return out[0]
}

// TestGuideSpeaksTheGlossary: the guide names every request type the parser reads as the
// glossary names it, uses the glossary's outcome words, and lists the glossary's advice for
// each reason as it is (go test ./cmd/nasbot -run TestGuideSpeaksTheGlossary -update-guide
// rewrites that list).
func TestGuideSpeaksTheGlossary(t *testing.T) {
	b, err := os.ReadFile(guidePath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var shown []string
	for _, m := range requestWord.FindAllStringSubmatch(doc, -1) {
		shown = append(shown, strings.TrimSpace(m[1]))
	}
	for typ, name := range domain.RequestNames {
		if typ == domain.Unknown || !readsAs(name, typ) {
			continue // a type owners cannot ask for by name (yet)
		}
		if !slices.Contains(shown, name) {
			t.Errorf("the guide shows no example of %q, the glossary's name for %s", name, typ)
		}
	}
	for _, w := range domain.OutcomeWords {
		if !strings.Contains(doc, "**"+w+"**") {
			t.Errorf("the guide does not name the outcome %q", w)
		}
	}
	want := reasonSection()
	start, end := strings.Index(doc, reasonsStart), strings.Index(doc, reasonsEnd)
	if start < 0 || end < start {
		t.Fatalf("the guide has no %s … %s section", reasonsStart, reasonsEnd)
	}
	if got := doc[start : end+len(reasonsEnd)]; got != want {
		if *updateGuide {
			if err := os.WriteFile(guidePath, []byte(doc[:start]+want+doc[end+len(reasonsEnd):]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("the guide's list of what to do differs from domain.ReasonWords (run with -update-guide):\n%s", want)
	}
}

const (
	reasonsStart = "<!-- glossary: reason words -->"
	reasonsEnd   = "<!-- end of glossary -->"
)

// ownerReasons are the reasons an owner can meet in a reply; the rest never reach one
// (an automatic reply is not answered, a mail seen before is not answered again).
func reasonSection() string {
	var lines []string
	for r, w := range domain.ReasonWords {
		if r == domain.AutoSubmitted || r == domain.Duplicate {
			continue
		}
		lines = append(lines, "- "+w)
	}
	slices.Sort(lines)
	return reasonsStart + "\n" + strings.Join(lines, "\n") + "\n" + reasonsEnd
}

// readsAs reports whether the parser reads "Request: name" as typ.
func readsAs(name string, typ domain.RequestType) bool {
	m := parser.Parse([]byte("From: a@nhs.net\r\nSubject: x\r\n\r\nRequest: "+name+"\r\nAccount: a.b@nhs.net\r\n"), parser.Options{})
	return len(m.Requests) == 1 && m.Requests[0].Type == typ
}
