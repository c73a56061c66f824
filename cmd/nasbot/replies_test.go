package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"nasbot/domain"
	"nasbot/internal/readability"
	"nasbot/parser"
	"nasbot/pipeline"
	"nasbot/templates"
)

// replyCorpora are every case the project runs through dryrun, each with its directory.
var replyCorpora = []struct{ cases, directory string }{
	{"../../testdata/corpus/cases", "../../testdata/corpus/directory"},
	{"../../testdata/rules/cases", "../../testdata/rules/directory"},
	{"../../testdata/attacks/cases", "../../testdata/corpus/directory"},
	{"../../testdata/replies/cases", "../../testdata/corpus/directory"},
}

// TestRepliesSpeakPlainly reads every reply and notice dryrun would send over the corpora as
// an owner would (issue 19): no reason code, no technical header name, no full mobile number,
// nothing written next to a password word, an HTML alternative, a Flesch reading ease of 60;
// and a spoof notice repeats nothing its sender wrote.
func TestRepliesSpeakPlainly(t *testing.T) {
	replies := 0
	for _, c := range replyCorpora {
		dirs, _ := filepath.Glob(filepath.Join(c.cases, "*"))
		if len(dirs) == 0 {
			t.Fatalf("no cases under %s", c.cases)
		}
		for _, dir := range dirs {
			t.Run(filepath.Base(c.cases[:len(c.cases)-len("/cases")])+"/"+filepath.Base(dir), func(t *testing.T) {
				emls, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
				for i, got := range dryrunAll(t, c.directory, emls) {
					reply, _ := got["reply"].(map[string]any)
					if reply == nil {
						continue
					}
					replies++
					checkReply(t, emls[i], got["verdict"] == string(domain.Unverified), reply)
				}
			})
		}
	}
	if replies < 50 {
		t.Fatalf("only %d replies over the corpora: the scan read too little", replies)
	}
}

func dryrunAll(t *testing.T, directory string, emls []string) []map[string]any {
	t.Helper()
	args := append([]string{"dryrun", "--directory", directory,
		"--now", "2026-03-02T09:00:00Z", "--trust-authserv", "mx.nas.test"}, emls...)
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		out = append(out, got)
	}
	if len(out) != len(emls) {
		t.Fatalf("%d objects for %d files", len(out), len(emls))
	}
	return out
}

var (
	// headerWords are header names and mail-system words an owner should never need.
	headerWords = regexp.MustCompile(`(?i)authentication-results|\breceived:|\bdkim\b|\bdmarc\b|\bspf\b|\barc-|` +
		`message-id|in-reply-to|return-path|reply-to:|auto-submitted|list-id|list-unsubscribe|\bx-[a-z]+-|authserv|` +
		`\bmx\.nas\.test\b|\bheader\b|reason code`)
	fullMobile = regexp.MustCompile(`(?:\+\s*44|\b0044|\b0)[\s.\-]*(?:\(0\)[\s.\-]*)?7(?:[\s.\-()]*\d){8,9}`)
	// secretField is a secret's name as a field, and its value.
	secretField = regexp.MustCompile(`(?i)(?:pass\s*(?:word|code|phrase)|\bpin)\s*[:=\-–]\s*(\S.*)$`)
	// exampleBlock is the fixed example of the format lesson: its mobile is the guide's.
	exampleBlock = regexp.MustCompile(`Mobile: 07700 900123`)
)

func checkReply(t *testing.T, eml string, notice bool, reply map[string]any) {
	t.Helper()
	name := filepath.Base(filepath.Dir(eml)) + "/" + filepath.Base(eml)
	text, _ := reply["text"].(string)
	html, _ := reply["html"].(string)
	subject, _ := reply["subject"].(string)
	if html == "" {
		t.Errorf("%s: the reply has no HTML alternative", name)
	}
	for part, s := range map[string]string{"text": text, "html": html, "subject": subject} {
		for code := range domain.ReasonWords {
			if strings.Contains(string(code), "_") && strings.Contains(s, string(code)) {
				t.Errorf("%s: the %s holds the reason code %s", name, part, code)
			}
		}
		for _, code := range []domain.Reason{pipeline.ReasonUnparseable, pipeline.ReasonReplyHeld} {
			if strings.Contains(s, "("+string(code)) || strings.Contains(s, ": "+string(code)) {
				t.Errorf("%s: the %s holds the reason code %s", name, part, code)
			}
		}
		if m := headerWords.FindString(s); m != "" {
			t.Errorf("%s: the %s holds the technical word %q", name, part, m)
		}
		if m := fullMobile.FindString(exampleBlock.ReplaceAllString(s, "")); m != "" {
			t.Errorf("%s: the %s holds the full mobile number %q", name, part, m)
		}
	}
	raw, err := os.ReadFile(eml)
	if err != nil {
		t.Fatal(err)
	}
	msg := parser.Parse(raw, parser.Options{})
	for _, l := range strings.Split(msg.Text, "\n") {
		if m := secretField.FindStringSubmatch(l); m != nil && len(strings.TrimSpace(m[1])) >= 3 &&
			strings.Contains(text+html, strings.TrimSpace(m[1])) {
			t.Errorf("%s: the reply holds %q, written next to a password word", name, m[1])
		}
	}
	htmlProse := strings.NewReplacer("“", `"`, "”", `"`).Replace(readability.ProseHTML(html))
	for _, l := range strings.Split(readability.Prose(text), "\n") {
		if l = strings.TrimPrefix(strings.TrimSpace(l), "- "); l != "" && !strings.Contains(htmlProse, l) {
			t.Errorf("%s: the HTML part lacks %q", name, l)
		}
	}
	for part, prose := range map[string]string{"text": readability.Prose(text), "html": readability.ProseHTML(html)} {
		if score := readability.Score(prose); score < 60 {
			t.Errorf("%s: the %s's Flesch reading ease is %.1f, want at least 60:\n%s", name, part, score, prose)
		}
	}
	if notice {
		checkNotice(t, name, msg, subject, withoutNamesOnRecord(t, text+html))
	}
}

// checkNotice: a spoof notice carries a subject of its own and none of the sender's lines.
func checkNotice(t *testing.T, name string, msg *domain.Message, subject, body string) {
	t.Helper()
	if !strings.HasPrefix(subject, templates.NoticeSubject+" [NAS-") {
		t.Errorf("%s: notice subject %q is not the fixed one", name, subject)
	}
	written := append(strings.Split(msg.Text, "\n"), msg.Envelope.Subject)
	for _, a := range msg.Envelope.From {
		written = append(written, a.Name)
	}
	for _, l := range written {
		if l = strings.TrimSpace(l); len(l) >= 8 && strings.Contains(body, l) {
			t.Errorf("%s: the notice repeats %q, which the sender wrote", name, l)
		}
	}
}

// withoutNamesOnRecord takes the corpus directory's site names ("Riverside Pharmacy, Ashford")
// out of a notice: they are the directory's words, which a forger may copy into From.
func withoutNamesOnRecord(t *testing.T, s string) string {
	t.Helper()
	for _, r := range corpusDirectory(t, "organisations.csv") {
		s = strings.ReplaceAll(s, r[2]+", "+r[3], "")
	}
	return s
}
