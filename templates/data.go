package templates

// Message is the data every mail template gets.
type Message struct {
	Tag          string // NAS-000123
	Subject      string // the subject of the mail answered
	Organisation string // "Riverside Pharmacy, Ashford", or "" when the sender is not a site
	Requests     []Request
	// Unrecognised holds the sender's own lines that could not be read (unparseable mail).
	Unrecognised []string
	// Failure says in plain words why a message was refused (refusal).
	Failure string
	// Arrived and Mailbox are all a spoofing notice tells of the mail it is about: when it
	// arrived ("4 December 2026 at 16:40") and the shared mailbox on record it claimed. Nothing
	// the sender wrote is repeated, since the notice goes out under the NAS's name.
	Arrived string
	Mailbox string
	// GuideURL points to the request format guide.
	GuideURL string
	// StaffDecision is "approved" or "refused" in a staff decision mail; StaffReason is the
	// staff member's words to the sender.
	StaffDecision string
	StaffReason   string
	// MaxRequests is set when the mail held more requests than one email may: the reply asks
	// for several emails of at most this many.
	MaxRequests int
	// Capped is set on the last reply an address gets before the hourly cap holds the rest.
	Capped bool
	// Deleted and Inactive are what the lifecycle jobs did to the site's accounts (lifecycle
	// notice, which answers no request and has no Tag).
	Deleted  []AccountChange
	Inactive []AccountChange
	// Listing is the site's accounts in a quarterly access review (which answers no request).
	Listing *Listing
	// Digest is the day's figures in the daily digest to NAS staff.
	Digest *Digest
}

// Digest is yesterday at the desk, for NAS staff.
type Digest struct {
	Day                           string // "Thursday 3 December 2026"
	Emails, Requests              int
	Automatic, Review, Rejected   int // requests done with no staff, passed to staff, not done
	Unproven, Unreadable, Ignored int // emails
	Open, Overdue                 int // cases open now, and those older than Target
	Target                        string
	DeskURL                       string
}

// AccountChange is one account in a lifecycle notice, named by its address alone.
type AccountChange struct {
	Address string // jane.smith@nhs.net
	Why     string // why a deleted account was deleted, in plain words
	Until   string // the day an inactive account is deleted unless used: "31 March 2026"
}

// Request is one request's outcome in a reply.
type Request struct {
	What    string // "Add user Callum Reid"
	Line    int    // the line of the email its "Request:" line is on; 0 for a spreadsheet row
	Row     int    // the spreadsheet row, for a request from an attached CSV
	Outcome string // done, rejected, review
	Summary string // what was done or why not, in plain words
	// Reasons are reason codes, for machines: the X-NAS-Reasons header carries them, and the
	// text shows the glossary's sentence for each (advice), never the code.
	Reasons []string
	Ignored []string // the names of the fields we did not use ("Date of birth")
	Listing *Listing // the site's accounts, for a list_accounts request
}

// Listing is an access review: the site's accounts as its owners may see them.
type Listing struct {
	Accounts     []ListedAccount
	InUse, Limit int // places taken, of the site's limit
}

// ListedAccount is one account in a Listing, every value in words and the mobile masked.
type ListedAccount struct {
	Name, Address string
	Access        string   // "owner", "member" or "not linked to the shared mailbox"
	Status        string   // "active", "inactive (not used since 2 January 2026)", "leaver: …"
	LastSignIn    string   // "27 February 2026", or "never"
	Mobile        string   // 07*** ***123
	OldAddresses  []string // old addresses that still forward to it
	Note          string   // what an owner should look at, or ""
}

// Counts of outcomes, for the reply's opening line.
func (m Message) Count(outcome string) int {
	n := 0
	for _, r := range m.Requests {
		if r.Outcome == outcome {
			n++
		}
	}
	return n
}
