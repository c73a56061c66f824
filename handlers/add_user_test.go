package handlers_test

import (
	"testing"

	"nasbot/domain"
)

func TestAddUser(t *testing.T) {
	with := func(r domain.Request, change func(*domain.Request)) domain.Request { change(&r); return r }
	created := func(address, name, mobile, ods string, role domain.Role) []domain.Effect {
		return effects(domain.CreateAccount{Address: address, Name: name, Mobile: mobile, ODS: ods, Role: role},
			domain.SendTemporaryPassword{Address: address})
	}
	runCases(t, []ruleCase{
		{"done: account, link and password", oak, addUserReq("Lily Adams", "07700900601"),
			want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true,
				effects:    created("lily.adams@nhs.net", "Lily Adams", "07700900601", "FA111", domain.RoleMember),
				summaryHas: []string{"lily.adams@nhs.net", "07*** ***601", "text message"}}},
		{"linked and role default to a linked member", oak,
			with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) { r.Linked, r.Role = nil, "" }),
			want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true,
				effects: created("lily.adams@nhs.net", "Lily Adams", "07700900601", "FA111", domain.RoleMember)}},
		{"owner asked by an owner", oak,
			with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) { r.Role, r.RequestedBy = domain.RoleOwner, by(janeSmith) }),
			want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true,
				effects: created("lily.adams@nhs.net", "Lily Adams", "07700900601", "FA111", domain.RoleOwner)}},
		{"mobile normalised if the parser did not", oak, addUserReq("Lily Adams", "+44 (0) 7700 900601"),
			want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true,
				effects: created("lily.adams@nhs.net", "Lily Adams", "07700900601", "FA111", domain.RoleMember)}},

		// New addresses (docs/spec/rules.md "Accounts", README reading 11).
		{"clash with an address takes 2", oak, addUserReq("Tom Baker", "07700900601"),
			want{outcome: domain.Done, account: "tom.baker2@nhs.net"}},
		{"clash with an alias takes 2", castle, addUserReq("Mary Jones", "07700900601"),
			want{outcome: domain.Done, account: "mary.jones2@nhs.net"}},
		{"clash with another site's address", castle, addUserReq("Ann Wood", "07700900601"),
			want{outcome: domain.Done, account: "ann.wood2@nhs.net"}},
		{"clash with a leaver's address", oak, addUserReq("Paul Hale", "07700900601"),
			want{outcome: domain.Done, account: "paul.hale2@nhs.net"}},
		{"apostrophe dropped", oak, addUserReq("Sean O'Neill", "07700900601"),
			want{outcome: domain.Done, account: "sean.oneill@nhs.net"}},
		{"hyphen dropped", oak, addUserReq("Amira Hassan-Reid", "07700900601"),
			want{outcome: domain.Done, account: "amira.hassanreid@nhs.net"}},
		{"accents folded", oak, addUserReq("Zoë Brontë", "07700900601"),
			want{outcome: domain.Done, account: "zoe.bronte@nhs.net"}},
		{"sharp s", oak, addUserReq("Jürgen Groß", "07700900601"),
			want{outcome: domain.Done, account: "jurgen.gross@nhs.net"}},
		{"middle names skipped", oak, addUserReq("Mary Ann Lee", "07700900601"),
			want{outcome: domain.Done, account: "mary.lee@nhs.net"}},
		{"upper case and extra spaces", oak, addUserReq("  LILY   ADAMS ", "07700900601"),
			want{outcome: domain.Done, account: "lily.adams@nhs.net"}},
		{"one name only", oak, addUserReq("Madonna", "07700900601"),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), field: "name"}},
		{"no letters to make an address", oak, addUserReq("李 王", "07700900601"),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), field: "name"}},
		{"last name with no foldable letter", oak, addUserReq("Jane 李", "07700900601"),
			want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), field: "name"}},
		{"no name", oak, addUserReq("", "07700900601"),
			want{outcome: domain.Rejected, reasons: reasons(domain.MissingField), field: "name"}},
		{"stroke l, slashed o, ash, sharp s", oak, addUserReq("Łukasz Søren-Æsa Straße", "07700900601"),
			want{outcome: domain.Done, account: "lukasz.strasse@nhs.net", checkEffects: true,
				effects: created("lukasz.strasse@nhs.net", "Łukasz Søren-Æsa Straße", "07700900601", "FA111", domain.RoleMember)}},
		{"ash first", oak, addUserReq("Æsa Brontë", "07700900601"),
			want{outcome: domain.Done, account: "aesa.bronte@nhs.net"}},

		// Reserved addresses (docs/spec/rules.md "Safety rules added after review").
		{"a name that gives a pharmacy mailbox's address", oak, addUserReq("Pharmacy Smith", "07700900601"),
			want{outcome: domain.Review, reasons: reasons(domain.AddressReserved), account: "pharmacy.smith@nhs.net", checkEffects: true}},
		{"digits are dropped, and a short last word is not ODS-shaped", oak, addUserReq("Pharmacy Fa999", "07700900601"),
			want{outcome: domain.Done, account: "pharmacy.fa@nhs.net"}},
		{"a name that gives a care mailbox's address", willow, addUserReq("Care Home", "07700900601"),
			want{outcome: domain.Review, reasons: reasons(domain.AddressReserved), account: "care.home@nhs.net"}},
		{"sector word as last name is not reserved", oak, addUserReq("Jane Pharmacy", "07700900601"),
			want{outcome: domain.Done, account: "jane.pharmacy@nhs.net"}},

		// Mobile numbers.
		{"mobile of an active account", oak, addUserReq("Lily Adams", "07700900572"),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInUse), checkEffects: true, summaryHas: []string{"07*** ***572", "joiner"}}},
		{"mobile of a leaver", willow, addUserReq("Paul Hale", "07700900505"),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInUse)}},
		{"mobile of an inactive account", oak, addUserReq("Rita Neill", "07700 900504"),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInUse)}},
		{"070 personal number is not a mobile", oak, addUserReq("Lily Adams", "07000900601"),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInvalid)}},
		{"no mobile", oak, addUserReq("Lily Adams", ""),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInvalid)}},

		// Linking (README reading 12).
		{"pharmacy not linked", oak, with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) { r.Linked = no() }),
			want{outcome: domain.Rejected, reasons: reasons(domain.LinkRequired), checkEffects: true}},
		{"dac not linked", ostomy, with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) { r.Linked = no() }),
			want{outcome: domain.Rejected, reasons: reasons(domain.LinkRequired)}},
		{"optometry not linked", lensFrame, with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) { r.Linked = no() }),
			want{outcome: domain.Rejected, reasons: reasons(domain.LinkRequired)}},
		{"dental not linked is allowed", castle,
			with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) { r.Linked, r.Role = no(), "" }),
			want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true,
				effects: created("lily.adams@nhs.net", "Lily Adams", "07700900601", "D4455", domain.RoleNone)}},
		{"care not linked is allowed, role ignored", willow,
			with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) { r.Linked = no() }),
			want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true,
				effects: created("lily.adams@nhs.net", "Lily Adams", "07700900601", "C7788", domain.RoleNone)}},
		{"owner who is not linked", castle, with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) {
			r.Linked, r.Role, r.RequestedBy = no(), domain.RoleOwner, by(ellenFrost)
		}), want{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), field: "linked"}},
		{"owner, linked absent: linked as owner", castle, with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) {
			r.Linked, r.Role, r.RequestedBy = nil, domain.RoleOwner, by(ellenFrost)
		}), want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true,
			effects: created("lily.adams@nhs.net", "Lily Adams", "07700900601", "D4455", domain.RoleOwner)}},
		{"linked and role absent: linked as member", ostomy, with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) {
			r.Linked, r.Role = nil, ""
		}), want{outcome: domain.Done, account: "lily.adams@nhs.net", checkEffects: true,
			effects: created("lily.adams@nhs.net", "Lily Adams", "07700900601", "G9911", domain.RoleMember)}},
		{"owner not linked at a pharmacy", oak, with(addUserReq("Lily Adams", "07700900601"), func(r *domain.Request) {
			r.Linked, r.Role, r.RequestedBy = no(), domain.RoleOwner, by(janeSmith)
		}), want{outcome: domain.Rejected, reasons: reasons(domain.LinkRequired)}},

		// Site account limit (README reading 14): active and inactive count, leavers do not.
		{"eleventh account goes to staff", kingsway, addUserReq("Lily Adams", "07700900601"),
			want{outcome: domain.Review, reasons: reasons(domain.SiteAccountLimit), account: "lily.adams@nhs.net",
				checkEffects: true, summaryHas: []string{"10"}}},
		{"eleventh account names the address it would get", kingsway, addUserReq("Sarah Owen", "07700900601"),
			want{outcome: domain.Review, reasons: reasons(domain.SiteAccountLimit), account: "sarah.owen2@nhs.net"}},
		{"leavers leave room", harbour, addUserReq("Lily Adams", "07700900601"),
			want{outcome: domain.Done, account: "lily.adams@nhs.net"}},
		{"a refusal comes before the limit", kingsway, addUserReq("Lily Adams", "07700900501"),
			want{outcome: domain.Rejected, reasons: reasons(domain.MobileInUse)}},
	})
}

// Adding the same name again and again numbers the addresses in turn.
func TestAddUserNumbersInTurn(t *testing.T) {
	dir := fixture(t)
	for i, wantAddr := range []string{"sam.green@nhs.net", "sam.green2@nhs.net", "sam.green3@nhs.net"} {
		got := decide(t, dir, willow, addUserReq("Sam Green", []string{"07700900611", "07700900612", "07700900613"}[i]))
		check(t, got, want{outcome: domain.Done, account: wantAddr})
	}
	// The same person asked for twice: the second is refused on the mobile.
	got := decide(t, dir, willow, addUserReq("Sam Green", "07700900611"))
	check(t, got, want{outcome: domain.Rejected, reasons: reasons(domain.MobileInUse)})
}
