package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryrunShowsHeldReplies: a reply a guard would hold is printed with "held" and the guard's
// name (docs/spec/dryrun.md), never as if it were sent; every reply has its HTML alternative.
func TestDryrunShowsHeldReplies(t *testing.T) {
	dir := t.TempDir()
	var files []string
	// 21 requests from one mailbox within the hour: the 21st reply is past the per-address cap.
	for i := range 21 {
		mail := fmt.Sprintf("Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net\r\n"+
			"Received: from x by mx.nas.test; Mon, 2 Mar 2026 08:59:00 +0000\r\n"+
			"From: pharmacy.fq7k2@nhs.net\r\nTo: requests@nas.test\r\nSubject: change %d\r\n"+
			"Date: Mon, 2 Mar 2026 08:00:00 +0000\r\nMessage-ID: <held-%d@nhs.net>\r\n\r\n"+
			"Request: Remove user\r\nAccount: nobody%d@nhs.net\r\n", i, i, i)
		name := filepath.Join(dir, fmt.Sprintf("%02d.eml", i))
		if err := os.WriteFile(name, []byte(mail), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	args := append([]string{"dryrun", "--directory", "../../testdata/corpus/directory", "--now", "2026-03-02T09:00:00Z",
		"--trust-authserv", "mx.nas.test"}, files...)
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	for i, line := range lines {
		var out struct {
			Reply struct {
				HTML   string `json:"html"`
				Held   bool   `json:"held"`
				HeldBy string `json:"held_by"`
			} `json:"reply"`
		}
		if err := json.Unmarshal([]byte(line), &out); err != nil {
			t.Fatal(err)
		}
		wantHeld := i == 20
		if out.Reply.Held != wantHeld || wantHeld && out.Reply.HeldBy != "reply_cap" || !wantHeld && out.Reply.HeldBy != "" {
			t.Errorf("reply %d: held %v by %q, want held %v", i+1, out.Reply.Held, out.Reply.HeldBy, wantHeld)
		}
		if !strings.Contains(out.Reply.HTML, "<html") {
			t.Errorf("reply %d has no HTML alternative", i+1)
		}
	}
}
