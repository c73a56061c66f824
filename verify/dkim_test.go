package verify

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimMessage is what Outlook hands to the signing MTA, before the NAS's MTA adds its Received.
const dkimMessage = "From: \"Riverside Pharmacy, Ashford\" <pharmacy.fq7k2@nhs.net>\r\n" +
	"To: \"NHSmail National Administration Service\" <requests@nas.test>\r\n" +
	"Subject: New starter - Callum Reid\r\n" +
	"Date: Fri, 27 Feb 2026 09:12:40 +0000\r\n" +
	"Message-ID: <dkim-test-1@nhs.net>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=\"us-ascii\"\r\n" +
	"\r\n" +
	"Request: Add user\r\n" +
	"Name: Callum Reid\r\n" +
	"Mobile: 07700 900123\r\n" +
	"Linked: Yes\r\n"

const dkimReceived = "Received: from mail.nhs.net (mail.nhs.net [203.0.113.106])\r\n" +
	"\tby mx.nas.test (Postfix) with ESMTPS id 4cYrF43CMGXuMf\r\n" +
	"\tfor <requests@nas.test>; Fri, 27 Feb 2026 09:12:43 +0000 (GMT)\r\n"

var testKeys = sync.OnceValues(func() (*rsa.PrivateKey, ed25519.PrivateKey) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	_, ek, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return rk, ek
})

var evilKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func rsaRecord(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
}

// keyDNS is the resolver the tests control: the genuine keys at nhs.net (and mail.nhs.net), the
// attacker's at evil.example.
func keyDNS(name string) ([]string, error) {
	rk, ek := testKeys()
	switch name {
	case "rsa._domainkey.nhs.net", "rsa._domainkey.mail.nhs.net":
		return []string{rsaRecord(rk)}, nil
	case "ed._domainkey.nhs.net":
		pub := ek.Public().(ed25519.PublicKey)
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	case "rsa._domainkey.evil.example":
		return []string{rsaRecord(evilKey())}, nil
	}
	return nil, errors.New("no such host " + name)
}

var dkimConfig = Config{Domain: "nhs.net", DKIM: true, LookupTXT: keyDNS}

// signed signs msg as d=domain with selector and key, then prepends the NAS MTA's Received.
func signed(t *testing.T, msg, domain, selector string, key crypto.Signer, opts func(*dkim.SignOptions)) string {
	t.Helper()
	o := &dkim.SignOptions{
		Domain:                 domain,
		Selector:               selector,
		Signer:                 key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"},
	}
	if opts != nil {
		opts(o)
	}
	var b bytes.Buffer
	if err := dkim.Sign(&b, strings.NewReader(msg), o); err != nil {
		t.Fatalf("sign: %v", err)
	}
	return dkimReceived + b.String()
}

