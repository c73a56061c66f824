package parser

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"nasbot/domain"
)

// csvRequests reads a bulk-request CSV attachment (spec/requests.md): a header row naming the
// columns (request,name,mobile,email,account,linked,role, in any order and case; the same field
// synonyms as in the body; unknown columns are listed as not used) and one request a row.
// The requests are appended to reqs. Excel's habits are tolerated: a byte-order mark, Windows-1252 text, ";" or tab as the
// delimiter, blank rows. ok is false when the file has no header row with a request column; the
// header line is then returned for the reply to quote.
func csvRequests(data []byte, reqs []domain.Request) (_ []domain.Request, header string, ok bool) {
	text := textString(data)
	reqs = slices.Grow(reqs, strings.Count(text, "\n"))
	text = strings.TrimLeft(text, "\r\n")
	first, rest, _ := strings.Cut(text, "\n")
	first = strings.TrimRight(first, "\r")
	comma := csvDelimiter(first)
	if sep, ok := strings.CutPrefix(strings.ToLower(first), "sep="); ok && utf8.RuneCountInString(sep) == 1 {
		// Excel's "sep=;" line names the delimiter.
		comma, _ = utf8.DecodeRuneInString(sep)
		text = rest
		first, _, _ = strings.Cut(text, "\n")
		first = strings.TrimRight(first, "\r")
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	r.Comma = comma
	if !validComma(comma) {
		r.Comma = ','
	}

	var cols []kv // column names and what they are
	reqCol := -1
	row, errs := 0, 0
	var offset int64 // where the current record starts in text
	var fields []kv
	for {
		start := offset
		rec, err := r.Read()
		offset = r.InputOffset()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && rec == nil {
			// A row the lazy reader still cannot read is skipped; the rest go ahead.
			var pe *csv.ParseError
			if errs++; errors.As(err, &pe) && errs < 100 {
				continue
			}
			break
		}
		if cols == nil {
			if allBlank(rec) {
				continue
			}
			for i, c := range rec {
				c = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
				id := fieldID(c)
				if id == fieldRequest && reqCol < 0 {
					reqCol = i
				}
				cols = append(cols, kv{name: c, id: id})
			}
			if reqCol < 0 {
				return reqs, first, false
			}
			continue
		}
		if allBlank(rec) {
			continue
		}
		row++
		word := ""
		fields = fields[:0]
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if i >= len(cols) {
				if v != "" {
					fields = append(fields, kv{name: "column " + itoa(i+1), value: v})
				}
				continue
			}
			if i == reqCol {
				word = v
				continue
			}
			if v == "" {
				continue
			}
			fields = append(fields, kv{name: cols[i].name, value: v, id: cols[i].id})
		}
		req := buildRequest(word, fields)
		req.Row = row
		req.Source = []string{strings.TrimRight(text[start:offset], "\r\n")}
		reqs = append(reqs, req)
	}
	if cols == nil {
		return reqs, first, false
	}
	return reqs, first, true
}

// csvDelimiter picks the delimiter the header row uses: a comma unless the row has none and has
// semicolons (Excel in many locales) or tabs.
func csvDelimiter(header string) rune {
	if strings.Contains(header, ",") {
		return ','
	}
	if strings.Contains(header, ";") {
		return ';'
	}
	if strings.Contains(header, "\t") {
		return '\t'
	}
	return ','
}

// validComma mirrors encoding/csv's rule for a delimiter.
func validComma(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

func allBlank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
