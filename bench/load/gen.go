package main

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The directory and the requests are generated together: the generator keeps its own copy of
// every site's accounts and applies each request to it as the bot will (requests are decided in
// the order they arrive), so that every request is one the NAS rules accept. A site never goes
// past siteLimit accounts, the primary owner is never demoted or removed, and every mobile and
// every name is unique, so each new account's address is known in advance.

const siteLimit = 10 // handlers.SiteAccountLimit: active and inactive accounts, not leavers

type account struct {
	addr, name, mobile string
	role               string // owner, member, none
	leaver             bool
}

type site struct {
	ods, sector, name, town, mailbox string
	owner                            *account // the primary owner: asks for everything, never changes
	accounts                         []*account
}

// request is one generated mail's content before rendering.
type request struct {
	site    *site
	kind    string // add_user, leaver, give_access, remove_access, change_role, password_reset
	subject string
	intro   string
	block   []string // the request's lines, "Field: value"
}

type generator struct {
	rng     *rand.Rand
	sites   []*site
	names   int // names handed out so far
	mobiles int // mobiles handed out so far
	order   []int
	next    int
}

var (
	// Sector mix of NAS-managed sites; the mailbox prefix is the sector (docs/spec/rules.md).
	sectorMix = []struct {
		sector string
		weight int
		word   string
	}{{"pharmacy", 50, "Pharmacy"}, {"dental", 20, "Dental"}, {"care", 15, "Care Home"},
		{"optometry", 10, "Opticians"}, {"dac", 5, "Appliances"}}
	siteWords  = strings.Fields("Willow Castle Harbour Oak Riverside Station Park Abbey Market Bridge Elm Cedar Meadow Hill Priory Valley Church Mill Beacon Forest Grange Moor Orchard Rose")
	towns      = strings.Fields("Bakewell Ripon Whitby Leeds Harrogate Sheffield Doncaster Barnsley Wakefield Halifax Bradford Keighley Skipton Otley Ilkley Pontefract Selby Goole Malton Pickering Thirsk Richmond Durham Hexham Alnwick Morpeth Kendal Penrith Carlisle Lancaster Preston Chorley Wigan Bolton Rochdale Oldham Stockport Buxton Matlock Worksop Retford Newark Lincoln Louth Boston Grantham Stamford Oakham Derby Leicester Hinckley Rugby Warwick Banbury Witney Oxford Didcot Newbury Reading Windsor Watford Luton Bedford Ely Wisbech Norwich Cromer Ipswich Sudbury Colchester Harlow Romford Dartford Ashford Dover Hastings Lewes Crawley Horsham Guildford Woking Farnham Alton Winchester Romsey Poole Yeovil Taunton Exeter Truro Bodmin Barnstaple Tiverton Frome Bath Stroud Ledbury Hereford Ludlow Telford Stafford Leek Crewe Chester")
	firstNames = strings.Fields("Priya Tom Ivy Arjun Rosa Callum Sian Mark Lucy Imogen Harpreet Sophie John Jane Sarah Amir Bethany Ciaran Dmitri Eleanor Fatima Gareth Hannah Idris Jasmine Kwame Leanne Mohammed Niamh Owen Parveen Quentin Rhiannon Samir Tariq Ursula Vikram Wendy Xavier Yasmin Zara Aled Bronwen Chidi Deepa Emre Farah Gemma Hamish Ines Jonas Kirsty Liam Megan Nadia Oscar Pooja Rory Shona Tobias")
	lastStems  = strings.Fields("Ash Brad Carr Dun Elling Fair Gold Hart Kings Lang Mar Nor Pen Red Sand Thorn Wake West Whit Black Brook Hal Mort Stan")
	lastEnds   = strings.Fields("worth ley ton field ford wood bury well by more ham stead ridge combe hurst wick shaw gate")
)

func newGenerator(seed uint64, nSites int) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 0x6e6173626f74))}
	used := map[string]bool{}
	for range nSites {
		s := g.newSite(used)
		g.sites = append(g.sites, s)
	}
	return g
}

func (g *generator) pick(words []string) string { return words[g.rng.IntN(len(words))] }

