package domain

// The words people read for request types and outcomes: in replies, on the desk and in the
// owners' guide. One place, so that "Add user" is never "New user" on another page and "Done" is
// never "done" or "Completed". Reason codes are for machines and never shown to owners.

// RequestNames are the request types as the guide names them (its first accepted word).
var RequestNames = map[RequestType]string{
	AddUser:           "Add user",
	AddToMailbox:      "Add to shared mailbox",
	RemoveFromMailbox: "Remove from shared mailbox",
	ChangeRole:        "Change role",
	Leaver:            "Leaver",
	Joiner:            "Joiner",
	ChangeName:        "Name change",
	CloseMailbox:      "Close shared mailbox",
	RegisterMailbox:   "Register shared mailbox",
	PasswordReset:     "Password reset",
	ODSChange:         "ODS change",
	ListAccounts:      "List accounts",
	Unknown:           "Unknown request",
}

// RequestName is the name of a request type; the type itself when it has none.
func RequestName(t RequestType) string {
	if n, ok := RequestNames[t]; ok {
		return n
	}
	return string(t)
}

// OutcomeWords are the outcomes as owners and staff read them.
var OutcomeWords = map[Outcome]string{
	Done:     "Done",
	Rejected: "Not done",
	Review:   "Passed to the NAS team",
}

// OutcomeWord is the word for an outcome; the outcome itself when it has none.
func OutcomeWord(o Outcome) string {
	if w, ok := OutcomeWords[o]; ok {
		return w
	}
	return string(o)
}
