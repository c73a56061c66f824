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

// csvRequests reads a bulk-request CSV attachment (docs/spec/requests.md): a header row naming the
// columns (request,name,mobile,email,account,linked,role, in any order and case; the same field
// synonyms as in the body; unknown columns are listed as not used) and one request a row.
// The requests are appended to reqs. Excel's habits are tolerated: a byte-order mark, Windows-1252 text, ";" or tab as the
// delimiter, blank rows. ok is false when the file has no header row with a request column; the
// header line is then returned for the reply to quote.
func csvRequests(data []byte, reqs []domain.Request) (_ []domain.Request, header string, ok bool) {
	text := textString(data)
	reqs = slices.Grow(reqs, strings.Count(text, "\n"))
	text, first, comma := csvHeaderLine(text)
	r := newCSVReader(text, comma)

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
		if allBlank(rec) {
			continue
		}
		if cols == nil {
			if cols, reqCol = csvColumns(rec); reqCol < 0 {
				return reqs, first, false
			}
			continue
		}
		row++
		var word string
		word, fields = csvRow(rec, cols, reqCol, fields[:0])
		req := buildRequest(word, fields)
		req.Row = row
		req.Source = []string{strings.TrimRight(text[start:offset], "\r\n")}
		reqs = append(reqs, req)
	}
	return reqs, first, cols != nil
}

// csvHeaderLine finds the header row and the delimiter: the one the header row uses, or the one
// Excel's "sep=;" line names, which is then dropped from the text the rows are read from.
func csvHeaderLine(text string) (rows, header string, comma rune) {
	text = strings.TrimLeft(text, "\r\n")
	first, rest, _ := strings.Cut(text, "\n")
	first = strings.TrimRight(first, "\r")
	comma = csvDelimiter(first)
	if sep, ok := strings.CutPrefix(strings.ToLower(first), "sep="); ok && utf8.RuneCountInString(sep) == 1 {
		comma, _ = utf8.DecodeRuneInString(sep)
		text = rest
		first, _, _ = strings.Cut(text, "\n")
		first = strings.TrimRight(first, "\r")
	}
	return text, first, comma
}

// newCSVReader reads records leniently, as Excel writes them: rows of any length, stray quotes,
// blanks after the delimiter. A delimiter encoding/csv cannot take falls back to a comma.
func newCSVReader(text string, comma rune) *csv.Reader {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	r.Comma = comma
	if !validComma(comma) {
		r.Comma = ','
	}
	return r
}

// csvColumns reads the header row: each column's name and field, and the index of the first
// request column (-1 when there is none).
func csvColumns(rec []string) (cols []kv, reqCol int) {
	reqCol = -1
	for i, c := range rec {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
		id := fieldID(c)
		if id == fieldRequest && reqCol < 0 {
			reqCol = i
		}
		cols = append(cols, kv{name: c, id: id})
	}
	return cols, reqCol
}

// csvRow reads one row as a `Request:` word and its fields, appended to fields. Empty cells are
// missing fields; a value past the header's columns is kept as "column N", to be listed as not
// used.
func csvRow(rec []string, cols []kv, reqCol int, fields []kv) (word string, _ []kv) {
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
	return word, fields
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
