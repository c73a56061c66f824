package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pageNames are the pages; each is parsed once with the layout (templates/layout.html).
var pageNames = []string{"login", "queue", "case", "replies", "organisation", "account", "staff", "error", "message", "search", "reparse", "compose", "onbehalf", "stats"}

// pages holds every page's template, parsed once at start-up.
var pages = parsePages()

func parsePages() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html"))
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t := template.Must(base.Clone())
		out[name] = template.Must(t.ParseFS(templateFiles, "templates/"+name+".html"))
	}
	return out
}

// view is what every page template gets: who is signed in, the flash, and the page's own data.
type view struct {
	Title     string
	Nav       string // which menu item is current
	Me        *store.Session
	Flash     string
	FlashKind string // ok or error
	Now       time.Time
	Loc       *time.Location
	NHS       bool // the design system's stylesheet was built into the assets
	D         any
}

// nhsStyles reports whether scripts/assets.sh built the design system's stylesheet before this
// binary was built; without it the pages link only the desk's own (no request that would 404).
var nhsStyles = func() bool {
	_, err := fs.Stat(staticFiles, "static/nhsuk/nhsuk.css")
	return err == nil
}()

// render writes a page. The flash is shown once, then forgotten.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, me *store.Session, title, nav string, data any) {
	v := view{Title: title, Nav: nav, Me: me, Now: s.cfg.Now(), Loc: s.cfg.Location, NHS: nhsStyles, D: data}
	if me != nil && me.Flash != "" {
		v.Flash, v.FlashKind = me.Flash, me.FlashKind
		if err := s.store.ClearFlash(r.Context(), me.IDHash); err != nil {
			s.log.Error("desk: clear flash", slog.String("error", err.Error()))
		}
	}
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, "layout.html", v); err != nil {
		s.log.Error("desk: render", slog.String("page", name), slog.String("error", err.Error()))
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fail shows an error page with plain words for staff. The session (if any) is looked up again
// so the page keeps its menu.
func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, message string) {
	var me *store.Session
	if c, err := r.Cookie(s.cookieName()); err == nil {
		if ss, err := s.store.Session(r.Context(), hashSessionID(c.Value), s.cfg.Now()); err == nil {
			ss.Flash = "" // keep a pending flash for the next real page
			me = &ss
		}
	}
	s.render(w, r, status, "error", me, http.StatusText(status), "", struct {
		Status  int
		Message string
	}{status, message})
}

// serverError logs the cause and shows staff that something failed on our side.
func (s *server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("desk: request failed", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side: "+err.Error())
}

// when is a time as the desk shows it, in its time zone; "" for none.
func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("Mon 2 Jan 2006 15:04")
}

// historyView is what the shared "history" template (layout.html) shows: audit rows and the
// desk's time zone.
type historyView struct {
	Rows []store.AuditRow
	Loc  *time.Location
}

var funcs = template.FuncMap{
	"tag":  store.Tag,
	"when": when,
	"whenp": func(t *time.Time, loc *time.Location) string {
		if t == nil {
			return ""
		}
		return when(*t, loc)
	},
	"historyOf":   func(rows []store.AuditRow, loc *time.Location) historyView { return historyView{rows, loc} },
	"iso":         func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"age":         func(since, now time.Time) string { return humanAge(now.Sub(since)) },
	"reasonText":  reasonText,
	"requestName": func(t string) string { return domain.RequestName(domain.RequestType(t)) },
	"outcomeWord": func(o string) string { return domain.OutcomeWord(domain.Outcome(o)) },
	"proofWords":  verificationWords,
	"composeLink": composeLink,
	"tagColour":   tagColour,
	"caseSource":  caseSource,
	"reasonLabel": func(r string) string {
		if r == "" {
			return "(none)"
		}
		return strings.ReplaceAll(r, "_", " ")
	},
	"splitReasons": func(s string) []string {
		var out []string
		for _, r := range store.SplitReasons(s) {
			out = append(out, string(r))
		}
		return out
	},
	"bytes": func(n int) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d bytes", n)
	},
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"isAdmin": func(me *store.Session) bool { return me != nil && me.Role == store.StaffAdmin },
}

// humanAge says how long ago in the largest two units: "45m", "3h 10m", "2d 4h".
func humanAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		return fmt.Sprintf("%dh %dm", h, int(d.Minutes())-h*60)
	}
	days := int(d.Hours()) / 24
	return fmt.Sprintf("%dd %dh", days, int(d.Hours())-days*24)
}