func (g *generator) newSite(used map[string]bool) *site {
	total := 0
	for _, m := range sectorMix {
		total += m.weight
	}
	k := g.rng.IntN(total)
	mix := sectorMix[0]
	for _, m := range sectorMix {
		if k < m.weight {
			mix = m
			break
		}
		k -= m.weight
	}
	var ods string
	for ods == "" || used[ods] {
		switch mix.sector {
		case "pharmacy":
			ods = fmt.Sprintf("F%c%03d", 'A'+g.rng.IntN(26), g.rng.IntN(1000))
		case "dac":
			ods = fmt.Sprintf("FQ%03d", g.rng.IntN(1000))
		case "dental":
			ods = fmt.Sprintf("V%06d", g.rng.IntN(1000000))
		case "care":
			ods = fmt.Sprintf("VM%03d", g.rng.IntN(1000))
		default:
			ods = fmt.Sprintf("T%c%03d", 'A'+g.rng.IntN(26), g.rng.IntN(1000))
		}
	}
	used[ods] = true
	s := &site{ods: ods, sector: mix.sector, name: g.pick(siteWords) + " " + mix.word, town: g.pick(towns),
		mailbox: mix.sector + "." + strings.ToLower(ods) + "@nhs.net"}
	s.owner = g.newAccount(s, "owner")
	if g.rng.IntN(5) == 0 {
		g.newAccount(s, "owner")
	}
	for range 2 + g.rng.IntN(3) {
		g.newAccount(s, "member")
	}
	if g.rng.IntN(3) == 0 {
		g.newAccount(s, "none")
	}
	return s
}

// newAccount adds a person with a name and a mobile no one else has to s.
func (g *generator) newAccount(s *site, role string) *account {
	nf, nl := len(firstNames), len(lastStems)*len(lastEnds)
	if g.names >= nf*nl {
		panic("bench: out of unique names; lower -n or -sites")
	}
	first := firstNames[g.names%nf]
	k := (g.names / nf) * 7 % nl // spread surnames across the list
	last := lastStems[k/len(lastEnds)] + lastEnds[k%len(lastEnds)]
	g.names++
	a := &account{name: first + " " + last, role: role,
		addr:   strings.ToLower(first+"."+last) + "@nhs.net",
		mobile: fmt.Sprintf("077%08d", 10000000+g.mobiles*37)}
	g.mobiles++
	s.accounts = append(s.accounts, a)
	return a
}

// nextSite walks the sites in a fresh random order each round, so requests spread evenly.
func (g *generator) nextSite() *site {
	if g.next == len(g.order) {
		g.order, g.next = g.rng.Perm(len(g.sites)), 0
	}
	g.next++
	return g.sites[g.order[g.next-1]]
}

// counted is how many accounts count towards the site's limit (leavers do not).
func (s *site) counted() int {
	n := 0
	for _, a := range s.accounts {
		if !a.leaver {
			n++
		}
	}
	return n
}

