package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/store"
)

const queuePageSize = 50

type queueRow struct {
	store.QueueItem
	Overdue bool
}

type reasonLink struct {
	Reason  string
	N       int
	URL     string
	Current bool
}

type queueData struct {
	Filter   store.QueueFilter
	Assignee string // the form's value: "", "me" or "unassigned"
	Items    []queueRow
	Counts   []reasonLink
	Total    int
	Overdue  int
	Reasons  []string
	Sectors  []domain.Sector
	Filtered bool
	Page     int
	PrevURL  string
	NextURL  string
	AllURL   string
	Target   string
}

// queueFilter reads the queue's filters from the query string.
func queueFilter(q url.Values, me *store.Session) (store.QueueFilter, string) {
	f := store.QueueFilter{
		Reason: strings.TrimSpace(q.Get("reason")),
		Sector: strings.TrimSpace(q.Get("sector")),
		ODS:    strings.ToUpper(strings.TrimSpace(q.Get("ods"))),
		State:  q.Get("state"),
		Search: strings.TrimSpace(q.Get("q")),
		Limit:  queuePageSize,
	}
	if f.State != "closed" && f.State != "all" {
		f.State = "open"
	}
	assignee := q.Get("assignee")
	switch assignee {
	case "me":
		f.Assignee = me.Staff
	case "unassigned":
		f.Assignee = store.Unassigned
	default:
		assignee = ""
	}
	return f, assignee
}

// queueURL is the queue with the filters, changed by the overrides ("" removes one).
func queueURL(f store.QueueFilter, assignee string, page int, overrides ...string) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("reason", f.Reason)
	set("sector", f.Sector)
	set("ods", f.ODS)
	if f.State != "open" {
		set("state", f.State)
	}
	set("assignee", assignee)
	set("q", f.Search)
	if page > 1 {
		set("page", strconv.Itoa(page))
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		v.Del(overrides[i])
		set(overrides[i], overrides[i+1])
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

func (s *server) queuePage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	q := r.URL.Query()
	f, assignee := queueFilter(q, me)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	f.Offset = (page - 1) * queuePageSize

	items, err := s.store.Queue(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, err := s.store.QueueCounts(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := queueData{Filter: f, Assignee: assignee, Sectors: domain.Sectors, Page: page,
		Target:   workingTarget(s.cfg.AgeTarget),
		Filtered: f.Reason != "" || f.Sector != "" || f.ODS != "" || f.Search != "" || assignee != "" || f.State != "open"}
	d.AllURL = queueURL(f, assignee, 0, "reason", "")
	for _, c := range counts {
		d.Total += c.N
		d.Counts = append(d.Counts, reasonLink{Reason: c.Reason, N: c.N, Current: c.Reason == f.Reason,
			URL: queueURL(f, assignee, 0, "reason", c.Reason)})
	}
	if f.Reason != "" {
		d.Total = 0
		for _, c := range counts {
			if c.Reason == f.Reason {
				d.Total = c.N
			}
		}
	}
	for _, it := range items {
		row := queueRow{QueueItem: it, Overdue: it.State == store.ExceptionOpen && s.overdue(it.CreatedAt)}
		if row.Overdue {
			d.Overdue++
		}
		d.Items = append(d.Items, row)
	}
	d.Reasons = knownReasons(counts, f.Reason)
	if page > 1 {
		d.PrevURL = queueURL(f, assignee, page-1)
	}
	if f.Offset+len(items) < d.Total {
		d.NextURL = queueURL(f, assignee, page+1)
	}
	s.render(w, r, http.StatusOK, "queue", me, "Queue", "queue", d)
}

// knownReasons lists the reasons for the filter menu: those the rules and the lifecycle jobs
// send to staff, and any other found in the queue.
func knownReasons(counts []store.ReasonCount, current string) []string {
	rs := []string{string(domain.SiteAccountLimit), string(domain.MobileMismatch), string(domain.ODSUnknown),
		string(domain.AuthFailed), reasonUnparseable, reasonReplyHeld, string(domain.TooLarge), string(domain.TooManyRequests),
		reasonMailboxDormant, reasonLastOwner, reasonTextFailed}
	for _, c := range counts {
		if !slices.Contains(rs, c.Reason) {
			rs = append(rs, c.Reason)
		}
	}
	if current != "" && !slices.Contains(rs, current) {
		rs = append(rs, current)
	}
	slices.Sort(rs)
	return rs
}

// workingTarget says the age target as people do: "1 working day", "4h 0m of working time".
func workingTarget(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if n := int(d / (24 * time.Hour)); n != 1 {
			return strconv.Itoa(n) + " working days"
		}
		return "1 working day"
	}
	return humanAge(d) + " of working time"
}
