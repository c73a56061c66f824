package verify

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// maxDKIMSignatures bounds the signatures checked (each costs a key lookup and a hash of the body).
const maxDKIMSignatures = 5

type dkimVerdict struct {
	pass     string // evidence of a valid aligned signature; "" when none
	evidence string // what was looked at
}

// checkDKIM verifies the DKIM signatures of raw (RFC 6376 §6) with go-msgauth and the injected
// key resolver. A valid signature whose d= is aligned with the From domain proves the message.
// go-msgauth already refuses signatures that do not cover From (RFC 6376 §5.4), that carry the
// unsafe l= body length, or that use rsa-sha1 (RFC 8301). A second From field that a signature
// would not cover is refused earlier, by the single-From rule.
func checkDKIM(raw []byte, want string, lookup func(string) ([]string, error)) dkimVerdict {
	if lookup == nil {
		return dkimVerdict{evidence: "DKIM: not checked, no key resolver configured"}
	}
	if len(raw) == 0 {
		return dkimVerdict{evidence: "DKIM: no raw message to check"}
	}
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        lookup,
		MaxVerifications: maxDKIMSignatures,
	})
	if err != nil && err != dkim.ErrTooManySignatures {
		return dkimVerdict{evidence: "DKIM: message could not be checked: " + err.Error()}
	}
	if len(verifs) == 0 {
		return dkimVerdict{evidence: "DKIM: no signature"}
	}
	var seen []string
	var v dkimVerdict
	for _, sig := range verifs {
		d, derr := normaliseDomain(strings.TrimSuffix(sig.Domain, "."))
		switch {
		case sig.Err != nil:
			seen = append(seen, fmt.Sprintf("d=%s invalid (%v)", sig.Domain, sig.Err))
		case derr != nil || !aligned(d, want):
			seen = append(seen, fmt.Sprintf("d=%s valid but not aligned with %s", sig.Domain, want))
		default:
			seen = append(seen, fmt.Sprintf("d=%s valid", d))
			if v.pass == "" {
				v.pass = fmt.Sprintf("DKIM signature d=%s (i=%s) verified in process", d, sig.Identifier)
			}
		}
	}
	v.evidence = "DKIM: " + strings.Join(seen, "; ")
	if err == dkim.ErrTooManySignatures {
		v.evidence += fmt.Sprintf("; only the first %d signatures checked", maxDKIMSignatures)
	}
	return v
}
