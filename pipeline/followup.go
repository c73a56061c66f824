package pipeline

import (
	"regexp"
	"strconv"
	"strings"
)

// References to an earlier request: the tag in a subject ("[NAS-000123]"), or one of our own
// Message-IDs ("<nas-000123.1@host>") in In-Reply-To or References. Exchange rewrites
// Message-IDs, so the tag is the key that survives.
var (
	tagRef       = regexp.MustCompile(`\[NAS-(\d+)\]`)
	messageIDRef = regexp.MustCompile(`^<nas-(\d+)\.\d+@`)
)

// noteFollowUp records, in the history of each earlier request this mail refers to, that a
// follow-up arrived, so staff working that case see it.
func (w *work) noteFollowUp() error {
	env := &w.msg.Envelope
	seen := map[int64]bool{w.stored.ID: true}
	var refs []int64
	add := func(digits string) {
		if id, err := strconv.ParseInt(digits, 10, 64); err == nil && !seen[id] {
			seen[id] = true
			refs = append(refs, id)
		}
	}
	for _, m := range tagRef.FindAllStringSubmatch(env.Subject, -1) {
		add(m[1])
	}
	for _, id := range append([]string{env.InReplyTo}, env.References...) {
		if m := messageIDRef.FindStringSubmatch(strings.ToLower(id)); m != nil {
			add(m[1])
		}
	}
	for _, id := range refs {
		orig, err := w.tx.Message(id)
		if err != nil {
			continue // a tag we never issued: nothing to link
		}
		if err := w.tx.Audit("nasbot", "follow-up", orig.Tag(),
			"a later mail refers to this request: "+w.res.Tag+" ("+string(w.res.Verdict)+")", w.now); err != nil {
			return err
		}
	}
	return nil
}
