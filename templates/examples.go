package templates

import "nasbot/domain"

// Examples returns example data for every mail template, one per situation each template must
// handle: `nasbot templates check` and the golden tests render them all.
func Examples() map[string]Message {
	base := Message{Tag: "NAS-000123", Subject: "New starter - Jane Smith", Organisation: "Riverside Pharmacy, Ashford"}
	with := func(f func(*Message)) Message {
		m := base
		f(&m)
		return m
	}
	done := Request{What: "Add user Jane Smith", Line: 3, Outcome: "done",
		Summary: "Created the NHSmail account jane.smith@nhs.net for Jane Smith. The temporary password has been sent by text message to their mobile (07*** ***123)."}
	rejected := Request{What: "Leaver john.doe@nhs.net", Line: 11, Outcome: "rejected",
		Summary: "There is no NHSmail account john.doe@nhs.net, so nothing was changed.", Reasons: []string{string(domain.UnknownAccount)},
		Ignored: []string{"Date of birth"}}
	review := Request{What: "Add user Sam Lee", Row: 2, Outcome: "review",
		Summary: "Riverside Pharmacy, Ashford already has 10 NHSmail accounts. The NAS team will look at adding Sam Lee and reply to you.",
		Reasons: []string{string(domain.SiteAccountLimit)}}
	return map[string]Message{
		"reply-all-done":    with(func(m *Message) { m.Requests = []Request{done} }),
		"reply-partly-done": with(func(m *Message) { m.Requests = []Request{done, rejected, review} }),
		"reply-none-done":   with(func(m *Message) { m.Requests = []Request{rejected} }),
		"reply-in-review":   with(func(m *Message) { m.Requests = []Request{review} }),
		"reply-list-accounts": with(func(m *Message) {
			m.Requests = []Request{{What: "List accounts", Outcome: "done",
				Summary: "Riverside Pharmacy, Ashford has 2 of its 10 accounts in use (leavers do not count). The list is below.",
				Listing: &Listing{Accounts: []ListedAccount{
					{Name: "Amelia Hart", Address: "amelia.hart@nhs.net", Access: "owner", Status: "active",
						LastSignIn: "27 February 2026", Mobile: "07*** ***101", OldAddresses: []string{"amelia.jones@nhs.net"}},
					{Name: "Daniel Okafor", Address: "daniel.okafor@nhs.net", Access: "not linked to the shared mailbox",
						Status: "leaver: the account will be deleted after 1 April 2026", LastSignIn: "never", Mobile: "07*** ***112"},
				}}}}
		}),
		"access_review": with(func(m *Message) {
			m.Tag, m.Subject = "", "Who has access to Riverside Pharmacy, Ashford's shared mailbox"
			m.Listing = &Listing{InUse: 2, Limit: 10, Accounts: []ListedAccount{
				{Name: "Amelia Hart", Address: "amelia.hart@nhs.net", Access: "owner", Status: "inactive",
					LastSignIn: "2 January 2026", Mobile: "07*** ***101",
					Note: "an owner whose own account is inactive: does the mailbox have an owner who uses it?"},
				{Name: "Daniel Okafor", Address: "daniel.okafor@nhs.net", Access: "member", Status: "active",
					LastSignIn: "27 February 2026", Mobile: "07*** ***112"},
			}}
		}),
		"digest": with(func(m *Message) {
			m.Tag, m.Organisation, m.Subject = "", "", "NAS request service: Thursday 3 December 2026"
			m.Digest = &Digest{Day: "Thursday 3 December 2026", Emails: 42, Requests: 51, Automatic: 44, Review: 4,
				Rejected: 3, Unproven: 2, Unreadable: 1, Ignored: 5, Open: 9, Overdue: 2, Target: "1 day",
				DeskURL: "https://nas-desk.example/"}
		}),
		"reply-capped": with(func(m *Message) { m.Requests = []Request{done}; m.Capped = true }),
		"unparseable-format-lesson": with(func(m *Message) {
			m.Unrecognised = []string{"Name Jane Smith", "Mob 07*** ***123"}
			m.GuideURL = "https://nas.example/guide"
		}),
		"notice": with(func(m *Message) {
			m.Subject = NoticeSubject
			m.Arrived, m.Mailbox = "4 December 2026 at 16:40 UTC", "pharmacy.fa123@nhs.net"
		}),
		"refusal-too-large": with(func(m *Message) { m.Failure = "Your email is larger than we can accept." }),
		"refusal-too-many": with(func(m *Message) {
			m.Failure = "Your email has 51 requests, but we can only take 50 in one email."
			m.MaxRequests = 50
		}),
		"decision-approved": with(func(m *Message) {
			m.StaffDecision, m.StaffReason = "approved", "Agreed: your second site opens next month."
			m.Requests = []Request{done}
		}),
		"lifecycle-deleted-and-inactive": with(func(m *Message) {
			m.Tag, m.Subject = "", "Changes to NHSmail accounts at Riverside Pharmacy, Ashford"
			m.Deleted = []AccountChange{
				{Address: "john.doe@nhs.net", Why: "marked as a leaver, and not joined to another organisation within 30 days"},
				{Address: "sam.lee@nhs.net", Why: "not used in the 30 days after it became inactive"},
			}
			m.Inactive = []AccountChange{{Address: "jane.smith@nhs.net", Until: "31 March 2026"}}
		}),
		"lifecycle-inactive-only": with(func(m *Message) {
			m.Tag, m.Subject = "", "Changes to NHSmail accounts at Riverside Pharmacy, Ashford"
			m.Inactive = []AccountChange{{Address: "jane.smith@nhs.net", Until: "31 March 2026"},
				{Address: "sam.lee@nhs.net", Until: "31 March 2026"}}
		}),
		"decision-refused": with(func(m *Message) {
			m.StaffDecision, m.StaffReason = "refused", "Please remove a leaver first."
			m.Requests = []Request{{What: "Add user Sam Lee", Outcome: "rejected", Summary: "The NAS team could not approve this request."}}
		}),
	}
}

// ExampleTemplate names the template each example is for.
func ExampleTemplate(example string) string {
	for _, name := range Names {
		kind := name[:len(name)-len(".txt.tmpl")]
		if len(example) >= len(kind) && example[:len(kind)] == kind {
			return name
		}
	}
	return ""
}
