package parser

import "nasbot/domain"

// reportTypes are the parts that make a message a delivery or feedback report (RFC 3462,
// RFC 3464, RFC 5965, RFC 6533), wherever they stand in it.
var reportTypes = map[string]bool{
	"multipart/report":                 true,
	"message/delivery-status":          true,
	"message/global-delivery-status":   true,
	"message/feedback-report":          true,
	"message/disposition-notification": true,
}

// maxForwardDepth bounds how deep reportIn looks into forwarded messages.
const maxForwardDepth = 3

// reportIn reports whether any part among atts is a report, looking inside forwarded messages
// (message/rfc822) too: a bounce forwarded to the NAS is still a bounce, and must not be
// answered (docs/spec/rules.md, the RFC 3834 signals).
func reportIn(atts []domain.Attachment, depth int) bool {
	for _, a := range atts {
		if reportTypes[a.ContentType] {
			return true
		}
		if (a.ContentType != "message/rfc822" && a.ContentType != "message/global") || depth >= maxForwardDepth {
			continue
		}
		h := readHeader(a.Data)
		ct, _ := h.get("Content-Type")
		if t, _ := mediaType(ct); reportTypes[t] {
			return true
		}
		var b body
		b.walk(topHeader(&h), h.body, 0)
		if reportIn(b.atts, depth+1) {
			return true
		}
	}
	return false
}
