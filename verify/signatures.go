package verify

import (
	"strings"

	"nasbot/domain"
)

// alignedSignatures returns the b= values (RFC 6376 section 3.5), blanks removed, of the
// DKIM-Signature fields whose d= is the From domain. A signed message sent again still passes
// DKIM, so these identify it (docs/spec/verification.md, "Replays"); every aligned one is kept, since
// a replay may carry a forged signature beside the genuine one that passed.
func alignedSignatures(headers []domain.HeaderField, want string) []string {
	var sigs []string
	for _, f := range headers {
		if f.Key != "Dkim-Signature" {
			continue
		}
		tags := dkimTags(f.Value)
		d, ok := resultDomain(tags["d"])
		if !ok || d != want || tags["b"] == "" {
			continue
		}
		sigs = append(sigs, tags["b"])
	}
	return sigs
}

// dkimTags reads a tag-list (RFC 6376 section 3.2): "tag=value" pairs split on ';', with
// folding white space removed from the values, as the signature's base64 is folded.
func dkimTags(v string) map[string]string {
	tags := map[string]string{}
	for _, spec := range strings.Split(v, ";") {
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		if _, dup := tags[name]; dup {
			continue // a duplicate tag makes the signature invalid (section 3.2); keep the first
		}
		tags[name] = strings.Join(strings.Fields(value), "")
	}
	return tags
}
