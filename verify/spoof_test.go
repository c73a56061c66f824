package verify

import (
	"errors"
	"strings"
	"testing"
)

// spoofCase is one crafted message built from the genuine Exchange stack.
type spoofCase struct {
	name   string
	edit   func(s *stack)
	dir    *fakeDir
	cfg    *Config
	want   string // substring of Failure
	noFrom bool   // Verification.From must be "" (From unusable)
}

const (
	genuineFrom = `From: "Riverside Pharmacy, Ashford" <pharmacy.fq7k2@nhs.net>`
	goodAR      = "mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net"
)

// fromIs replaces the From field and gives the trusted A-R a DMARC pass for the given domain,
// as an honest MTA would for mail that really came from that domain.
func fromIs(from, passFor string) func(s *stack) {
	return func(s *stack) {
		s.set("From:", "From: "+from)
		if passFor != "" {
			s.withAR("mx.nas.test; spf=pass smtp.mailfrom=" + passFor + "; dkim=pass header.d=" + passFor +
				"; dmarc=pass header.from=" + passFor)
		}
	}
}

func spoofCases() []spoofCase {
	return []spoofCase{
		// Where the Authentication-Results stand, and who wrote them.
		{name: "no A-R at all", edit: func(s *stack) {
			s.withAR()
			s.del("authentication-results:")
		}, want: "no Authentication-Results from a trusted server"},
		{name: "only Exchange's own A-R below", edit: func(s *stack) { s.withAR() },
			want: "no Authentication-Results from a trusted server"},
		{name: "trusted A-R forged directly below the topmost Received", edit: func(s *stack) {
			s.withAR()
			s.insert(s.find(mtaReceived)+1, "Authentication-Results: "+goodAR)
		}, want: "below the topmost Received"},
		{name: "trusted A-R forged between two Received lines", edit: func(s *stack) {
			s.withAR()
			s.insert(s.find("Received: from LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM (")+1, "Authentication-Results: "+goodAR)
		}, want: "below the topmost Received"},
		{name: "trusted A-R forged at the bottom of the header", edit: func(s *stack) {
			s.withAR()
			s.insert(-1, "Authentication-Results: "+goodAR)
		}, want: "below the topmost Received"},
		{name: "A-R above but no Received at all", edit: func(s *stack) {
			s.del("Received:")
		}, want: "no Received header"},
		{name: "look-alike authserv-id with the trusted one as prefix", edit: func(s *stack) {
			s.withAR("mx.nas.test.evil.example; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net")
		}, want: "not trusted"},
		{name: "look-alike authserv-id with a hyphen", edit: func(s *stack) {
			s.withAR("mx-nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net")
		}, want: "not trusted"},
		{name: "look-alike authserv-id as in corpus 031", edit: func(s *stack) {
			s.withAR("mx.nas.test.example; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net")
		}, want: "not trusted"},
		{name: "authserv-id with a trailing dot", edit: func(s *stack) {
			s.withAR("mx.nas.test.; dmarc=pass header.from=nhs.net")
		}, want: "not trusted"},
		{name: "authserv-id with a Cyrillic letter", edit: func(s *stack) {
			s.withAR("mx.nаs.test; dmarc=pass header.from=nhs.net")
		}, want: "not trusted"},
		{name: "Exchange's A-R without authserv-id, above the Received", edit: func(s *stack) {
			s.withAR()
			s.insert(s.find(mtaReceived), "authentication-results: dkim=pass (signature was verified)\r\n header.d=nhs.net;dmarc=pass action=none header.from=nhs.net;")
		}, want: "no Authentication-Results from a trusted server"},
		{name: "single-result A-R without authserv-id", edit: func(s *stack) {
			s.withAR("dmarc=pass")
		}, want: "no Authentication-Results from a trusted server"},
		{name: "A-R whose authserv-id is hidden in a comment", edit: func(s *stack) {
			s.withAR("(mx.nas.test) dmarc=pass header.from=nhs.net")
		}, want: "no Authentication-Results from a trusted server"},

		// What the trusted results say.
		{name: "trusted dmarc=fail (corpus 031)", edit: func(s *stack) {
			s.withAR("mx.nas.test; spf=softfail smtp.mailfrom=nhs.net; dkim=none; dmarc=fail (p=quarantine) header.from=nhs.net")
		}, want: "dmarc=fail"},
		{name: "trusted dmarc=fail overrides an aligned dkim=pass", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass header.d=nhs.net; dmarc=fail header.from=nhs.net")
		}, want: "dmarc=fail"},
		{name: "trusted dmarc=fail in a second field overrides a pass in the first", edit: func(s *stack) {
			s.withAR(goodAR, "mx.nas.test; dmarc=fail header.from=nhs.net")
		}, want: "dmarc=fail"},
		{name: "dkim=pass for another domain", edit: func(s *stack) {
			s.withAR("mx.nas.test; spf=pass smtp.mailfrom=evil.example; dkim=pass header.d=evil.example; dmarc=none header.from=nhs.net")
		}, want: "neither dmarc=pass"},
		{name: "dkim=pass for a look-alike ending in nhs.net", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass header.d=evilnhs.net")
		}, want: "neither dmarc=pass"},
		{name: "dkim=pass for nhs.net.evil.example", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass header.d=nhs.net.evil.example")
		}, want: "neither dmarc=pass"},
		{name: "dkim=pass for a Cyrillic nhs.net", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass header.d=nhs.nеt")
		}, want: "neither dmarc=pass"},
		{name: "dkim=pass with header.i in another domain", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass header.i=@evil.example")
		}, want: "neither dmarc=pass"},
		{name: "dkim=pass with an address as header.d", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass header.d=evil.example@nhs.net")
		}, want: "neither dmarc=pass"},
		{name: "dmarc=pass with an address as header.from", edit: func(s *stack) {
			s.withAR("mx.nas.test; dmarc=pass header.from=evil.example@nhs.net")
		}, want: "evaluated DMARC for evil.example@nhs.net"},
		{name: "dkim=pass with quoted header.d of another domain", edit: func(s *stack) {
			s.withAR(`mx.nas.test; dkim=pass header.d="evil.example" header.b="x;y"`)
		}, want: "neither dmarc=pass"},
		{name: "dkim=fail with the pass only in a comment", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=fail (dkim=pass header.d=nhs.net) header.d=nhs.net")
		}, want: "neither dmarc=pass"},
		{name: "dmarc=pass for another domain", edit: func(s *stack) {
			s.withAR("mx.nas.test; dmarc=pass header.from=evil.example")
		}, want: "evaluated DMARC for evil.example"},
		{name: "dmarc=pass for another domain beside an aligned dkim=pass", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=evil.example")
		}, want: "evaluated DMARC for evil.example"},
		{name: "dkim=pass from a subdomain (strict alignment)", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass header.d=mail.nhs.net")
		}, want: "neither dmarc=pass"},
		{name: "dmarc=pass for a subdomain", edit: func(s *stack) {
			s.withAR("mx.nas.test; dmarc=pass header.from=mail.nhs.net")
		}, want: "evaluated DMARC for mail.nhs.net"},
		{name: "spf=pass alone", edit: func(s *stack) {
			s.withAR("mx.nas.test; spf=pass smtp.mailfrom=nhs.net; dkim=none; dmarc=none header.from=nhs.net")
		}, want: "neither dmarc=pass"},
		{name: "trusted A-R with no results", edit: func(s *stack) { s.withAR("mx.nas.test; none") },
			want: "neither dmarc=pass"},
		{name: "dmarc=pass without header.from", edit: func(s *stack) { s.withAR("mx.nas.test; dmarc=pass") },
			want: "neither dmarc=pass"},
		{name: "unterminated comment hides a pass", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=none (oops dmarc=pass header.from=nhs.net")
		}, want: "neither dmarc=pass"},
		{name: "unparseable trusted A-R only", edit: func(s *stack) {
			s.withAR("mx.nas.test; ;;; == (((")
		}, want: "neither dmarc=pass"},

		// The From address.
		{name: "display-name spoof (corpus 032)", edit: fromIs(`"pharmacy.fq7k2@nhs.net" <riverside.pharmacy.ashford@mailbox.example>`, "mailbox.example"),
			want: "From domain mailbox.example is not nhs.net"},
		{name: "look-alike nhs.net.evil.example passing DMARC for itself", edit: fromIs("<pharmacy.fq7k2@nhs.net.evil.example>", "nhs.net.evil.example"),
			want: "From domain nhs.net.evil.example is not nhs.net"},
		{name: "look-alike nhs-net.example", edit: fromIs("Riverside <pharmacy.fq7k2@nhs-net.example>", "nhs-net.example"),
			want: "From domain nhs-net.example is not nhs.net"},
		{name: "subdomain of nhs.net", edit: fromIs("<pharmacy.fq7k2@mail.nhs.net>", "mail.nhs.net"),
			want: "From domain mail.nhs.net is not nhs.net"},
		{name: "Cyrillic e in net", edit: fromIs("<pharmacy.fq7k2@nhs.nеt>", ""),
			want: "(nhs.xn--nt-nlc) is not nhs.net"},
		{name: "Cyrillic shha for h", edit: fromIs("<pharmacy.fq7k2@nһs.net>", ""),
			want: "is not nhs.net"},
		{name: "Cyrillic dze for s", edit: fromIs("<pharmacy.fq7k2@nhѕ.net>", ""),
			want: "is not nhs.net"},
		{name: "Greek epsilon in net", edit: fromIs("<pharmacy.fq7k2@nhs.nεt>", ""),
			want: "is not nhs.net"},
		{name: "punycode of a homoglyph written out", edit: fromIs("<pharmacy.fq7k2@nhs.xn--nt-nlc>", ""),
			want: "From domain nhs.xn--nt-nlc is not nhs.net"},
		{name: "trailing dot", edit: fromIs("<pharmacy.fq7k2@nhs.net.>", ""),
			want: "cannot be read as exactly one mailbox", noFrom: true},
		{name: "empty label", edit: fromIs("<pharmacy.fq7k2@nhs..net>", ""),
			want: "cannot be read as exactly one mailbox", noFrom: true},
		{name: "Cyrillic a in the local part", edit: fromIs("<phаrmacy.fq7k2@nhs.net>", ""),
			want: "unusual local part"},
		{name: "two From addresses (corpus 032)", edit: fromIs(`"Riverside Pharmacy, Ashford" <pharmacy.fq7k2@nhs.net>,`+"\r\n"+` "WALSH, Kieran" <kieran.walsh@nhs.net>`, ""),
			want: "From names more than one mailbox", noFrom: true},
		{name: "two From fields", edit: func(s *stack) {
			s.insert(s.find("From:"), "From: <kieran.walsh@nhs.net>")
		}, want: "2 From fields", noFrom: true},
		{name: "empty From", edit: fromIs("", ""), want: "From is empty", noFrom: true},
		{name: "no From field", edit: func(s *stack) { s.del("From:") }, want: "no From field", noFrom: true},
		{name: "group syntax around the genuine mailbox", edit: fromIs("Riverside: pharmacy.fq7k2@nhs.net;", ""),
			want: "group syntax", noFrom: true},
		{name: "empty group", edit: fromIs("undisclosed-recipients:;", ""), want: "group syntax", noFrom: true},

		// Sender (send on behalf).
		{name: "Sender not linked to the mailbox", edit: func(s *stack) {
			s.insert(s.find("From:")+1, "Sender: Kieran Walsh <kieran.walsh@nhs.net>")
		}, dir: newDir("someone.else@nhs.net pharmacy.fq7k2@nhs.net"), want: "not an account linked to the shared mailbox pharmacy.fq7k2@nhs.net"},
		{name: "Sender outside nhs.net", edit: func(s *stack) {
			s.insert(s.find("From:")+1, "Sender: <helper@evil.example>")
		}, want: "not an account in nhs.net"},
		{name: "Sender with two mailboxes", edit: func(s *stack) {
			s.insert(s.find("From:")+1, "Sender: amelia.hart@nhs.net, kieran.walsh@nhs.net")
		}, dir: newDir("amelia.hart@nhs.net pharmacy.fq7k2@nhs.net"), want: "Sender names more than one mailbox"},
		{name: "Sender that cannot be read", edit: func(s *stack) {
			s.insert(s.find("From:")+1, "Sender: the pharmacy team")
		}, want: "Sender cannot be read"},
		{name: "two Sender fields", edit: func(s *stack) {
			s.insert(s.find("From:")+1, "Sender: <pharmacy.fq7k2@nhs.net>")
			s.insert(s.find("From:")+1, "Sender: <kieran.walsh@nhs.net>")
		}, want: "2 Sender fields"},
	}
}

