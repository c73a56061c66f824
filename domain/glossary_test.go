package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// declared lists the constants of a type as reason.go and request.go declare them, so a new
// code without words fails here rather than in a reply.
func declared(t *testing.T, file, typ string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		v, ok := n.(*ast.ValueSpec)
		if !ok || v.Type == nil || len(v.Values) != len(v.Names) {
			return true
		}
		if id, ok := v.Type.(*ast.Ident); ok && id.Name == typ {
			for _, val := range v.Values {
				if lit, ok := val.(*ast.BasicLit); ok {
					out = append(out, strings.Trim(lit.Value, `"`))
				}
			}
		}
		return true
	})
	return out
}

func TestGlossaryCoversEveryCode(t *testing.T) {
	tests := []struct {
		name, file, typ string
		has             func(string) bool
	}{
		{"reasons", "reason.go", "Reason", func(c string) bool { return ReasonWords[Reason(c)] != "" }},
		{"outcomes", "reason.go", "Outcome", func(c string) bool { return OutcomeWords[Outcome(c)] != "" }},
		{"request types", "request.go", "RequestType", func(c string) bool { return RequestNames[RequestType(c)] != "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes := declared(t, tt.file, tt.typ)
			if len(codes) == 0 {
				t.Fatalf("found no %s constants in %s", tt.typ, tt.file)
			}
			for _, c := range codes {
				if !tt.has(c) {
					t.Errorf("%s %q has no words in the glossary", tt.typ, c)
				}
			}
		})
	}
}

// TestReasonWordsAreShort: one or two short sentences an owner can act on, with no code in them.
func TestReasonWordsAreShort(t *testing.T) {
	for r, w := range ReasonWords {
		body := strings.TrimSuffix(w, ".")
		switch {
		case !strings.HasSuffix(w, "."):
			t.Errorf("%s: %q does not end a sentence", r, w)
		case strings.Count(body, ". ") > 1:
			t.Errorf("%s: %q is more than two sentences", r, w)
		case strings.Contains(w, "_"), strings.Contains(strings.ToLower(w), string(r)):
			t.Errorf("%s: %q shows a code", r, w)
		case len(strings.Fields(w)) > 22:
			t.Errorf("%s: %q is too long to read at a glance", r, w)
		}
	}
}
