package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/internal/testenv"
	"nasbot/store"
)

// seedMessages writes n decided messages straight into the ledger, 500 a statement: message i
// is from site ODS i%50, asks to add "Person<i> Smith<i%7>" and has subject "Request <i>".
// Every 1000th is about Jane Example, so a name search has a known answer.
func seedMessages(tb testing.TB, s *store.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	db := s.DB()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 500 {
		end := min(start+500, n)
		var msgVals, reqVals []string
		var msgArgs, reqArgs []any
		for i := start; i < end; i++ {
			id := int64(i + 1)
			name := fmt.Sprintf("Person%d Smith%d", i, i%7)
			if i%1000 == 999 {
				name = "Jane Example"
			}
			ods := fmt.Sprintf("FX%03d", i%50)
			msgVals = append(msgVals, "(?, 'INBOX', 1, ?, ?, ?, ?, 'done', 'processed', ?, 'mailbox', ?, ?, ?)")
			msgArgs = append(msgArgs, id, id, fmt.Sprintf("sha%d", i), []byte("raw"), now.Add(time.Duration(i)*time.Second),
				fmt.Sprintf("pharmacy.%s@nhs.net", strings.ToLower(ods)), ods, fmt.Sprintf("Request %d", i), now)
			reqVals = append(reqVals, "(?, 1, 'add_user', 1, 0, 'done', '', ?, '', ?)")
			addr := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@nhs.net"
			reqArgs = append(reqArgs, id, addr, fmt.Sprintf(`{"type":"add_user","name":%q,"mobile":"07700%06d"}`, name, i))
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO messages (id, mailbox, uid_validity, uid, sha256, raw,
			received_at, state, verdict, sender, sender_kind, ods_code, subject, processed_at) VALUES `+strings.Join(msgVals, ", ")), msgArgs...); err != nil {
			tb.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO requests (message, seq, type, line, csv_row, outcome, reasons,
			account, summary, fields) VALUES `+strings.Join(reqVals, ", ")), reqArgs...); err != nil {
			tb.Fatal(err)
		}
	}
	if s.IsPostgres() { // ids were given, so the sequence must catch up
		if _, err := db.ExecContext(ctx, `SELECT setval('messages_id_seq', (SELECT MAX(id) FROM messages))`); err != nil {
			tb.Fatal(err)
		}
	}
	if got, err := s.IndexPending(ctx, nil, 0); err != nil || got != n {
		tb.Fatalf("IndexPending = %d, %v; want %d", got, err, n)
	}
}

func TestSearchMessages(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessages(t, s, 3000)
		cases := []struct {
			name, q string
			want    []int64 // newest first
			atLeast int
		}{
			{name: "reference", q: "NAS-000042", want: []int64{42}},
			{name: "reference as typed", q: "nas 42", want: []int64{42}},
			{name: "person's name", q: "jane example", want: []int64{3000, 2000, 1000}},
			{name: "address in a request", q: "jane.example@nhs.net", want: []int64{3000, 2000, 1000}},
			{name: "whole name", q: "Person2998", want: []int64{2999}},
			{name: "name prefix", q: "person299", want: []int64{2999, 2998, 2997, 2996, 2995, 2994, 2993, 2992, 2991, 300}},
			{name: "mobile", q: "07700000041", want: []int64{42}},
			{name: "subject word", q: "request 1234", want: []int64{1235}},
			{name: "ODS code", q: "fx007", atLeast: 50},
			{name: "sender", q: "pharmacy.fx007@nhs.net", atLeast: 50},
			{name: "request name", q: "add user fx001", atLeast: 50},
			{name: "nothing", q: "zebra", want: nil},
			{name: "only punctuation", q: "@@ --", want: nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				hits, err := s.SearchMessages(ctx, c.q, 100)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, h := range hits {
					got = append(got, h.ID)
				}
				if c.atLeast > 0 {
					if len(got) < c.atLeast {
						t.Errorf("%q: %d hits, want at least %d", c.q, len(got), c.atLeast)
					}
					return
				}
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("%q: got %v, want %v", c.q, got, c.want)
				}
			})
		}
	})
}

