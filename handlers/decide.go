package handlers

import (
	"fmt"
	"strings"

	"nasbot/domain"
)

// handler decides one request type. The checks every type shares (parser problems, who may ask,
// the block's ODS code, the owner's Requested by line) have run before decide is called.
type handler struct {
	decide func(r *request) (domain.Decision, error)
	// anyone: the answer is the same whoever asks (ods_change only points elsewhere).
	anyone bool
	// personal: a verified personal account may ask this about its own account.
	personal bool
	// newODS: the block's ODS code names a new site, so ods_mismatch does not apply.
	newODS bool
}

// registry chooses the handler by request type (docs/spec/requests.md). A type missing from it is
// answered unknown_request.
var registry = map[domain.RequestType]handler{
	domain.AddUser:           {decide: addUser},
	domain.AddToMailbox:      {decide: addToMailbox},
	domain.RemoveFromMailbox: {decide: removeFromMailbox},
	domain.ChangeRole:        {decide: changeRole},
	domain.Leaver:            {decide: leaver, personal: true},
	domain.Joiner:            {decide: joiner},
	domain.ChangeName:        {decide: changeName, personal: true},
	domain.CloseMailbox:      {decide: closeMailbox},
	domain.RegisterMailbox:   {decide: registerMailbox, newODS: true},
	domain.PasswordReset:     {decide: passwordReset},
	domain.ODSChange:         {decide: odsChange, anyone: true},
	domain.ListAccounts:      {decide: listAccounts},
}

// request is one request with what its handler may read.
type request struct {
	ctx Context
	req domain.Request
	dir Directory
	// site is the organisation the request is about: the sending shared mailbox's site, read
	// afresh from the directory (earlier requests of the same email may have changed it), or the
	// site of the personal account that sent it.
	site domain.Organisation
	// self is the sending personal account when it asks about itself; nil for shared mailboxes.
	self *domain.Account
}

// Decide applies the NAS rules (docs/spec/rules.md) to one parsed request. It is pure: it reads the
// directory through dir, takes the time from ctx.Now, and returns a Decision whose Effects the
// store applies. Rejected and review decisions carry no Effects. The error is only ever the
// directory's.
func Decide(ctx Context, req domain.Request, dir Directory) (domain.Decision, error) {
	d, err := decide(ctx, req, dir)
	if err != nil {
		return domain.Decision{}, err
	}
	// An old address (an alias) is reported as the account's current one (docs/spec/requests.md "Readings
	// decided"); add_user's and register_mailbox's Account is a new address, not looked up.
	if d.Account != "" && req.Type != domain.AddUser && req.Type != domain.RegisterMailbox {
		if acct, ok, err := dir.Account(strings.ToLower(d.Account)); err != nil {
			return domain.Decision{}, fmt.Errorf("handlers: account %s: %w", d.Account, err)
		} else if ok {
			d.Account = acct.Address
		}
	}
	return d, nil
}

func decide(ctx Context, req domain.Request, dir Directory) (domain.Decision, error) {
	if d, err := closedSender(ctx, req, dir); err != nil || d != nil {
		return deref(d), err
	}
	if req.HasProblems() {
		return problems(req), nil
	}
	h, ok := registry[req.Type]
	if !ok {
		return rejected(req.Account, domain.UnknownRequest, unknownSummary(req)), nil
	}
	if h.anyone {
		return h.decide(&request{ctx: ctx, req: req, dir: dir})
	}

	r, refusal, err := sender(ctx, req, dir, h)
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	if !h.newODS && req.ODS != "" && !strings.EqualFold(req.ODS, r.site.ODS) {
		return rejected(req.Account, domain.ODSMismatch, fmt.Sprintf(
			"This request gives the ODS code %s, but it came from the shared mailbox of %s (ODS code %s). "+
				"Please send requests for %s from that site's own shared mailbox.",
			req.ODS, siteName(r.site), r.site.ODS, req.ODS)), nil
	}
	// On the desk, a site closed since the mail came has no owner left (closing removes every
	// link): the owner was checked when the mail came.
	deskClosed := ctx.Desk && r.site.Status == domain.StatusClosed
	// Who must be an owner is domain.Request.OwnerOnly's to say (docs/spec/rules.md "Who may ask").
	if req.OwnerOnly() && r.self == nil && !deskClosed {
		owner, err := isActiveOwner(dir, r.site.ODS, req.RequestedBy)
		if err != nil {
			return domain.Decision{}, err
		}
		if !owner {
			return rejected(req.Account, domain.NotOwner, notOwnerSummary(req, r.site)), nil
		}
	}
	return h.decide(r)
}

