package handlers_test

import (
	"strings"
	"testing"

	"nasbot/domain"
	"nasbot/handlers"
	"nasbot/handlers/handlerstest"
)

func TestChangeName(t *testing.T) {
	rename := func(account, newName string) domain.Request {
		return domain.Request{Type: domain.ChangeName, Word: "Change name", Account: account, NewName: newName}
	}
	runCases(t, []ruleCase{
		{"new surname", oak, rename(tomBaker, "Tom Walker"),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects:    effects(domain.RenameAccount{OldAddress: tomBaker, NewAddress: "tom.walker@nhs.net", NewName: "Tom Walker"}),
				summaryHas: []string{"tom.walker@nhs.net", tomBaker}}},
		{"new address clashes with an account", oak, rename(tomBaker, "Jane Smith"),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.RenameAccount{OldAddress: tomBaker, NewAddress: "jane.smith2@nhs.net", NewName: "Jane Smith"})}},
		{"new address clashes with an alias", oak, rename(tomBaker, "Mary Jones"),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.RenameAccount{OldAddress: tomBaker, NewAddress: "mary.jones2@nhs.net", NewName: "Mary Jones"})}},
		{"hyphenated surname", oak, rename(tomBaker, "Tom Baker-Lloyd"),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.RenameAccount{OldAddress: tomBaker, NewAddress: "tom.bakerlloyd@nhs.net", NewName: "Tom Baker-Lloyd"})}},
		{"same first and last words keep the address", oak, rename(tomBaker, "Tom Henry Baker"),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.RenameAccount{OldAddress: tomBaker, NewAddress: tomBaker, NewName: "Tom Henry Baker"})}},
		{"accents only keep the address", oak, rename("jose.garcia@nhs.net", "Jose Garcia"),
			want{outcome: domain.Done, account: "jose.garcia@nhs.net", checkEffects: true,
				effects: effects(domain.RenameAccount{OldAddress: "jose.garcia@nhs.net", NewAddress: "jose.garcia@nhs.net", NewName: "Jose Garcia"})}},
		{"same name", oak, rename(tomBaker, "Tom Baker"),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true}},
		{"no letters", oak, rename(tomBaker, "—"),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), account: tomBaker, field: "new_name"}},
		{"one word", oak, rename(tomBaker, "Cher"),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), account: tomBaker, field: "new_name"}},
		{"no new name", oak, rename(tomBaker, " "),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), account: tomBaker, field: "new_name"}},
		{"accents fold, the name keeps them", oak, rename(tomBaker, "Zoë Brontë"),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.RenameAccount{OldAddress: tomBaker, NewAddress: "zoe.bronte@nhs.net", NewName: "Zoë Brontë"})}},
		{"a new name that gives a dental mailbox's address", oak, rename(tomBaker, "Dental Office"),
			want{outcome: domain.Review, reasons: reasons(domain.AddressReserved), account: tomBaker, checkEffects: true}},
		{"a leaver belongs to no site", oak, rename("paul.hale@nhs.net", "Paul Hill"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net"}},
		{"another site's account", willow, rename(tomBaker, "Tom Walker"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: tomBaker}},
		{"unknown account", willow, rename("nobody@nhs.net", "No Body"),
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownAccount), account: "nobody@nhs.net"}},
	})
}

