// Package demo holds the sample directory and inbox of `nasbot demo`: a few sites and the kind
// of mail their owners send, chosen to show each outcome (done, review, rejected, unparseable,
// unverified).
package demo

import (
	"embed"
	"io/fs"
)

//go:embed directory/*.csv inbox/*.eml
var files embed.FS

// Directory returns organisations.csv and accounts.csv.
func Directory() (organisations, accounts fs.File, err error) {
	if organisations, err = files.Open("directory/organisations.csv"); err != nil {
		return nil, nil, err
	}
	accounts, err = files.Open("directory/accounts.csv")
	return organisations, accounts, err
}

// Inbox returns the sample request emails, in the order they arrive.
func Inbox() ([][]byte, error) {
	entries, err := fs.ReadDir(files, "inbox") // sorted by name
	if err != nil {
		return nil, err
	}
	var mails [][]byte
	for _, e := range entries {
		b, err := fs.ReadFile(files, "inbox/"+e.Name())
		if err != nil {
			return nil, err
		}
		mails = append(mails, b)
	}
	return mails, nil
}
