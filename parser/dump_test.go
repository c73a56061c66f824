package parser

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	f := os.Getenv("DUMP")
	if f == "" {
		t.Skip()
	}
	raw, _ := os.ReadFile(f)
	m := Parse(raw, Options{})
	m.Envelope.Headers = nil
	for i := range m.Attachments {
		m.Attachments[i].Data = nil
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	fmt.Println(string(b))
}