func TestCloseMailbox(t *testing.T) {
	closeReq := func(requestedBy string) domain.Request {
		return domain.Request{Type: domain.CloseMailbox, Word: "Close shared mailbox", CloseReason: "Sold", RequestedBy: by(requestedBy)}
	}
	runCases(t, []ruleCase{
		{"community pharmacy", oak, closeReq(janeSmith),
			want{outcome: domain.Done, checkEffects: true, effects: effects(domain.CloseSharedMailbox{ODS: "FA111"})}},
		{"dental", castle, closeReq(ellenFrost),
			want{outcome: domain.Rejected, reasons: reasons(domain.SectorNotApplicable), checkEffects: true}},
		{"care", willow, closeReq(annWood),
			want{outcome: domain.Rejected, reasons: reasons(domain.SectorNotApplicable)}},
		{"dac", ostomy, closeReq("wendy.cho@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.SectorNotApplicable)}},
		{"optometry", lensFrame, closeReq("otto.berg@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.SectorNotApplicable)}},
		{"closed mailbox is no longer a sender", stationRd, closeReq("ivan.petrov@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed), summaryHas: []string{"closed", "0333 200 1133"}}},
	})
}

func registerReq(ods, name, town string, requestedBy *domain.Person) domain.Request {
	return domain.Request{Type: domain.RegisterMailbox, Word: "Register shared mailbox", ODS: ods,
		Sector: domain.Pharmacy, OrganisationName: name, Town: town, Name: "Imani Cole",
		Mobile: "07700900650", Email: "imani.cole@example.com", Role: domain.RoleOwner, RequestedBy: requestedBy}
}

func TestRegisterMailbox(t *testing.T) {
	jane := by(janeSmith)
	with := func(r domain.Request, change func(*domain.Request)) domain.Request { change(&r); return r }
	runCases(t, []ruleCase{
		{"known code awaiting its mailbox", oak, registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview), checkEffects: true,
				summaryHas: []string{"pharmacy.fn999@nhs.net"}}},
		{"first owner is an owner whatever the role says", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Role, r.Linked = domain.RoleMember, no() }),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}},
		{"sector taken from the directory when not given", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Sector = "" }),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}},
		{"lower-case code", oak, registerReq("fn999", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}},
		{"unknown code goes to staff", oak, registerReq("FZ000", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.ODSUnknown), checkEffects: true}},
		{"name of 21 characters", oak, registerReq("FN999", "Oak Tree Pharmacy Ltd", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.NameTooLong), checkEffects: true}},
		{"name of 20 characters", oak, registerReq("FN999", "Oak Tree Pharmacy Lt", "Derby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}},
		{"name of 20 letters with accents", oak, registerReq("FN999", "Pharmacie Éléphantée", "Derby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}},
		{"town of 11 characters", oak, registerReq("FN999", "Oak Tree Pharmacy", "Wolverhamp.", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.NameTooLong)}},
		{"town of 10 characters", oak, registerReq("FN999", "Oak Tree Pharmacy", "Stevenage.", jane),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}},
		{"name too long beats an unknown code", oak, registerReq("FZ000", strings.Repeat("x", 21), "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.NameTooLong)}},
		{"first owner's mobile in use", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Mobile = "07700900502" }),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInUse)}},
		{"first owner's name clashes", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Name = "Jane Smith" }),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}},
		{"sector differs from the directory", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Sector = domain.Dental }),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), field: "sector"}},
		{"code that already has a mailbox", oak, registerReq("FB222", "Kingsway Chemist", "Ripon", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxExists), summaryHas: []string{"pharmacy.fb222@nhs.net"}}},
		{"the sender's own code", oak, registerReq("FA111", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxExists)}},
		{"code whose mailbox was closed goes to staff", oak, registerReq("FX404", "Station Road", "Selby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview), checkEffects: true, summaryHas: []string{"closed"}}},
		{"sent from a dental practice for a pharmacy code", castle, registerReq("FN999", "Oak Tree Pharmacy", "Derby", by(ellenFrost)),
			want{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}},
		{"missing town", oak, registerReq("FN999", "Oak Tree Pharmacy", "", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), field: "town"}},
		// Safety rules added after review.
		{"address held by an alias goes to staff", oak, registerReq("FZ111", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.AddressInUse), checkEffects: true, summaryHas: []string{"pharmacy.fz111@nhs.net"}}},
		{"active mailbox is refused before the address is looked at", oak, registerReq("FB222", "Kingsway Chemist", "Ripon", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxExists)}},
		{"first owner whose address would be reserved", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Name = "Dental Practice" }),
			want{outcome: domain.Review, reasons: reasons(domain.AddressReserved)}},
		{"a social care provider's code", willow,
			with(registerReq("1-2000000002", "Rose Lodge East", "Penzance", by(annWood)), func(r *domain.Request) { r.Sector = domain.Care }),
			want{outcome: domain.Review, reasons: reasons(domain.ODSUnknown)}},
		{"a social care provider's code already registered", willow,
			with(registerReq("1-2000000001", "Rose Lodge", "Penzance", by(annWood)), func(r *domain.Request) { r.Sector = domain.Care }),
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxExists), summaryHas: []string{"care.1-2000000001@nhs.net"}}},
		{"a code with a space inside", oak, registerReq("FN 999", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), field: "ods_code"}},
		{"a code too long", oak, registerReq("FN99-999-9999", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), field: "ods_code"}},
		{"no code", oak, registerReq("", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), field: "ods_code"}},
		{"no organisation name", oak, registerReq("FN999", "", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), field: "organisation_name"}},
		{"unknown code without a sector", oak,
			with(registerReq("FZ000", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Sector = "" }),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), field: "sector"}},
		{"not an owner", oak, registerReq("FN999", "Oak Tree Pharmacy", "Derby", by(tomBaker)),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner)}},
	})
}

