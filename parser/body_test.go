package parser

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"testing"

	"github.com/emersion/go-message"
)

func TestDecodeQP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"caf=C3=A9", "café"},
		{"soft=\r\nbreak", "softbreak"},
		{"soft=  \nbreak", "softbreak"},
		{"trailing blanks   \r\nnext", "trailing blanks\r\nnext"},
		{"kept=20\r\n", "kept \r\n"},
		{"bad =ZZ escape and 100% = sign", "bad =ZZ escape and 100% = sign"},
		{"end=", "end"},
		{"=3D=3d", "=="},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(decodeQP([]byte(tt.in))); got != tt.want {
			t.Errorf("decodeQP(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzDecodeQP checks decodeQP against the standard library's encoder and decoder.
func FuzzDecodeQP(f *testing.F) {
	f.Add([]byte("Request: Add user\r\nName: Zoë\r\n"), false)
	f.Add([]byte("  trailing  \n\x00\xff="), true)
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		var enc bytes.Buffer
		w := quotedprintable.NewWriter(&enc)
		w.Binary = binary
		w.Write(data)
		w.Close()
		want, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc.Bytes())))
		if err != nil {
			t.Skip()
		}
		if got := decodeQP(enc.Bytes()); !bytes.Equal(got, want) {
			t.Errorf("decodeQP(%q) = %q, standard library %q", enc.Bytes(), got, want)
		}
	})
}

func TestLenientBase64(t *testing.T) {
	if got := string(lenientBase64([]byte("UmVx!dWVz\r\ndDo=gibberish"))); got != "Request:" {
		t.Errorf("got %q", got)
	}
	if got := string(lenientBase64([]byte("UmVxdWVzdA"))); got != "Request" {
		t.Errorf("unpadded: got %q", got)
	}
}

func TestUnflow(t *testing.T) {
	got := unflow("Request: Add \r\nuser\r\n Name: Jo\r\n-- \r\nsig", false)
	if want := "Request: Add user\nName: Jo\n-- \nsig"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDecodeTextCharsets(t *testing.T) {
	tests := []struct {
		name, header string
		raw          string
		want         string
	}{
		{"latin1 label, windows bytes", "text/plain; charset=iso-8859-1", "O\x92Neill\xa0caf\xe9", "O’Neill\u00a0café"},
		{"latin1 label, utf-8 bytes", "text/plain; charset=iso-8859-1", "café", "café"},
		{"us-ascii label, 8-bit bytes", "text/plain; charset=us-ascii", "caf\xe9", "café"},
		{"unknown charset, utf-8", "text/plain; charset=x-nothing", "café", "café"},
		{"unknown charset, 8-bit", "text/plain; charset=x-nothing", "caf\xe9", "café"},
		{"iso-8859-15", "text/plain; charset=iso-8859-15", "\xa4", "€"},
		{"utf-16 with BOM", "text/plain; charset=utf-16", "\xff\xfeR\x00e\x00", "Re"},
		{"utf-8 BOM", "text/plain; charset=utf-8", "\ufeffRequest", "Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h message.Header
			h.Set("Content-Type", tt.header)
			_, params := partType(h)
			if got := decodeText(h, []byte(tt.raw), params); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBrokenContentType(t *testing.T) {
	raw := "From: a@nhs.net\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n" +
		"--b\r\nContent-Type: text/csv; name=\"list.csv\r\n\r\nrequest,account\r\nLeaver,a@nhs.net\r\n--b--\r\n"
	m := Parse([]byte(raw), Options{})
	if len(m.Requests) != 1 || m.Requests[0].Type != "leaver" || m.Text != "See attached" {
		t.Errorf("requests %+v text %q", m.Requests, m.Text)
	}
}
