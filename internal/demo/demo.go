// Package demo holds the sample directory and inbox of `nasbot demo`: a few sites and the kind
// of mail their owners send, chosen to show each outcome (done, review, rejected, unparseable,
// unverified).
package demo

import (
	"embed"
	"io/fs"
	"regexp"
	"time"
)

//go:embed directory/*.csv inbox/*.eml
var files embed.FS

// Directory is the sample directory's files, for store.ImportDirectoryFiles.
func Directory() fs.FS {
	sub, err := fs.Sub(files, "directory")
	if err != nil {
		panic(err) // the folder is embedded: it is there
	}
	return sub
}

// Messages returns the sample request emails, in the order they arrive, dated a few minutes
// before now: the bot sends proven mail dated weeks ago to staff (stale_message), and the demo
// must show what it does with today's mail on any day it is run.
func Messages(now time.Time) ([][]byte, error) {
	entries, err := fs.ReadDir(files, "inbox") // sorted by name
	if err != nil {
		return nil, err
	}
	var mails [][]byte
	for i, e := range entries {
		b, err := fs.ReadFile(files, "inbox/"+e.Name())
		if err != nil {
			return nil, err
		}
		date := now.Add(-time.Duration(len(entries)-i) * time.Minute).Format(time.RFC1123Z)
		mails = append(mails, dateLine.ReplaceAll(b, []byte("Date: "+date)))
	}
	return mails, nil
}

// dateLine is the Date field of a sample mail (each is one line).
var dateLine = regexp.MustCompile(`(?m)^Date: [^\r\n]*`)