// sender works out who asks: the sending site's shared mailbox, or a verified personal account
// asking about itself (its own name change or leaver, and nothing else). A non-nil Decision is
// the refusal.
func sender(ctx Context, req domain.Request, dir Directory, h handler) (*request, *domain.Decision, error) {
	r := &request{ctx: ctx, req: req, dir: dir}
	if ctx.Site != nil {
		org, ok, err := dir.Organisation(strings.ToUpper(ctx.Site.ODS))
		if err != nil {
			return nil, nil, fmt.Errorf("handlers: organisation %s: %w", ctx.Site.ODS, err)
		}
		if !ok {
			org = *ctx.Site
		}
		r.site = org
		return r, nil, nil
	}
	if ctx.SenderAccount != nil && h.personal && req.Account != "" {
		acct, ok, err := dir.Account(strings.ToLower(req.Account))
		if err != nil {
			return nil, nil, fmt.Errorf("handlers: account %s: %w", req.Account, err)
		}
		// The sender may be known by an old address (an alias): compare the accounts, not the strings.
		sender, senderOK, err := dir.Account(strings.ToLower(ctx.SenderAccount.Address))
		if err != nil {
			return nil, nil, fmt.Errorf("handlers: account %s: %w", ctx.SenderAccount.Address, err)
		}
		if ok && senderOK && acct.Address == sender.Address {
			org, found, err := dir.Organisation(strings.ToUpper(acct.ODS))
			if err != nil {
				return nil, nil, fmt.Errorf("handlers: organisation %s: %w", acct.ODS, err)
			}
			if !found {
				org = domain.Organisation{ODS: acct.ODS}
			}
			r.site, r.self = org, &acct
			return r, nil, nil
		}
	}
	d := rejected(accountFor(req), domain.NotSharedMailbox, notSharedSummary(ctx))
	return nil, &d, nil
}

// closedSender refuses every request from a shared mailbox that has been closed: it is no
// longer a sender (docs/spec/verification.md "Sites that have closed"), whatever it asks, so nothing in
// the mail is read further. The site is read afresh, so requests after a close_mailbox in the
// same email are refused too.
func closedSender(ctx Context, req domain.Request, dir Directory) (*domain.Decision, error) {
	if ctx.Site == nil || ctx.Desk {
		return nil, nil
	}
	org, ok, err := dir.Organisation(strings.ToUpper(ctx.Site.ODS))
	if err != nil {
		return nil, fmt.Errorf("handlers: organisation %s: %w", ctx.Site.ODS, err)
	}
	if !ok {
		org = *ctx.Site
	}
	if org.Status != domain.StatusClosed {
		return nil, nil
	}
	mailbox := org.Mailbox
	if mailbox == "" {
		mailbox = "this shared mailbox"
	}
	d := rejected(accountFor(req), domain.MailboxClosed, fmt.Sprintf(
		"The shared mailbox %s of %s has been closed, so requests from it are no longer acted on and "+
			"nothing was changed. If the site has a new owner, the new contractor registers a new shared "+
			"mailbox under their own ODS code. For anything else, please contact the NHSmail National "+
			"Administration Service (NAS) through the national helpdesk on 0333 200 1133.",
		mailbox, siteName(org)))
	return &d, nil
}

// isActiveOwner reports whether the person named by Requested by is an active owner of the site.
func isActiveOwner(dir Directory, ods string, p *domain.Person) (bool, error) {
	if p == nil || p.Address == "" {
		return false, nil
	}
	acct, ok, err := dir.Account(strings.ToLower(p.Address))
	if err != nil {
		return false, fmt.Errorf("handlers: account %s: %w", p.Address, err)
	}
	if !ok {
		return false, nil
	}
	return strings.EqualFold(acct.ODS, ods) && acct.Status == domain.StatusActive && acct.Role == domain.RoleOwner, nil
}

