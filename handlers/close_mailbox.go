package handlers

import (
	"fmt"

	"nasbot/domain"
)

// closeMailbox closes the sending site's shared mailbox when a community pharmacy changes
// ownership: every link to it is removed, the site's accounts stay. Other sectors are refused
// (the guide's change-of-ownership section is for community pharmacy only). Only an owner may ask,
// and the request must come from the mailbox being closed: it always closes the sender's own.
func closeMailbox(r *request) (domain.Decision, error) {
	if r.site.Sector != domain.Pharmacy {
		return rejected("", domain.SectorNotApplicable, fmt.Sprintf(
			"Closing a shared mailbox through the NAS is only for a community pharmacy whose ownership is "+
				"changing, and %s is a %s, so nothing was changed. Please call the national helpdesk on "+
				"0333 200 1133 to discuss your mailbox.", siteName(r.site), sectorWords(r.site.Sector))), nil
	}
	if r.site.Status == domain.StatusClosed {
		return done("", fmt.Sprintf("The shared mailbox of %s is already closed; nothing was changed.",
			siteName(r.site))), nil
	}
	return done("", fmt.Sprintf("The shared mailbox of %s is closed and nobody has access to it any more. "+
		"The staff's own NHSmail accounts are not deleted: anyone who is not staying should be marked as a "+
		"leaver. The new contractor registers a new shared mailbox under their new ODS code.", siteName(r.site)),
		domain.CloseSharedMailbox{ODS: r.site.ODS}), nil
}
