package parser

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-message/textproto"
)

// FuzzHeaderOneReading holds the strict header reader to go-message's reader (what the body
// walk and most Go mail code use): for any input, either readHeader refuses the header, or both
// read the same fields, in the same order, with the same values, and agree where the body
// starts. Two readings of one header are how a forged From gets past an MTA.
func FuzzHeaderOneReading(f *testing.F) {
	for _, glob := range []string{"testdata/*.eml", "../testdata/attacks/cases/*/*.eml", corpusDir + "/*/*.eml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			if raw, err := os.ReadFile(name); err == nil {
				f.Add(raw)
			}
		}
	}
	f.Add([]byte("From: a@b\r\nFrom : c@d\r\n\r\n"))
	f.Add([]byte("From: a@b\r\n\tc@d\r\nX: \x00\r\n\r\nbody"))
	f.Add([]byte("Subject: x\rFrom: y\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h := readHeader(raw)
		if h.problem != "" {
			return // refused: nobody acts on a header read one way only by us
		}
		raw = bytes.TrimPrefix(raw, mboxLine(raw))
		br := bufio.NewReader(bytes.NewReader(raw))
		gm, err := textproto.ReadHeader(br)
		if err != nil {
			t.Fatalf("accepted a header go-message refuses (%v)", err)
		}
		var theirs [][2]string
		for fs := gm.Fields(); fs.Next(); {
			theirs = append(theirs, [2]string{fs.Key(), headerString([]byte(fs.Value()))})
		}
		if len(theirs) != len(h.fields) {
			t.Fatalf("%d fields, go-message reads %d:\nours   %q\ntheirs %q", len(h.fields), len(theirs), h.fields, theirs)
		}
		for i, f := range h.fields {
			if f.Key != theirs[i][0] || f.Value != theirs[i][1] {
				t.Fatalf("field %d: ours %q: %q, go-message's %q: %q", i, f.Key, f.Value, theirs[i][0], theirs[i][1])
			}
		}
		rest, _ := io.ReadAll(br)
		if !bytes.Equal(rest, h.body) {
			t.Fatalf("the body starts elsewhere: ours %q, go-message's %q", clipBytes(h.body), clipBytes(rest))
		}
	})
}

// mboxLine is the leading mbox "From " line that readHeader skips, with its line end.
func mboxLine(raw []byte) []byte {
	if !bytes.HasPrefix(raw, []byte("From ")) {
		return nil
	}
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		return raw[:i+1]
	}
	return raw
}

func clipBytes(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}
