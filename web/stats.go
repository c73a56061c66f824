package web

import (
	"html/template"
	"net/http"
	"time"

	"nasbot/domain"
	"nasbot/store"
)

// statsDays is the statistics page's window.
const statsDays = 90

// statsData is the statistics page: each figure as a chart and, beside it, the table it is
// drawn from (where screen readers and staff with a spreadsheet read it).
type statsData struct {
	Since, Until      time.Time
	S                 store.Statistics
	AutomaticShare    int // percent of requests done with no staff involved
	ByDay             template.HTML
	Days              []dayRow
	OpenByReason      template.HTML
	Reasons           []reasonRow
	OpenByAge         template.HTML
	Spoofs            template.HTML
	MedianReply       string
	MedianDecision    string
	NearLimitFrom     int
	MaxSiteAccounts   int
	UnprovenInWindow  int
	ProcessedInWindow int
}

// dayRow is one day's requests by outcome.
type dayRow struct {
	Day                    string
	Done, Rejected, Review int
}

// reasonRow is one reason's open cases, in words.
type reasonRow struct {
	Reason string
	Words  string
	N      int
}

func (s *server) statsPage(w http.ResponseWriter, r *http.Request, me *store.Session) {
	until := s.cfg.Now().UTC()
	since := until.AddDate(0, 0, -statsDays)
	st, err := s.store.Statistics(r.Context(), since, until)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := statsData{Since: since, Until: until, S: st, NearLimitFrom: store.NearLimitFrom,
		MaxSiteAccounts: domain.MaxSiteAccounts, UnprovenInWindow: st.Messages[domain.Unverified],
		ProcessedInWindow: st.Messages[domain.Processed],
		MedianReply:       durationWords(st.MedianReply), MedianDecision: durationWords(st.MedianDecision)}
	if st.Requests > 0 {
		d.AutomaticShare = st.Automatic * 100 / st.Requests
	}
	d.Days = dayRows(st.Days, since, until)
	bars := make([]bar, len(d.Days))
	for i, row := range d.Days {
		bars[i] = bar{Label: row.Day[5:], Parts: []int{row.Done, row.Review, row.Rejected}}
	}
	d.ByDay = barChart("Requests a day by outcome over the last 90 days", []chartSeries{seriesDone, seriesReview, seriesRejected}, bars)

	var reasonBars []bar
	for _, c := range st.OpenByReason {
		d.Reasons = append(d.Reasons, reasonRow{Reason: c.Reason, Words: reasonLabel(c.Reason), N: c.N})
		reasonBars = append(reasonBars, bar{Label: reasonLabel(c.Reason), Parts: []int{c.N}})
	}
	d.OpenByReason = barChart("Open cases by reason", []chartSeries{seriesCount}, reasonBars)
	var ageBars []bar
	for _, a := range st.OpenByAge {
		ageBars = append(ageBars, bar{Label: a.Band, Parts: []int{a.N}})
	}
	d.OpenByAge = barChart("Open cases by age", []chartSeries{seriesCount}, ageBars)
	var spoofBars []bar
	for _, wk := range st.SpoofsByWeek {
		spoofBars = append(spoofBars, bar{Label: wk.Week[5:], Parts: []int{wk.N}})
	}
	d.Spoofs = barChart("Emails from senders we could not confirm, by week", []chartSeries{seriesRejected}, spoofBars)
	s.render(w, r, http.StatusOK, "stats", me, "Statistics", "stats", d)
}

// dayRows is one row a day of the window, days without requests included, so the chart's
// axis is time.
func dayRows(days []store.DayCount, since, until time.Time) []dayRow {
	byDay := map[string]*dayRow{}
	var rows []dayRow
	for t := since.Truncate(24 * time.Hour); !t.After(until); t = t.AddDate(0, 0, 1) {
		rows = append(rows, dayRow{Day: t.Format(time.DateOnly)})
	}
	for i := range rows {
		byDay[rows[i].Day] = &rows[i]
	}
	for _, c := range days {
		row, ok := byDay[c.Day]
		if !ok {
			continue
		}
		switch c.Outcome {
		case domain.Done:
			row.Done += c.N
		case domain.Rejected:
			row.Rejected += c.N
		case domain.Review:
			row.Review += c.N
		}
	}
	return rows
}

// durationWords says a median as staff read it: "4 minutes", "3 hours", "none yet".
func durationWords(d time.Duration) string {
	switch {
	case d == 0:
		return "none yet"
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < 2*time.Hour:
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Hour).String()
}
