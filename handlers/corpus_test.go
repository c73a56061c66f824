package handlers_test

import (
	"testing"

	"nasbot/domain"
)

// corpusMail is one .eml of a corpus case as the parser reads it: its (verified) From and its
// requests, with what expected.json says must become of each.
type corpusMail struct {
	from     string
	requests []domain.Request
	want     []want
}

// TestCorpusCases rebuilds the processed cases of the sample corpus (their requests against
// ../testdata/corpus/directory) and checks outcome, reasons and account as
// expected.json gives them. Unverified, ignored and unparseable mail never reaches the rules.
func TestCorpusCases(t *testing.T) {
	amelia := by("amelia.hart@nhs.net")
	const (
		riverside = "pharmacy.fq7k2@nhs.net"
		hollybank = "pharmacy.fh3m8@nhs.net"
		medi      = "dac.fkd27@nhs.net"
		brookside = "dental.v10423@nhs.net"
		elmHouse  = "care.vn4417@nhs.net"
		clearview = "optometry.t4821@nhs.net"
	)
	done := func(account string) want { return want{outcome: domain.Done, account: account} }
	refused := func(account string, r domain.Reason) want {
		return want{outcome: domain.Rejected, reasons: reasons(r), account: account}
	}
	register := func(ods, name, town, owner, mobile string) domain.Request {
		return domain.Request{Type: domain.RegisterMailbox, ODS: ods, Sector: domain.Pharmacy, OrganisationName: name,
			Town: town, Name: owner, Mobile: mobile, Email: "x@example.com", Role: domain.RoleOwner, RequestedBy: amelia}
	}

	cases := []struct {
		name  string
		mails []corpusMail
	}{
		{"001-add-user-plain-text", []corpusMail{{riverside, []domain.Request{
			{Type: domain.AddUser, Name: "Callum Reid", Mobile: "07700900150", Email: "callum.reid@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: amelia},
		}, []want{done("callum.reid@nhs.net")}}}},
		{"002-add-user-html-only", []corpusMail{{clearview, []domain.Request{
			{Type: domain.AddUser, Name: "Rosa Delgado", Mobile: "07700900160", Email: "rosa.delgado@example.org", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("nikhil.joshi@nhs.net")},
		}, []want{done("rosa.delgado@nhs.net")}}}},
		{"003-dental-two-requests-cp1252", []corpusMail{{brookside, []domain.Request{
			{Type: domain.AddUser, Name: "Aled Pritchard", Mobile: "07700900170", Email: "aled.pritchard@example.net", Linked: no(), RequestedBy: by("priya.shah@nhs.net")},
			{Type: domain.ChangeRole, Word: "Make owner", Account: "lucy.fairbairn@nhs.net", Role: domain.RoleOwner, RequestedBy: by("priya.shah@nhs.net")},
		}, []want{done("aled.pritchard@nhs.net"), done("lucy.fairbairn@nhs.net")}}}},
		{"004-csv-bulk-add", []corpusMail{{medi, []domain.Request{
			{Type: domain.AddUser, Row: 1, Name: "Sophie Lamb", Mobile: "07700900180", Email: "sophie.lamb@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("martin.shaw@nhs.net")},
			{Type: domain.AddUser, Row: 2, Name: "Harpreet Sandhu", Mobile: "07700900181", Email: "h.sandhu@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("martin.shaw@nhs.net")},
			{Type: domain.AddUser, Row: 3, Name: "Joel Ambrose", Mobile: "07700900182", Email: "joel.ambrose@example.org", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("martin.shaw@nhs.net")},
		}, []want{done("sophie.lamb2@nhs.net"), done("harpreet.sandhu@nhs.net"), done("joel.ambrose@nhs.net")}}}},
		{"005-leaver-then-joiner", []corpusMail{
			{riverside, []domain.Request{{Type: domain.Leaver, Account: "tomasz.nowak@nhs.net", LeavingProfession: no()}},
				[]want{done("tomasz.nowak@nhs.net")}},
			{elmHouse, []domain.Request{{Type: domain.Joiner, Account: "tomasz.nowak@nhs.net", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("margaret.ellis@nhs.net")}},
				[]want{done("tomasz.nowak@nhs.net")}},
		}},
		{"006-give-and-remove-access-base64", []corpusMail{{elmHouse, []domain.Request{
			{Type: domain.AddToMailbox, Account: "irene.doyle@nhs.net", Role: domain.RoleMember, RequestedBy: by("kwame.boateng@nhs.net")},
			{Type: domain.RemoveFromMailbox, Account: "sophie.lamb@nhs.net", RequestedBy: by("kwame.boateng@nhs.net")},
		}, []want{done("irene.doyle@nhs.net"), done("sophie.lamb@nhs.net")}}}},
		{"007-own-name-change-then-new-address", []corpusMail{
			{"lucy.fairbairn@nhs.net", []domain.Request{{Type: domain.ChangeName, Account: "lucy.fairbairn@nhs.net", NewName: "Lucy Campbell"}},
				[]want{done("lucy.fairbairn@nhs.net")}},
			{brookside, []domain.Request{{Type: domain.ChangeRole, Word: "Make owner", Account: "lucy.campbell@nhs.net", Role: domain.RoleOwner, RequestedBy: by("priya.shah@nhs.net")}},
				[]want{done("lucy.campbell@nhs.net")}},
		}},
		{"008-password-reset-match-and-mismatch", []corpusMail{{riverside, []domain.Request{
			{Type: domain.PasswordReset, Word: "Unlock account", Account: "daniel.okafor@nhs.net", Mobile: "07700900112", RequestedBy: amelia},
			{Type: domain.PasswordReset, Account: "grace.lindqvist@nhs.net", Mobile: "07700900132", RequestedBy: amelia},
		}, []want{done("daniel.okafor@nhs.net"),
			{outcome: domain.Review, reasons: reasons(domain.MobileMismatch), account: "grace.lindqvist@nhs.net"}}}}},
		{"009-close-pharmacy-mailbox", []corpusMail{{riverside, []domain.Request{
			{Type: domain.CloseMailbox, CloseReason: "Change of ownership - pharmacy sold to a new contractor", RequestedBy: amelia},
		}, []want{done("")}}}},
		{"010-register-mailbox-known-ods", []corpusMail{{riverside, []domain.Request{
			register("FT9P4", "Riverside Pharmacy", "Ashford", "Imogen Blake", "07700900190"),
		}, []want{{outcome: domain.Review, reasons: reasons(domain.NewMailboxReview)}}}}},
		{"011-site-account-limit", []corpusMail{{hollybank, []domain.Request{
			{Type: domain.AddUser, Name: "Bethan Yorke", Mobile: "07700900195", Email: "bethan.yorke@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("rachel.dunmore@nhs.net")},
		}, []want{{outcome: domain.Review, reasons: reasons(domain.SiteAccountLimit), account: "bethan.yorke@nhs.net"}}}}},
		{"012-mobile-invalid-and-plus44", []corpusMail{{clearview, []domain.Request{
			{Type: domain.AddUser, Name: "Conor Healy", Email: "conor.healy@example.com", Linked: yes(), RequestedBy: by("nikhil.joshi@nhs.net"),
				Problems: []domain.Problem{{Reason: domain.MobileInvalid, Field: "mobile", Detail: "07700 90016 is not a UK mobile number"}}},
			{Type: domain.AddUser, Name: "Anjali Rao", Mobile: "07700900197", Email: "anjali.rao@example.org", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("nikhil.joshi@nhs.net")},
		}, []want{refused("", domain.MobileInvalid), done("anjali.rao@nhs.net")}}}},
		{"013-mobile-in-use", []corpusMail{{elmHouse, []domain.Request{
			{Type: domain.AddUser, Name: "James Kettle", Mobile: "07700900263", Email: "jkettle@example.net", Linked: no(), RequestedBy: by("margaret.ellis@nhs.net")},
		}, []want{refused("", domain.MobileInUse)}}}},
		{"014-link-required-dac", []corpusMail{{medi, []domain.Request{
			{Type: domain.AddUser, Name: "Petra Vasic", Mobile: "07700900198", Email: "petra.vasic@example.net", Linked: no(), RequestedBy: by("martin.shaw@nhs.net")},
		}, []want{refused("", domain.LinkRequired)}}}},
		{"015-last-owner", []corpusMail{{clearview, []domain.Request{
			{Type: domain.Leaver, Account: "nikhil.joshi@nhs.net", LeavingProfession: yes(), RequestedBy: by("nikhil.joshi@nhs.net")},
		}, []want{refused("nikhil.joshi@nhs.net", domain.LastOwner)}}}},
		{"016-not-owner", []corpusMail{{riverside, []domain.Request{
			{Type: domain.ChangeRole, Word: "Make owner", Account: "daniel.okafor@nhs.net", Role: domain.RoleOwner, RequestedBy: by("grace.lindqvist@nhs.net")},
		}, []want{refused("daniel.okafor@nhs.net", domain.NotOwner)}}}},
		{"017-joiner-still-active", []corpusMail{{elmHouse, []domain.Request{
			{Type: domain.Joiner, Account: "grace.lindqvist@nhs.net", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("kwame.boateng@nhs.net")},
		}, []want{refused("grace.lindqvist@nhs.net", domain.StillActive)}}}},
		{"018-close-dental-not-applicable", []corpusMail{{brookside, []domain.Request{
			{Type: domain.CloseMailbox, CloseReason: "Practice merger", RequestedBy: by("priya.shah@nhs.net")},
		}, []want{refused("", domain.SectorNotApplicable)}}}},
		{"019-register-unknown-ods-and-ods-change", []corpusMail{{hollybank, []domain.Request{
			func() domain.Request {
				r := register("FZ8X3", "Hollybank Chemist", "Leek", "Tobias Whitlock", "07700900178")
				r.RequestedBy = by("rachel.dunmore@nhs.net")
				return r
			}(),
			{Type: domain.ODSChange, Word: "Update ODS details", RequestedBy: by("rachel.dunmore@nhs.net")},
		}, []want{{outcome: domain.Review, reasons: reasons(domain.ODSUnknown)}, refused("", domain.ODSChangeRedirect)}}}},
		{"020-personal-account-add-user", []corpusMail{{"daniel.okafor@nhs.net", []domain.Request{
			{Type: domain.AddUser, Name: "Marta Silva", Mobile: "07700900199", Email: "marta.silva@example.com", Linked: yes()},
		}, []want{refused("", domain.NotSharedMailbox)}}}},
		{"021-block-problems-others-proceed", []corpusMail{{medi, []domain.Request{
			{Type: domain.AddUser, Name: "Ruth Akinola", Email: "ruth.akinola@example.com", Linked: yes(), RequestedBy: by("martin.shaw@nhs.net"),
				Problems: []domain.Problem{{Reason: domain.MissingField, Field: "mobile", Detail: "the Mobile field is missing"}}},
			{Type: domain.ChangeRole, Account: "emily.rowe@nhs.net", RequestedBy: by("martin.shaw@nhs.net"),
				Problems: []domain.Problem{{Reason: domain.InvalidField, Field: "role", Detail: "Role must be Owner or Member, not Supervisor"}}},
			{Type: domain.Unknown, Word: "Order prescription pads", RequestedBy: by("martin.shaw@nhs.net"),
				Problems: []domain.Problem{{Reason: domain.UnknownRequest, Detail: "Order prescription pads is not a request the NAS handles"}}},
			{Type: domain.Leaver, Account: "james.kettle@nhs.net", LeavingProfession: no(), RequestedBy: by("martin.shaw@nhs.net")},
		}, []want{{outcome: domain.Rejected, reasons: reasons(domain.MissingField), field: "mobile"},
			{outcome: domain.Rejected, reasons: reasons(domain.InvalidField), account: "emily.rowe@nhs.net", field: "role"},
			refused("", domain.UnknownRequest), done("james.kettle@nhs.net")}}}},
		{"022-not-in-organisation-and-unknown-account", []corpusMail{{medi, []domain.Request{
			{Type: domain.Leaver, Account: "nadia.rahman@nhs.net", RequestedBy: by("martin.shaw@nhs.net")},
			{Type: domain.RemoveFromMailbox, Account: "craig.dobson@nhs.net", RequestedBy: by("martin.shaw@nhs.net")},
		}, []want{refused("nadia.rahman@nhs.net", domain.NotInOrganisation), refused("craig.dobson@nhs.net", domain.UnknownAccount)}}}},
		{"023-register-name-too-long", []corpusMail{{riverside, []domain.Request{
			register("FT9P4", "Riverside Community Pharmacy", "Ashford", "Imogen Blake", "07700900190"),
		}, []want{refused("", domain.NameTooLong)}}}},
		{"025-reply-with-quoted-history", []corpusMail{
			{riverside, []domain.Request{{Type: domain.AddUser, Name: "Farah Nazir", Mobile: "07700900175", Email: "farah.nazir@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: amelia}},
				[]want{done("farah.nazir@nhs.net")}},
			{riverside, []domain.Request{{Type: domain.Leaver, Account: "daniel.okafor@nhs.net", LeavingProfession: no()}},
				[]want{done("daniel.okafor@nhs.net")}},
		}},
		{"026-forward-request-on-top", []corpusMail{{hollybank, []domain.Request{
			{Type: domain.Leaver, Account: "ada.nwosu@nhs.net", LeavingProfession: no(), RequestedBy: by("rachel.dunmore@nhs.net")},
		}, []want{done("ada.nwosu@nhs.net")}}}},
		{"029-duplicate-message-id", []corpusMail{{medi, []domain.Request{
			{Type: domain.AddUser, Name: "Oskar Lind", Mobile: "07700900186", Email: "oskar.lind@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: by("martin.shaw@nhs.net")},
		}, []want{done("oskar.lind@nhs.net")}}}},
		// 030: the first two are unverified and change nothing; the genuine third gets the plain address.
		{"030-spoof-header-stack-then-genuine", []corpusMail{{riverside, []domain.Request{
			{Type: domain.AddUser, Name: "Kyle Mercer", Mobile: "07700900177", Email: "kyle.mercer@example.com", Linked: yes(), Role: domain.RoleMember, RequestedBy: amelia},
		}, []want{done("kyle.mercer@nhs.net")}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := corpusDirectory(t)
			for i, m := range c.mails {
				if len(m.requests) != len(m.want) {
					t.Fatalf("mail %d: %d requests, %d wants", i+1, len(m.requests), len(m.want))
				}
				for j, req := range m.requests {
					got := decide(t, dir, m.from, req)
					t.Logf("mail %d request %d: %s %v %s: %s", i+1, j+1, got.Outcome, got.Reasons, got.Account, got.Summary)
					check(t, got, m.want[j])
				}
			}
		})
	}
}
