package web

import (
	"errors"
	"mime"
	"nasbot/parser"
	"nasbot/store"
	"net/http"
	"strconv"
	"strings"
	"unicode"
)

// messageFor loads the stored message the path's {id} names, answering 404 or 500 itself.
func (s *server) messageFor(w http.ResponseWriter, r *http.Request) (store.StoredMessage, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.fail(w, r, http.StatusNotFound, "There is no such message.")
		return store.StoredMessage{}, false
	}
	m, err := s.store.Message(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "There is no such message.")
		return m, false
	} else if err != nil {
		s.serverError(w, r, err)
		return m, false
	}
	return m, true
}

func (s *server) rawMessage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	if m, ok := s.messageFor(w, r); ok {
		download(w, m.Tag()+".eml", m.Raw)
	}
}

func (s *server) attachment(w http.ResponseWriter, r *http.Request, me *store.Session) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		s.fail(w, r, http.StatusNotFound, "There is no such attachment.")
		return
	}
	m, ok := s.messageFor(w, r)
	if !ok {
		return
	}
	atts := parser.Parse(m.Raw, parser.Options{}).Attachments
	if n > len(atts) {
		s.fail(w, r, http.StatusNotFound, "There is no such attachment.")
		return
	}
	download(w, attachmentName(atts[n-1], n), atts[n-1].Data)
}

// download sends bytes from a sender as a file to save, never to show: a browser neither
// renders nor sniffs it, and the sandbox CSP stops it acting even if opened.
func download(w http.ResponseWriter, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": safeFilename(name)}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// safeFilename keeps a file name's letters, digits and a few marks, and drops any path.
func safeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == ' ':
			b.WriteRune(r)
		case r > 127 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	out := strings.Trim(b.String(), ". ")
	if out == "" {
		return "attachment"
	}
	if rs := []rune(out); len(rs) > 120 {
		out = string(rs[:120])
	}
	return out
}
