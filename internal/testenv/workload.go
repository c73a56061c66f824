package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"nasbot/store"
)

// Workload is a backlog of add-user requests spread over sites small enough that no site
// reaches its limit, with a directory to match: what the crash, scale and fault tests drain.
type Workload struct {
	Dir   string   // organisations.csv, accounts.csv
	Mails [][]byte // in arrival order
	Sites []string // shared mailbox addresses
}

// NewWorkload makes requests add-user requests, perSite from each site, each site with its
// own fresh mailbox on the servers.
func NewWorkload(t testing.TB, servers Mail, requests, perSite int) Workload {
	t.Helper()
	w := Workload{Dir: t.TempDir()}
	var orgs, accts strings.Builder
	orgs.WriteString("ods_code,sector,name,town,shared_mailbox,status\n")
	accts.WriteString("email,name,mobile,ods_code,status,role,last_login\n")
	for s := 0; s*perSite < requests; s++ {
		mailbox := servers.NewAddress(t, "nhs.net")
		w.Sites = append(w.Sites, mailbox)
		ods := fmt.Sprintf("FC%03d", s)
		fmt.Fprintf(&orgs, "%s,pharmacy,Crash Pharmacy %d,Leeds,%s,active\n", ods, s, mailbox)
		fmt.Fprintf(&accts, "owner%d@nhs.net,Owner Number%d,0771%07d,%s,active,owner,2026-02-27\n", s, s, s, ods)
	}
	os.WriteFile(filepath.Join(w.Dir, "organisations.csv"), []byte(orgs.String()), 0o644)
	os.WriteFile(filepath.Join(w.Dir, "accounts.csv"), []byte(accts.String()), 0o644)
	for i := range requests {
		s := i / perSite
		body := fmt.Sprintf("Request: Add user\nName: Person %s\nMobile: 0772%07d\nEmail: p%d@example.org\nLinked: Yes\n\n"+
			"Requested by: Owner Number%d (owner%d@nhs.net)\n", letters(i), i, i, s, s)
		w.Mails = append(w.Mails, genuineMail(w.Sites[s], fmt.Sprintf("<crash-%d@ex.nhs.net>", i), "New starter", body))
	}
	return w
}

// letters names request i with letters only, since addresses are made of the name's letters.
func letters(i int) string {
	b := []byte("aaaa")
	for k := 3; k >= 0; k-- {
		b[k] = byte('a' + i%26)
		i /= 26
	}
	return "Crash" + string(b)
}

// genuineMail is a request as the NAS's MTA (mx.nas.test) delivers it.
func genuineMail(from, messageID, subject, body string) []byte {
	date := time.Now().UTC().Format(time.RFC1123Z)
	head := fmt.Sprintf("Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net\n"+
		"Received: from mail.nhs.net by mx.nas.test with ESMTPS; %[2]s\nFrom: <%[1]s>\nTo: NAS <requests@nas.test>\n"+
		"Subject: %[4]s\nDate: %[2]s\nMessage-ID: %[3]s\nContent-Type: text/plain; charset=us-ascii\n\n", from, date, messageID, subject)
	return []byte(strings.ReplaceAll(head+body, "\n", "\r\n"))
}

// Load imports the workload's directory into st and APPENDs its mail to inbox, in order.
func (w Workload) Load(t testing.TB, st *store.Store, servers Mail, inbox string) {
	t.Helper()
	if err := st.ImportDirectoryFiles(context.Background(), os.DirFS(w.Dir)); err != nil {
		t.Fatal(err)
	}
	c := servers.Login(t, inbox)
	for _, m := range w.Mails {
		AppendMail(t, c, "INBOX", m)
	}
}

// WaitDrained waits until all requests are stored and decided and the outbox is empty.
func WaitDrained(t testing.TB, st *store.Store, requests int, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for {
		s, err := st.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var stored int
		st.DB().GetContext(ctx, &stored, `SELECT COUNT(*) FROM messages`)
		if stored == requests && s.UndecidedMessage == 0 && s.OutboxPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %d stored, %+v", stored, s)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// DecidedOnce checks that each of the messages has exactly one decided request.
func DecidedOnce(t testing.TB, st *store.Store, requests int) {
	t.Helper()
	var perMessage []int
	if err := st.DB().SelectContext(context.Background(), &perMessage,
		`SELECT COUNT(r.id) FROM messages m LEFT JOIN requests r ON r.message = m.id GROUP BY m.id`); err != nil {
		t.Fatal(err)
	}
	if len(perMessage) != requests || slices.Min(perMessage) != 1 || slices.Max(perMessage) != 1 {
		t.Fatalf("requests per message: want exactly 1 for each of %d messages", requests)
	}
}

// RepliesDelivered checks that every request got its reply in its site's INBOX and returns
// how many replies came twice or more (the duplicates).
func (w Workload) RepliesDelivered(t testing.TB, servers Mail, requests int) (dups int) {
	t.Helper()
	// The outbox says sent once the relay took a reply; it reaches the mailbox a moment later.
	var missing []int
	deadline := time.Now().Add(30 * time.Second)
	for {
		delivered := map[string]int{}
		for _, site := range w.Sites {
			for _, id := range servers.InReplyTos(t, site) {
				delivered[id]++
			}
		}
		missing, dups = nil, 0
		for i := range requests {
			n := delivered[fmt.Sprintf("<crash-%d@ex.nhs.net>", i)]
			if n == 0 {
				missing = append(missing, i)
			}
			dups += max(n-1, 0)
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Errorf("no reply delivered to %d requests: %v", len(missing), missing)
	}
	return dups
}