// some returns a random account of s, other than the primary owner, that ok accepts.
func (g *generator) some(s *site, ok func(*account) bool) *account {
	var c []*account
	for _, a := range s.accounts {
		if a != s.owner && !a.leaver && ok(a) {
			c = append(c, a)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[g.rng.IntN(len(c))]
}

// next makes the next request and applies it to the generator's copy of the directory.
func (g *generator) nextRequest() request {
	s := g.nextSite()
	for {
		if r, ok := g.try(s, g.rng.IntN(100)); ok {
			return r
		}
	}
}

func (g *generator) try(s *site, dice int) (request, bool) {
	r := request{site: s}
	switch {
	case dice < 25: // add user
		if s.counted() >= siteLimit {
			return r, false
		}
		a := g.newAccount(s, "member")
		first, last, _ := strings.Cut(a.name, " ")
		r.kind, r.subject = "add_user", "New starter - "+a.name
		r.intro = "Please set up an NHSmail account for our new team member, who starts on Monday."
		r.block = []string{"Request: " + g.pick([]string{"Add user", "New user", "New account"}), "Name: " + a.name,
			"Mobile: " + a.mobile[:5] + " " + a.mobile[5:], "Email: " + strings.ToLower(first[:1]+last) + "@example.com",
			"Linked to shared mailbox: Yes", "Role: Member"}
	case dice < 40: // leaver
		a := g.some(s, func(a *account) bool { return true })
		if a == nil {
			return r, false
		}
		a.leaver, a.role = true, "none"
		r.kind, r.subject = "leaver", "Leaver - "+a.name
		r.intro = a.name + " has left us; their last day was Friday."
		r.block = []string{"Request: " + g.pick([]string{"Leaver", "Mark as leaver"}), "Account: " + a.addr,
			"Leaving profession: No"}
	case dice < 50: // give access
		a := g.some(s, func(a *account) bool { return a.role == "none" })
		if a == nil {
			return r, false
		}
		a.role = "member"
		r.kind, r.subject = "give_access", "Shared mailbox access for "+a.name
		r.intro = "Could you give " + a.name + " access to our shared mailbox please?"
		r.block = []string{"Request: " + g.pick([]string{"Give access", "Add to shared mailbox"}), "Account: " + a.addr,
			"Role: Member"}
	case dice < 60: // remove access
		a := g.some(s, func(a *account) bool { return a.role == "member" })
		if a == nil {
			return r, false
		}
		a.role = "none"
		r.kind, r.subject = "remove_access", "Remove shared mailbox access"
		r.intro = a.name + " no longer needs to see the shared mailbox."
		r.block = []string{"Request: " + g.pick([]string{"Remove access", "Remove from shared mailbox"}), "Account: " + a.addr}
	case dice < 75: // change role: promote a member, or demote an extra owner
		a := g.some(s, func(a *account) bool { return a.role != "none" })
		if a == nil {
			return r, false
		}
		r.kind, r.subject = "change_role", "Change of role"
		if a.role == "member" {
			a.role = "owner"
			r.intro = a.name + " is our new deputy manager."
			r.block = []string{"Request: Make owner", "Account: " + a.addr}
		} else {
			a.role = "member"
			r.intro = a.name + " is stepping down as a manager."
			r.block = []string{"Request: Change role", "Account: " + a.addr, "Role: Member"}
		}
	default: // password reset, for anyone active
		a := s.owner
		if b := g.some(s, func(a *account) bool { return true }); b != nil && g.rng.IntN(4) > 0 {
			a = b
		}
		r.kind, r.subject = "password_reset", g.pick([]string{"Password reset please", "Locked out", "Account locked"})
		r.intro = a.name + " is locked out of their account."
		r.block = []string{"Request: " + g.pick([]string{"Password reset", "Unlock account", "Reset password"}),
			"Account: " + a.addr, "Mobile: " + a.mobile[:5] + " " + a.mobile[5:]}
	}
	return r, true
}

// writeDirectory writes organisations.csv and accounts.csv as `nasbot directory import` reads
// them, from the sites as they were before any request was generated.
func writeDirectory(dir string, sites []initialSite) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	login := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	orgs := [][]string{{"ods_code", "sector", "name", "town", "shared_mailbox", "status"}}
	accts := [][]string{{"email", "name", "mobile", "ods_code", "status", "role", "last_login"}}
	for _, s := range sites {
		orgs = append(orgs, []string{s.ods, s.sector, s.name, s.town, s.mailbox, "active"})
		for _, a := range s.people {
			accts = append(accts, []string{a.addr, a.name, a.mobile, s.ods, "active", a.role, login})
		}
	}
	if err := writeCSV(filepath.Join(dir, "organisations.csv"), orgs); err != nil {
		return err
	}
	return writeCSV(filepath.Join(dir, "accounts.csv"), accts)
}

// initialSite is a site and a copy of its accounts before any request changed them.
type initialSite struct {
	site
	people []account
}

func snapshot(sites []*site) []initialSite {
	out := make([]initialSite, len(sites))
	for i, s := range sites {
		out[i].site = *s
		for _, a := range s.accounts {
			out[i].people = append(out[i].people, *a)
		}
	}
	return out
}

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