func TestDKIMInProcess(t *testing.T) {
	rk, ek := testKeys()
	cases := []struct {
		name     string
		raw      func(t *testing.T) string
		cfg      Config
		verified bool
		want     string // substring of Evidence when verified, of Failure otherwise
	}{
		{name: "good RSA signature", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "rsa", rk, nil)
		}, cfg: dkimConfig, verified: true, want: "DKIM signature d=nhs.net"},
		{name: "good ed25519 signature", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "ed", ek, nil)
		}, cfg: dkimConfig, verified: true, want: "DKIM signature d=nhs.net"},
		{name: "good signature from a subdomain (strict alignment)", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "mail.nhs.net", "rsa", rk, nil)
		}, cfg: dkimConfig, want: "no valid DKIM signature aligned with nhs.net"},
		{name: "good signature with simple canonicalization", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "rsa", rk, func(o *dkim.SignOptions) {
				o.HeaderCanonicalization, o.BodyCanonicalization = dkim.CanonicalizationSimple, dkim.CanonicalizationSimple
			})
		}, cfg: dkimConfig, verified: true, want: "verified in process"},
		{name: "good signature and a trusted A-R both count", raw: func(t *testing.T) string {
			return "Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net\r\n" + signed(t, dkimMessage, "nhs.net", "rsa", rk, nil)
		}, cfg: Config{TrustedAuthServIDs: []string{"mx.nas.test"}, DKIM: true, LookupTXT: keyDNS}, verified: true, want: "mx.nas.test"},

		{name: "no signature", raw: func(t *testing.T) string { return dkimReceived + dkimMessage },
			cfg: dkimConfig, want: "no valid DKIM signature aligned with nhs.net"},
		{name: "bad signature", raw: func(t *testing.T) string {
			s := signed(t, dkimMessage, "nhs.net", "rsa", rk, nil)
			i := strings.Index(s, " b=") + 3
			return s[:i] + "AAAA" + s[i+4:]
		}, cfg: dkimConfig, want: "no valid DKIM signature"},
		{name: "tampered body", raw: func(t *testing.T) string {
			return strings.Replace(signed(t, dkimMessage, "nhs.net", "rsa", rk, nil), "Callum Reid\r\nMobile", "Eve Mallory\r\nMobile", 1)
		}, cfg: dkimConfig, want: "no valid DKIM signature"},
		{name: "request appended to the body", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "rsa", rk, nil) + "\r\nRequest: Leaver\r\nAccount: amelia.hart@nhs.net\r\n"
		}, cfg: dkimConfig, want: "no valid DKIM signature"},
		{name: "tampered Subject", raw: func(t *testing.T) string {
			return strings.Replace(signed(t, dkimMessage, "nhs.net", "rsa", rk, nil), "Subject: New starter", "Subject: Old starter", 1)
		}, cfg: dkimConfig, want: "no valid DKIM signature"},
		{name: "d=nhs.net signed with the attacker's key", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "rsa", evilKey(), nil)
		}, cfg: dkimConfig, want: "no valid DKIM signature"},
		{name: "valid signature for another domain", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "evil.example", "rsa", evilKey(), nil)
		}, cfg: dkimConfig, want: "no valid DKIM signature aligned"},
		{name: "valid signature and From of another domain", raw: func(t *testing.T) string {
			msg := strings.Replace(dkimMessage, "pharmacy.fq7k2@nhs.net", "pharmacy.fq7k2@evil.example", 1)
			return signed(t, msg, "evil.example", "rsa", evilKey(), nil)
		}, cfg: dkimConfig, want: "From domain evil.example is not nhs.net"},
		{name: "unknown selector", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "gone", rk, nil)
		}, cfg: dkimConfig, want: "no valid DKIM signature"},
		{name: "expired signature", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "rsa", rk, func(o *dkim.SignOptions) {
				o.Expiration = time.Now().Add(-time.Hour)
			})
		}, cfg: dkimConfig, want: "no valid DKIM signature"},
		{name: "body length tag", raw: func(t *testing.T) string {
			return strings.Replace(signed(t, dkimMessage, "nhs.net", "rsa", rk, nil), "DKIM-Signature: ", "DKIM-Signature: l=10; ", 1)
		}, cfg: dkimConfig, want: "no valid DKIM signature"},
		{name: "second From added above a signed message", raw: func(t *testing.T) string {
			s := signed(t, dkimMessage, "nhs.net", "rsa", rk, nil)
			return strings.Replace(s, "DKIM-Signature:", "From: <pharmacy.fh3m8@nhs.net>\r\nDKIM-Signature:", 1)
		}, cfg: dkimConfig, want: "2 From fields"},
		{name: "no key resolver", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "rsa", rk, nil)
		}, cfg: Config{DKIM: true}, want: "no valid DKIM signature"},
		{name: "DKIM off: a good signature alone proves nothing", raw: func(t *testing.T) string {
			return signed(t, dkimMessage, "nhs.net", "rsa", rk, nil)
		}, cfg: Config{TrustedAuthServIDs: []string{"mx.nas.test"}, LookupTXT: keyDNS}, want: "no Authentication-Results"},
		{name: "trusted dmarc=fail overrides a good signature", raw: func(t *testing.T) string {
			return "Authentication-Results: mx.nas.test; dmarc=fail header.from=nhs.net\r\n" + signed(t, dkimMessage, "nhs.net", "rsa", rk, nil)
		}, cfg: Config{TrustedAuthServIDs: []string{"mx.nas.test"}, DKIM: true, LookupTXT: keyDNS}, want: "dmarc=fail"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := []byte(c.raw(t))
			v, err := Verify(envelopeFromRaw(t, raw), raw, newDir(), c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if v.Verified != c.verified {
				t.Fatalf("verified = %v, want %v\nfailure: %s\nevidence: %s", v.Verified, c.verified, v.Failure, v.Evidence)
			}
			t.Logf("failure %q; evidence %q", v.Failure, v.Evidence)
			got := v.Failure
			if c.verified {
				got = v.Evidence
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("%q does not contain %q (evidence %q)", got, c.want, v.Evidence)
			}
		})
	}
}