// problems rejects a request the parser could not use, with the Problems' reasons in order.
func problems(req domain.Request) domain.Decision {
	reasons := make([]domain.Reason, 0, len(req.Problems))
	details := make([]string, 0, len(req.Problems))
	for _, p := range req.Problems {
		if !containsReason(reasons, p.Reason) {
			reasons = append(reasons, p.Reason)
		}
		if d := strings.TrimSpace(p.Detail); d != "" {
			details = append(details, strings.TrimRight(d, "."))
		}
	}
	summary := "We could not read this request, so nothing was changed."
	if len(details) > 0 {
		summary += " " + strings.Join(details, ". ") + "."
	}
	if req.Type == domain.Unknown {
		summary = unknownSummary(req)
	}
	return domain.Decision{Outcome: domain.Rejected, Reasons: reasons, Account: accountFor(req), Summary: summary,
		Field: problemField(req.Problems)}
}

// problemField is the first field a parser Problem names.
func problemField(ps []domain.Problem) string {
	for _, p := range ps {
		if p.Field != "" {
			return p.Field
		}
	}
	return ""
}

func containsReason(rs []domain.Reason, r domain.Reason) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// accountFor is the Decision.Account of a refused request: the address its Account field names
// (add_user and register_mailbox name none; the address they would get is only given when the
// rules got that far).
func accountFor(req domain.Request) string {
	if req.Type == domain.AddUser || req.Type == domain.RegisterMailbox {
		return ""
	}
	return strings.ToLower(req.Account)
}

func unknownSummary(req domain.Request) string {
	word := strings.TrimSpace(req.Word)
	if word == "" {
		return "We do not know this request, so nothing was changed."
	}
	return fmt.Sprintf("We do not know the request %q, so nothing was changed.", word)
}

func notSharedSummary(ctx Context) string {
	if ctx.SenderAccount != nil {
		return "Requests must come from your site's shared mailbox. From your own NHSmail account you can " +
			"only ask to change your own name or to be marked as a leaver. Please ask a shared mailbox " +
			"owner to send this request from the shared mailbox."
	}
	return "Requests must come from your site's shared mailbox; this message did not come from one we know, " +
		"so nothing was changed."
}

func notOwnerSummary(req domain.Request, site domain.Organisation) string {
	what := "Only an owner of the shared mailbox can ask for this."
	if req.RequestedBy == nil || req.RequestedBy.Address == "" {
		return what + " Please add a line \"Requested by: Your Name (your.name@nhs.net)\" naming an owner of the " +
			"shared mailbox of " + siteName(site) + ", and send the request again."
	}
	who := req.RequestedBy.Address
	if n := strings.TrimSpace(req.RequestedBy.Name); n != "" {
		who = n + " (" + req.RequestedBy.Address + ")"
	}
	return fmt.Sprintf("%s %s is not an active owner of the shared mailbox of %s, so nothing was changed. "+
		"Please ask an owner to send the request, naming themselves in the Requested by line.",
		what, who, siteName(site))
}

// siteName is how a summary names a site: its display name, or its ODS code when unnamed.
func siteName(o domain.Organisation) string {
	switch {
	case o.Name != "" && o.Town != "":
		return o.DisplayName()
	case o.Name != "":
		return o.Name
	case o.ODS != "":
		return "ODS code " + o.ODS
	}
	return "your site"
}

func done(account, summary string, effects ...domain.Effect) domain.Decision {
	return domain.Decision{Outcome: domain.Done, Reasons: []domain.Reason{}, Account: account, Summary: summary, Effects: effects}
}

func rejected(account string, reason domain.Reason, summary string) domain.Decision {
	return domain.Decision{Outcome: domain.Rejected, Reasons: []domain.Reason{reason}, Account: account, Summary: summary}
}

// invalid refuses a request for a field whose value cannot be used; the field is named, as the
// parser names its own (docs/spec/requests.md "Readings decided": every invalid_field names its field).
func invalid(account, field, summary string) domain.Decision {
	d := rejected(account, domain.InvalidField, summary)
	d.Field = field
	return d
}

// missing refuses a request that lacks a field it needs, naming the field.
func missing(account, field, summary string) domain.Decision {
	d := rejected(account, domain.MissingField, summary)
	d.Field = field
	return d
}

func review(account string, reason domain.Reason, summary string) domain.Decision {
	return domain.Decision{Outcome: domain.Review, Reasons: []domain.Reason{reason}, Account: account, Summary: summary}
}

func deref(d *domain.Decision) domain.Decision {
	if d == nil {
		return domain.Decision{}
	}
	return *d
}
