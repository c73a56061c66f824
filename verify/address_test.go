package verify

import (
	"strings"
	"testing"

	"nasbot/domain"
)

// TestFromAddressRules drives the address rules with envelopes built by hand. Whether From is
// one field naming one mailbox is the header reader's to say (parser's TestStrictHeader).
func TestFromAddressRules(t *testing.T) {
	cases := []struct {
		name    string
		from    []domain.Address
		want    string // Verification.From
		failure string // substring; "" when the address is usable
	}{
		{name: "plain", from: []domain.Address{{Address: "pharmacy.fq7k2@nhs.net"}}, want: "pharmacy.fq7k2@nhs.net"},
		{name: "upper case", from: []domain.Address{{Address: "Pharmacy.FQ7K2@NHS.Net"}}, want: "pharmacy.fq7k2@nhs.net"},
		{name: "display name that looks like an address", from: []domain.Address{{Name: "pharmacy.fq7k2@nhs.net", Address: "x@evil.example"}},
			want: "x@evil.example", failure: "From domain evil.example is not nhs.net"},
		{name: "trailing dot", from: []domain.Address{{Address: "pharmacy.fq7k2@nhs.net."}}, failure: "ends with a dot"},
		{name: "empty label", from: []domain.Address{{Address: "pharmacy.fq7k2@nhs..net"}}, failure: "not a valid domain name"},
		{name: "no domain", from: []domain.Address{{Address: "pharmacy.fq7k2@"}}, failure: "not an addr-spec"},
		{name: "no at", from: []domain.Address{{Address: "pharmacy.fq7k2"}}, failure: "not an addr-spec"},
		{name: "space in local part", from: []domain.Address{{Address: "pharmacy fq7k2@nhs.net"}}, failure: "spaces"},
		{name: "name only", from: []domain.Address{{Name: "Riverside Pharmacy"}}, failure: "no address"},
		{name: "underscore in domain", from: []domain.Address{{Address: "a@nhs_net.example"}}, failure: "not a valid domain name"},
		{name: "Cyrillic homoglyph shows its A-label", from: []domain.Address{{Address: "pharmacy.fq7k2@nhs.nеt"}},
			want: "pharmacy.fq7k2@nhs.xn--nt-nlc", failure: "nhs.nеt (nhs.xn--nt-nlc) is not nhs.net"},
		{name: "mixed-script whole domain", from: []domain.Address{{Address: "a@пһѕ.пеt"}}, want: "a@xn--o1a8b7r.xn--t-itb3a", failure: "is not nhs.net"},
		{name: "fullwidth dot", from: []domain.Address{{Address: "pharmacy.fq7k2@nhs。net"}}, want: "pharmacy.fq7k2@nhs.net"},
		{name: "zero-width joiner", from: []domain.Address{{Address: "pharmacy.fq7k2@nhs.ne\u200dt"}}, failure: "not a valid domain name"},
		{name: "soft hyphen is mapped away", from: []domain.Address{{Address: "pharmacy.fq7k2@nhs.ne\u00adt"}}, want: "pharmacy.fq7k2@nhs.net"},
		{name: "two mailboxes", from: []domain.Address{{Address: "a@nhs.net"}, {Address: "b@nhs.net"}}, failure: "From names no single mailbox"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := &domain.Envelope{From: c.from}
			from, failure := fromAddress(env, "nhs.net")
			if from != c.want {
				t.Errorf("from = %q, want %q", from, c.want)
			}
			if c.failure == "" && failure != "" || !strings.Contains(failure, c.failure) {
				t.Errorf("failure = %q, want %q", failure, c.failure)
			}
		})
	}
}

func TestNormaliseDomain(t *testing.T) {
	for in, want := range map[string]string{
		"nhs.net":        "nhs.net",
		"NHS.NET":        "nhs.net",
		"ｎｈｓ.ｎｅｔ":        "nhs.net",
		"nhs.nеt":        "nhs.xn--nt-nlc",
		"-nhs.net":       "", // leading hyphen
		"bücher.example": "xn--bcher-kva.example",
		"straße.example": "xn--strae-oqa.example", // non-transitional: ß stays
		"nhs.net.":       "",
		"":               "",
		"a" + strings.Repeat("b", 70) + ".example": "",
	} {
		got, err := normaliseDomain(in)
		if want == "" {
			if err == nil {
				t.Errorf("normaliseDomain(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("normaliseDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	lookup := func(string) ([]string, error) { return nil, nil }
	for _, c := range []struct {
		cfg Config
		ok  bool
	}{
		{Config{TrustedAuthServIDs: []string{"mx.nas.test"}}, true},
		{Config{DKIM: true, LookupTXT: lookup}, true},
		{Config{}, false},
		{Config{DKIM: true}, false},
		{Config{Domain: "nhs..net", TrustedAuthServIDs: []string{"mx.nas.test"}}, false},
		{Config{TrustedAuthServIDs: []string{"mx.nas.test; dmarc=pass"}}, false},
	} {
		if err := c.cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: Validate() = %v", c.cfg, err)
		}
	}
	v, err := Verify(&domain.Envelope{}, nil, newDir(), Config{Domain: "nhs..net"})
	if err != nil || v.Verified || !strings.Contains(v.Failure, "configured domain") {
		t.Errorf("invalid configured domain: %+v, %v", v, err)
	}
	v, err = Verify(nil, nil, newDir(), corpusConfig)
	if err != nil || v.Verified {
		t.Errorf("nil envelope: %+v, %v", v, err)
	}
}
