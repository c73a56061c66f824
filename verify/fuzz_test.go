package verify

import (
	"net/mail"
	"os"
	"strings"
	"testing"

	"nasbot/domain"
)

// FuzzVerify feeds arbitrary Authentication-Results values (one above and one below the trusted
// Received) and From values. Verify must not panic, and whatever it accepts must be one mailbox
// of nhs.net proven by a trusted field above the Received.
func FuzzVerify(f *testing.F) {
	f.Add(goodAR, "", `"Riverside Pharmacy, Ashford" <pharmacy.fq7k2@nhs.net>`, "")
	f.Add("mx.nas.test; dkim=pass (2048-bit key; unprotected) header.d=nhs.net", "", "pharmacy.fq7k2@nhs.net", "")
	f.Add("dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=nhs.net;", goodAR, "<pharmacy.fq7k2@nhs.net>", "")
	f.Add(`"mx.nas.test"; dmarc=pass header.from="nhs.net"`, "", "<a@nhs.nеt>", "amelia.hart@nhs.net")
	f.Add("mx.nas.test; dmarc=fail header.from=nhs.net", "", "G: a@nhs.net;", "")
	f.Add("mx.nas.test 1; dkim/1 = pass header.i=@mail.nhs.net", "", "<a@ｎｈｓ.ｎｅｔ>", "a@nhs.net")
	f.Add("mx.nas.test; (((", "", "a@nhs.net, b@nhs.net", "")
	f.Fuzz(func(t *testing.T, above, below, from, sender string) {
		env := &domain.Envelope{Headers: []domain.HeaderField{
			{Key: "Authentication-Results", Value: above},
			{Key: "Received", Value: "from x by mx.nas.test; Fri, 27 Feb 2026 09:12:43 +0000"},
			{Key: "Authentication-Results", Value: below},
			{Key: "From", Value: from},
		}}
		if list, err := mail.ParseAddressList(from); err == nil {
			for _, a := range list {
				env.From = append(env.From, domain.Address{Name: a.Name, Address: strings.ToLower(a.Address)})
			}
		} else {
			env.From = []domain.Address{{Address: strings.ToLower(from)}}
		}
		if sender != "" {
			env.Headers = append(env.Headers, domain.HeaderField{Key: "Sender", Value: sender})
			env.Sender = &domain.Address{Address: sender}
		}
		dir := newDir("amelia.hart@nhs.net pharmacy.fq7k2@nhs.net")
		v, err := Verify(env, nil, dir, corpusConfig)
		if err != nil {
			t.Fatal(err)
		}
		// What stands below the topmost Received must change nothing.
		env.Headers[2].Value = ""
		if w, _ := Verify(env, nil, dir, corpusConfig); w.Verified != v.Verified {
			t.Fatalf("the field below the Received changed the result: %+v vs %+v", v, w)
		}
		if !v.Verified {
			if v.Failure == "" {
				t.Fatal("unverified without a failure")
			}
			return
		}
		if v.Failure != "" || len(env.From) != 1 || !strings.HasSuffix(v.From, "@nhs.net") ||
			strings.Count(v.From, "@") != 1 {
			t.Fatalf("verified %+v from %q", v, from)
		}
		if f := parseAuthResults(above); !strings.EqualFold(f.id, "mx.nas.test") {
			t.Fatalf("verified without the trusted field above: %q (evidence %q)", above, v.Evidence)
		}
	})
}

// BenchmarkVerify measures a genuine Exchange Online stack as the NAS's MTA delivers it.
func BenchmarkVerify(b *testing.B) {
	raw, err := os.ReadFile("testdata/genuine-exchange.eml")
	if err != nil {
		b.Fatal(err)
	}
	env := envelopeFromRaw(b, raw)
	dir := newDir()
	b.ReportAllocs()
	for b.Loop() {
		v, err := Verify(env, raw, dir, corpusConfig)
		if err != nil || !v.Verified {
			b.Fatalf("%+v %v", v, err)
		}
	}
}