func TestSpoofsAreRefused(t *testing.T) {
	cases := spoofCases()
	if len(cases) < 30 {
		t.Fatalf("only %d spoof cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := genuine(t)
			c.edit(s)
			cfg := corpusConfig
			if c.cfg != nil {
				cfg = *c.cfg
			}
			dir := c.dir
			if dir == nil {
				dir = newDir()
			}
			v := s.verify(t, dir, cfg)
			if v.Verified {
				t.Fatalf("verified, evidence %q", v.Evidence)
			}
			if !strings.Contains(v.Failure, c.want) {
				t.Errorf("failure %q, want it to contain %q", v.Failure, c.want)
			}
			if v.Evidence == "" {
				t.Error("no evidence")
			}
			if c.noFrom && v.From != "" {
				t.Errorf("From = %q, want none", v.From)
			}
			if !c.noFrom && v.From == "pharmacy.fq7k2@nhs.net" && strings.HasPrefix(v.Failure, "the From domain") {
				t.Errorf("From normalised to the genuine mailbox: %q", v.From)
			}
		})
	}
}

// TestGenuinePass holds the genuine counterparts of the spoofs: each must verify.
func TestGenuinePass(t *testing.T) {
	cases := []struct {
		name     string
		edit     func(s *stack)
		dir      *fakeDir
		from     string // expected Verification.From; pharmacy.fq7k2@nhs.net when ""
		evidence string // substring of Evidence
	}{
		{name: "genuine Exchange stack", edit: func(*stack) {}, evidence: "mx.nas.test above the topmost Received"},
		{name: "dmarc=pass only", edit: func(s *stack) { s.withAR("mx.nas.test; dmarc=pass header.from=nhs.net") },
			evidence: "dmarc=pass header.from=nhs.net"},
		{name: "aligned dkim=pass only", edit: func(s *stack) { s.withAR("mx.nas.test; dkim=pass header.d=nhs.net; dmarc=none") },
			evidence: "dkim=pass header.d=nhs.net"},
		{name: "dkim=pass with header.i only", edit: func(s *stack) { s.withAR("mx.nas.test; dkim=pass header.i=@nhs.net") },
			evidence: "dkim=pass header.d=nhs.net"},
		{name: "OpenDKIM/OpenDMARC comments", edit: func(s *stack) {
			s.withAR("mx.nas.test; dkim=pass (2048-bit key; unprotected) header.d=nhs.net header.i=@nhs.net header.a=rsa-sha256 header.s=selector1 header.b=\"QmYqYzGU\"; dmarc=pass (p=quarantine dis=none) header.from=nhs.net")
		}, evidence: "dkim=pass header.d=nhs.net"},
		{name: "action=none and spf", edit: func(s *stack) {
			s.withAR("mx.nas.test; spf=pass (sender IP is 203.0.113.106) smtp.mailfrom=nhs.net; dkim=pass (signature was verified) header.d=nhs.net; dmarc=pass action=none header.from=nhs.net; compauth=pass reason=100")
		}, evidence: "dkim=pass header.d=nhs.net"},
		{name: "version after the authserv-id", edit: func(s *stack) { s.withAR("mx.nas.test 1; dmarc=pass header.from=nhs.net") },
			evidence: "dmarc=pass"},
		{name: "authserv-id in upper case", edit: func(s *stack) { s.withAR("MX.NAS.TEST; dmarc=pass header.from=NHS.NET") },
			evidence: "dmarc=pass header.from=nhs.net"},
		{name: "spaces around =", edit: func(s *stack) { s.withAR("mx.nas.test; dmarc = pass header.from = nhs.net") },
			evidence: "dmarc=pass"},
		{name: "unparseable trusted A-R beside a good one", edit: func(s *stack) {
			s.withAR("mx.nas.test; ;;; == (((", goodAR)
		}, evidence: "mx.nas.test above"},
		{name: "A-R split over two trusted fields", edit: func(s *stack) {
			s.withAR("mx.nas.test; spf=pass smtp.mailfrom=nhs.net", "mx.nas.test; dmarc=pass header.from=nhs.net")
		}, evidence: "dmarc=pass"},
		{name: "forged fail below does not hide the genuine pass", edit: func(s *stack) {
			s.insert(s.find(mtaReceived)+1, "Authentication-Results: mx.nas.test; dmarc=fail header.from=nhs.net")
		}, evidence: "mx.nas.test above"},
		{name: "Sender linked to the mailbox", edit: func(s *stack) {
			s.insert(s.find("From:")+1, "Sender: \"HART, Amelia\" <Amelia.Hart@nhs.net>")
		}, dir: newDir("amelia.hart@nhs.net pharmacy.fq7k2@nhs.net"), evidence: "Sender amelia.hart@nhs.net is linked"},
		{name: "Sender equal to From", edit: func(s *stack) {
			s.insert(s.find("From:")+1, "Sender: <Pharmacy.FQ7K2@nhs.net>")
		}, evidence: "mx.nas.test above"},
		{name: "From in upper case", edit: func(s *stack) { s.set("From:", "From: <PHARMACY.FQ7K2@NHS.NET>") }, evidence: "mx.nas.test"},
		{name: "From domain in fullwidth letters maps to nhs.net", edit: func(s *stack) { s.set("From:", "From: <pharmacy.fq7k2@ｎｈｓ.ｎｅｔ>") },
			evidence: "mx.nas.test"},
		{name: "quoted local part", edit: func(s *stack) { s.set("From:", `From: <"pharmacy.fq7k2"@nhs.net>`) }, evidence: "mx.nas.test"},
		{name: "personal account", edit: func(s *stack) { s.set("From:", `From: "OKAFOR, Daniel" <daniel.okafor@nhs.net>`) },
			from: "daniel.okafor@nhs.net", evidence: "mx.nas.test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := genuine(t)
			c.edit(s)
			dir := c.dir
			if dir == nil {
				dir = newDir()
			}
			v := s.verify(t, dir, corpusConfig)
			if !v.Verified {
				t.Fatalf("not verified: %s\nevidence: %s", v.Failure, v.Evidence)
			}
			want := c.from
			if want == "" {
				want = "pharmacy.fq7k2@nhs.net"
			}
			if v.From != want {
				t.Errorf("From = %q, want %q", v.From, want)
			}
			if v.Failure != "" {
				t.Errorf("failure %q on a verified message", v.Failure)
			}
			if !strings.Contains(v.Evidence, c.evidence) {
				t.Errorf("evidence %q, want it to contain %q", v.Evidence, c.evidence)
			}
		})
	}
}

func TestSenderDirectory(t *testing.T) {
	t.Run("directory error is returned", func(t *testing.T) {
		s := genuine(t)
		s.insert(s.find("From:")+1, "Sender: <amelia.hart@nhs.net>")
		dir := newDir()
		dir.err = errors.New("connection refused")
		raw := s.raw()
		_, err := Verify(envelopeFromRaw(t, raw), raw, dir, corpusConfig)
		if err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no Sender, no directory call", func(t *testing.T) {
		dir := newDir()
		if v := genuine(t).verify(t, dir, corpusConfig); !v.Verified || dir.calls != 0 {
			t.Fatalf("verified %v, %d calls", v.Verified, dir.calls)
		}
	})
	t.Run("unproven mail asks the directory nothing", func(t *testing.T) {
		s := genuine(t).withAR()
		s.insert(s.find("From:")+1, "Sender: <amelia.hart@nhs.net>")
		dir := newDir("amelia.hart@nhs.net pharmacy.fq7k2@nhs.net")
		if v := s.verify(t, dir, corpusConfig); v.Verified || dir.calls != 0 {
			t.Fatalf("verified %v, %d calls", v.Verified, dir.calls)
		}
	})
}
