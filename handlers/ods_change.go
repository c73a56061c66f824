package handlers

import "nasbot/domain"

// ODSHelpdesk is where changes to ODS details (organisation name, parent organisation) go.
const ODSHelpdesk = "exeter.helpdesk@nhs.net"

// odsChange always points elsewhere: ODS details are kept by the ODS team, not the NAS.
func odsChange(r *request) (domain.Decision, error) {
	return rejected(r.req.Account, domain.ODSChangeRedirect,
		"Changes to ODS details, such as the organisation's name or parent organisation, are made by the "+
			"ODS team, not by NHSmail. Please email "+ODSHelpdesk+" with the change."), nil
}