func TestSearchIndexFollowsChanges(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessages(t, s, 10)
		if _, err := s.DB().ExecContext(ctx, s.DB().Rebind(`UPDATE requests SET fields = ? WHERE message = 3`),
			`{"type":"add_user","name":"Quentin Renamed"}`); err != nil {
			t.Fatal(err)
		}
		if hits, _ := s.SearchMessages(ctx, "quentin", 10); len(hits) != 0 {
			t.Fatalf("found before reindexing: %+v", hits)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.ReindexMessage(3) }); err != nil {
			t.Fatal(err)
		}
		if n, err := s.UnindexedMessages(ctx); err != nil || n != 1 {
			t.Fatalf("UnindexedMessages = %d, %v; want 1", n, err)
		}
		if n, err := s.IndexPending(ctx, func(raw []byte) string { return "body words" }, 0); err != nil || n != 1 {
			t.Fatalf("IndexPending = %d, %v; want the one changed message", n, err)
		}
		hits, err := s.SearchMessages(ctx, "quentin", 10)
		if err != nil || len(hits) != 1 || hits[0].ID != 3 {
			t.Errorf("after reindexing: %+v %v", hits, err)
		}
		if hits, _ := s.SearchMessages(ctx, "body words", 10); len(hits) != 1 {
			t.Errorf("the text's words: %+v", hits)
		}
	})
}

// A search indexes a bounded number of messages, so the first one after an upgrade stays quick.
func TestIndexPendingIsBounded(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessages(t, s, 1200)
		if _, err := s.DB().ExecContext(ctx, `UPDATE messages SET search_indexed = 0`); err != nil {
			t.Fatal(err)
		}
		if n, err := s.IndexPending(ctx, nil, 500); err != nil || n != 500 {
			t.Fatalf("IndexPending(500) = %d, %v", n, err)
		}
		if n, err := s.UnindexedMessages(ctx); err != nil || n != 700 {
			t.Fatalf("left to index: %d, %v; want 700", n, err)
		}
		if n, err := s.IndexPending(ctx, nil, 0); err != nil || n != 700 {
			t.Fatalf("IndexPending(all) = %d, %v", n, err)
		}
	})
}

func TestSearchDirectory(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, s *store.Store) {
		importSample(t, s)
		orgs, err := s.Organisations(context.Background())
		if err != nil || len(orgs) == 0 {
			t.Fatalf("sample organisations: %v", err)
		}
		o := orgs[0]
		accts, err := s.SiteAccounts(context.Background(), o.ODS)
		if err != nil || len(accts) == 0 {
			t.Fatalf("sample accounts of %s: %v", o.ODS, err)
		}
		a := accts[0]
		firstWord := strings.Fields(o.Name)[0]
		cases := []struct {
			name, q  string
			org      string
			account  string
			noneElse bool
		}{
			{name: "ODS code", q: strings.ToLower(o.ODS), org: o.ODS},
			{name: "shared mailbox", q: strings.ToUpper(o.Mailbox), org: o.ODS},
			{name: "name word", q: firstWord, org: o.ODS},
			{name: "name and town", q: firstWord + " " + o.Town, org: o.ODS},
			{name: "person", q: a.Name, account: a.Address},
			{name: "address", q: a.Address, account: a.Address},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				hits, err := s.SearchDirectory(context.Background(), c.q, 50)
				if err != nil {
					t.Fatal(err)
				}
				if c.org != "" && !containsOrg(hits.Organisations, c.org) {
					t.Errorf("%q: %s not among %+v", c.q, c.org, hits.Organisations)
				}
				if c.account != "" && !containsAccount(hits, c.account) {
					t.Errorf("%q: %s not among %+v", c.q, c.account, hits.Accounts)
				}
			})
		}
		if hits, _ := s.SearchDirectory(context.Background(), "zebra crossing", 50); len(hits.Organisations)+len(hits.Accounts) != 0 {
			t.Errorf("nonsense found %+v", hits)
		}
	})
}

func containsOrg(os []domain.Organisation, ods string) bool {
	for _, o := range os {
		if o.ODS == ods {
			return true
		}
	}
	return false
}

func containsAccount(h store.DirectoryHits, addr string) bool {
	for _, a := range h.Accounts {
		if a.Address == addr {
			return true
		}
	}
	return false
}

// BenchmarkSearchMessages100k is a desk search on 100,000 decided messages (docs/performance.md).
func BenchmarkSearchMessages100k(b *testing.B) {
	testenv.EachStoreBench(b, func(b *testing.B, s *store.Store) {
		seedMessages(b, s, 100_000)
		ctx := context.Background()
		queries := []string{"jane example", "fx007", "Person54321", "pharmacy.fx012@nhs.net", "request 777"}
		b.ResetTimer()
		for i := range b.N {
			hits, err := s.SearchMessages(ctx, queries[i%len(queries)], 50)
			if err != nil || len(hits) == 0 {
				b.Fatalf("%q: %d hits, %v", queries[i%len(queries)], len(hits), err)
			}
		}
	})
}
