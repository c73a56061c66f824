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
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), account: tomBaker}},
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
		{"closed mailbox has no owner left", stationRd, closeReq("ivan.petrov@nhs.net"),
			want{outcome: domain.Rejected, reasons: reasons(domain.NotOwner)}},
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
			want{outcome: domain.Done, checkEffects: true, effects: effects(
				domain.RegisterSharedMailbox{ODS: "FN999", Sector: domain.Pharmacy, Name: "Oak Tree Pharmacy", Town: "Derby", Mailbox: "pharmacy.fn999@nhs.net"},
				domain.CreateAccount{Address: "imani.cole@nhs.net", Name: "Imani Cole", Mobile: "07700900650", ODS: "FN999", Role: domain.RoleOwner},
				domain.SendTemporaryPassword{Address: "imani.cole@nhs.net"},
			), summaryHas: []string{"pharmacy.fn999@nhs.net", "imani.cole@nhs.net"}}},
		{"first owner is an owner whatever the role says", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Role, r.Linked = domain.RoleMember, no() }),
			want{outcome: domain.Done}},
		{"sector taken from the directory when not given", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Sector = "" }),
			want{outcome: domain.Done}},
		{"lower-case code", oak, registerReq("fn999", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Done}},
		{"unknown code goes to staff", oak, registerReq("FZ000", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Review, reasons: reasons(domain.ODSUnknown), checkEffects: true}},
		{"name of 21 characters", oak, registerReq("FN999", "Oak Tree Pharmacy Ltd", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.NameTooLong), checkEffects: true}},
		{"name of 20 characters", oak, registerReq("FN999", "Oak Tree Pharmacy Lt", "Derby", jane),
			want{outcome: domain.Done}},
		{"name of 20 letters with accents", oak, registerReq("FN999", "Pharmacie Éléphantée", "Derby", jane),
			want{outcome: domain.Done}},
		{"town of 11 characters", oak, registerReq("FN999", "Oak Tree Pharmacy", "Wolverhamp.", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.NameTooLong)}},
		{"town of 10 characters", oak, registerReq("FN999", "Oak Tree Pharmacy", "Stevenage.", jane),
			want{outcome: domain.Done}},
		{"name too long beats an unknown code", oak, registerReq("FZ000", strings.Repeat("x", 21), "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.NameTooLong)}},
		{"first owner's mobile in use", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Mobile = "07700900502" }),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInUse)}},
		{"first owner's name clashes", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Name = "Jane Smith" }),
			want{outcome: domain.Done, checkEffects: true, effects: effects(
				domain.RegisterSharedMailbox{ODS: "FN999", Sector: domain.Pharmacy, Name: "Oak Tree Pharmacy", Town: "Derby", Mailbox: "pharmacy.fn999@nhs.net"},
				domain.CreateAccount{Address: "jane.smith2@nhs.net", Name: "Jane Smith", Mobile: "07700900650", ODS: "FN999", Role: domain.RoleOwner},
				domain.SendTemporaryPassword{Address: "jane.smith2@nhs.net"},
			)}},
		{"sector differs from the directory", oak,
			with(registerReq("FN999", "Oak Tree Pharmacy", "Derby", jane), func(r *domain.Request) { r.Sector = domain.Dental }),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField)}},
		{"code that already has a mailbox", oak, registerReq("FB222", "Kingsway Chemist", "Ripon", jane),
			want{outcome: domain.Rejected, reasons: reasons("mailbox_exists"), summaryHas: []string{"pharmacy.fb222@nhs.net"}}},
		{"the sender's own code", oak, registerReq("FA111", "Oak Tree Pharmacy", "Derby", jane),
			want{outcome: domain.Rejected, reasons: reasons("mailbox_exists")}},
		{"code whose mailbox was closed goes to staff", oak, registerReq("FX404", "Station Road", "Selby", jane),
			want{outcome: domain.Review, reasons: reasons("mailbox_exists"), checkEffects: true}},
		{"sent from a dental practice for a pharmacy code", castle, registerReq("FN999", "Oak Tree Pharmacy", "Derby", by(ellenFrost)),
			want{outcome: domain.Done}},
		{"missing town", oak, registerReq("FN999", "Oak Tree Pharmacy", "", jane),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField)}},
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
		{"closing a closed mailbox changes nothing",
			handlers.Context{Now: now, Site: &closedSite, Domain: "nhs.test"},
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
			handlers.Context{Now: now, Site: &dock, Domain: "nhs.test"},
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