func TestPasswordReset(t *testing.T) {
	reset := func(account, mobile string) domain.Request {
		return domain.Request{Type: domain.PasswordReset, Word: "Password reset", Account: account, Mobile: mobile, RequestedBy: by(janeSmith)}
	}
	runCases(t, []ruleCase{
		{"number matches", oak, reset(tomBaker, "07700900502"),
			want{outcome: domain.Done, account: tomBaker, checkEffects: true,
				effects: effects(domain.SendTemporaryPassword{Address: tomBaker}), summaryHas: []string{"07*** ***502"}}},
		{"number written with dashes", oak, reset(tomBaker, "07700-900-502"),
			want{outcome: domain.Done, account: tomBaker}},
		{"number in international form", oak, reset(tomBaker, "+44 7700 900502"),
			want{outcome: domain.Done, account: tomBaker}},
		{"inactive account (unlock)", oak, reset("rita.oneill@nhs.net", "07700900504"),
			want{outcome: domain.Done, account: "rita.oneill@nhs.net"}},
		{"the owner's own account", oak, reset(janeSmith, "07700900501"),
			want{outcome: domain.Done, account: janeSmith}},
		{"number differs", oak, reset(tomBaker, "07700900599"),
			want{outcome: domain.Review, reasons: reasons(domain.MobileMismatch), account: tomBaker, checkEffects: true}},
		{"number of someone else", oak, reset(tomBaker, "07700900501"),
			want{outcome: domain.Review, reasons: reasons(domain.MobileMismatch), account: tomBaker}},
		{"no number", oak, reset(tomBaker, ""),
			want{outcome: domain.Review, reasons: reasons(domain.MobileMismatch), account: tomBaker}},
		{"leaver", oak, reset("paul.hale@nhs.net", "07700900505"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: "paul.hale@nhs.net"}},
		{"another site's account", oak, reset(annWood, "07700900581"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotInOrganisation), account: annWood}},
		{"unknown account", oak, reset("nobody@nhs.net", "07700900599"),
			want{outcome: domain.Rejected, reasons: reasons(domain.UnknownAccount), account: "nobody@nhs.net"}},
	})
}

// A directory built from Go literals: a closed pharmacy whose owner kept the link (as imported
// data may have it), and another mail domain.
func TestLiteralDirectory(t *testing.T) {
	dir := handlerstest.New([]domain.Organisation{
		{ODS: "FQ001", Sector: domain.Pharmacy, Name: "Quay Pharmacy", Town: "Poole", Mailbox: "pharmacy.fq001@nhs.test", Status: domain.StatusClosed},
		{ODS: "FQ002", Sector: domain.Pharmacy, Name: "Dock Pharmacy", Town: "Poole", Mailbox: "pharmacy.fq002@nhs.test"},
		{ODS: "FQ003", Sector: domain.Pharmacy, Name: "Pier Pharmacy", Town: "Poole"},
	}, []domain.Account{
		{Address: "ola.berg@nhs.test", Name: "Ola Berg", Mobile: "07700900701", ODS: "FQ001", Role: domain.RoleOwner},
		{Address: "eve.hart@nhs.test", Name: "Eve Hart", Mobile: "07700900702", ODS: "FQ002", Role: domain.RoleOwner},
	})
	closedSite, _, _ := dir.Organisation("FQ001")
	dock, _, _ := dir.Organisation("FQ002")
	tests := []struct {
		name string
		ctx  handlers.Context
		req  domain.Request
		want want
	}{
		{"closing a closed mailbox: it is no longer a sender",
			handlers.Context{Now: now, Site: &closedSite, Domain: "nhs.test"},
			domain.Request{Type: domain.CloseMailbox, RequestedBy: by("ola.berg@nhs.test")},
			want{outcome: domain.Rejected, reasons: reasons(domain.MailboxClosed), checkEffects: true, summaryHas: []string{"pharmacy.fq001@nhs.test"}}},
		{"closing a closed mailbox on the desk changes nothing",
			handlers.Context{Now: now, Site: &closedSite, Domain: "nhs.test", Desk: true},
			domain.Request{Type: domain.CloseMailbox, RequestedBy: by("ola.berg@nhs.test")},
			want{outcome: domain.Done, checkEffects: true, summaryHas: []string{"already closed"}}},
		{"addresses in the configured domain",
			handlers.Context{Now: now, Site: &dock, Domain: "NHS.test"},
			addUserReq("Ola Berg", "07700900703"),
			want{outcome: domain.Done, account: "ola.berg2@nhs.test"}},
		{"no domain configured: nhs.net",
			handlers.Context{Now: now, Site: &dock},
			addUserReq("Ola Berg", "07700900703"),
			want{outcome: domain.Done, account: "ola.berg@nhs.net"}},
		{"mailbox in the configured domain",
			handlers.Context{Now: now, Site: &dock, Domain: "nhs.test", Desk: true, Approved: reasons(domain.NewMailboxReview)},
			registerReq("FQ003", "Pier Pharmacy", "Poole", by("eve.hart@nhs.test")),
			want{outcome: domain.Done, summaryHas: []string{"pharmacy.fq003@nhs.test", "imani.cole@nhs.test"}}},
		{"sending site missing from the directory: the context's site is used",
			handlers.Context{Now: now, Site: &domain.Organisation{ODS: "FQ999", Sector: domain.Dental}, Domain: "nhs.test"},
			func() domain.Request { r := addUserReq("Ada Lee", "07700900704"); r.Linked = no(); return r }(),
			want{outcome: domain.Done, account: "ada.lee@nhs.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handlers.Decide(tt.ctx, tt.req, dir)
			if err != nil {
				t.Fatal(err)
			}
			check(t, got, tt.want)
		})
	}
}
