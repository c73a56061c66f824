package pipeline_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"nasbot/pipeline"
)

// TestRepliesCarryReasonsForMachines: the reason codes a mail answers travel with it (for the
// X-NAS-Reasons header), each once, and never in its words.
func TestRepliesCarryReasonsForMachines(t *testing.T) {
	tests := []struct {
		name string
		mail string
		want []string
	}{
		{"a refused and a done request", riversideMail("r-1@nhs.net",
			"Request: Leaver\nAccount: nobody.here@nhs.net\n\nRequest: Leaver\nAccount: nobody.else@nhs.net\n\n"+
				"Request: Give access\nAccount: daniel.okafor@nhs.net\n"), []string{"unknown_account"}},
		{"all done", riversideMail("r-2@nhs.net", "Request: Give access\nAccount: daniel.okafor@nhs.net\n"), nil},
		{"a spoof notice", mail(mailOpts{from: "pharmacy.fq7k2@nhs.net", subject: "x", id: "r-3@evil.example", body: addUserBody}),
			[]string{"auth_failed"}},
		{"nothing readable", riversideMail("r-4@nhs.net", "Hello, please add Jo.\n"), []string{string(pipeline.ReasonUnparseable)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, pipeline.Config{})
			res := f.deliver(tt.mail)
			replies, err := f.store.RepliesFor(context.Background(), res.ID)
			if err != nil || len(replies) != 1 {
				t.Fatalf("replies: %+v %v", replies, err)
			}
			r := replies[0]
			if !slices.Equal(r.Reasons, tt.want) {
				t.Errorf("reasons %q, want %q", r.Reasons, tt.want)
			}
			for _, code := range r.Reasons {
				if strings.Contains(r.Text, code) || strings.Contains(r.HTML, code) {
					t.Errorf("the mail's words show the code %s", code)
				}
			}
		})
	}
}
