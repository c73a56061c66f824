package parser

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseTypical parses a ~5 KB multipart/alternative Outlook message with one request.
func BenchmarkParseTypical(b *testing.B) {
	raw := readFixture(b, "typical-outlook.eml")
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if m := Parse(raw, Options{}); len(m.Requests) != 1 {
			b.Fatal("no request")
		}
	}
}

// csvMessage builds a message carrying a CSV attachment of about size bytes, base64-encoded as
// Outlook sends it.
func csvMessage(size int) ([]byte, int) {
	var csv strings.Builder
	csv.WriteString("request,name,mobile,email,account,linked,role\r\n")
	rows := 0
	for csv.Len() < size {
		fmt.Fprintf(&csv, "Add user,Person Number%d,07700 9%05d,person.number%d@example.com,,Yes,Member\r\n", rows, rows%100000, rows)
		rows++
	}
	enc := base64.StdEncoding.EncodeToString([]byte(csv.String()))
	var m strings.Builder
	m.WriteString("From: \"Medisupply Direct, Crewe\" <dac.fkd27@nhs.net>\r\nSubject: bulk\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"Please see the attached list.\r\n\r\nRequested by: Martin Shaw (martin.shaw@nhs.net)\r\n\r\nRegards,\r\nMartin\r\n" +
		"--mix\r\nContent-Type: text/csv; name=\"list.csv\"\r\nContent-Disposition: attachment; filename=\"list.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for len(enc) > 76 {
		m.WriteString(enc[:76])
		m.WriteString("\r\n")
		enc = enc[76:]
	}
	m.WriteString(enc + "\r\n--mix--\r\n")
	return []byte(m.String()), rows
}

// BenchmarkParseCSV2MB parses a message with a 2 MB CSV attachment (about 25,000 rows).
func BenchmarkParseCSV2MB(b *testing.B) {
	raw, rows := csvMessage(2 << 20)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if m := Parse(raw, Options{}); len(m.Requests) != rows {
			b.Fatalf("%d requests, want %d", len(m.Requests), rows)
		}
	}
}
