package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"nasbot/domain"
	"nasbot/pipeline"
)

// TestSpoofsChangeNothing runs every crafted spoof of the verify package (forged headers at
// every position, untrusted or look-alike authserv-ids, dmarc=fail, other domains, display-name
// tricks, homoglyphs, two From addresses…) through the whole pipeline: each is unverified with
// auth_failed on every request, and the directory is exactly as it was.
func TestSpoofsChangeNothing(t *testing.T) {
	files, _ := filepath.Glob("../verify/testdata/spoofs/*.eml")
	if len(files) < 30 {
		t.Fatalf("only %d spoof fixtures", len(files))
	}
	f := newFixture(t, pipeline.Config{})
	before := exportDirectory(t, f)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		res := f.deliver(string(raw))
		name := filepath.Base(file)
		if res.Verdict != domain.Unverified || len(res.Reasons) != 1 || res.Reasons[0] != domain.AuthFailed {
			t.Errorf("%s: verdict %s %v, want unverified [auth_failed]", name, res.Verdict, res.Reasons)
		}
		for _, r := range res.Requests {
			if r.Outcome != domain.Review || len(r.Reasons) != 1 || r.Reasons[0] != domain.AuthFailed {
				t.Errorf("%s: request %s %s %v", name, r.Type, r.Outcome, r.Reasons)
			}
		}
		for _, reply := range res.Replies {
			if reply.To != "pharmacy.fq7k2@nhs.net" {
				t.Errorf("%s: a notice went to %s; only the genuine mailbox may hear of it", name, reply.To)
			}
		}
	}
	if after := exportDirectory(t, f); !bytes.Equal(before, after) {
		t.Fatalf("spoofed mail changed the directory:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The genuine message the spoofs were made from does change it, though every spoof carried
	// its Message-ID: forged copies never make the genuine one a duplicate.
	genuine, _ := os.ReadFile("../verify/testdata/genuine-exchange.eml")
	if res := f.deliver(string(genuine)); res.Verdict != domain.Processed || res.Requests[0].Outcome != domain.Done {
		t.Fatalf("the genuine counterpart: %+v", res)
	}
}

func exportDirectory(t *testing.T, f *fixture) []byte {
	t.Helper()
	var orgs, accts, aliases bytes.Buffer
	ctx := context.Background()
	if err := f.store.ExportDirectory(ctx, &orgs, &accts); err != nil {
		t.Fatal(err)
	}
	if err := f.store.ExportAliases(ctx, &aliases); err != nil {
		t.Fatal(err)
	}
	return bytes.Join([][]byte{orgs.Bytes(), accts.Bytes(), aliases.Bytes()}, []byte("\n"))
}
