package mailer

import (
	"strings"
	"testing"
)

func TestParseIMAPURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    Endpoint
		wantErr bool
	}{
		{raw: "imap://requests%40nas.test:p%40ss@127.0.0.1:1143/INBOX",
			want: Endpoint{Addr: "127.0.0.1:1143", Host: "127.0.0.1", Security: SecurityNone, Username: "requests@nas.test", Password: "p@ss", Mailbox: "INBOX"}},
		{raw: "imap://requests@nas.test:pw@mail.example:143/NAS/Requests?starttls=1",
			want: Endpoint{Addr: "mail.example:143", Host: "mail.example", Security: SecurityStartTLS, Username: "requests@nas.test", Password: "pw", Mailbox: "NAS/Requests"}},
		{raw: "imaps://u:p@outlook.office365.com",
			want: Endpoint{Addr: "outlook.office365.com:993", Host: "outlook.office365.com", Security: SecurityTLS, Username: "u", Password: "p", Mailbox: "INBOX"}},
		{raw: "imap://u:p@[::1]/INBOX",
			want: Endpoint{Addr: "[::1]:143", Host: "::1", Security: SecurityNone, Username: "u", Password: "p", Mailbox: "INBOX"}},
		{raw: "pop3://u:p@host", wantErr: true},
		{raw: "imap:///INBOX", wantErr: true},
		{raw: "imap://u:p@host:x:y/", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseIMAPURL(tc.raw)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("ParseIMAPURL(%q) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
}

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    Endpoint
		wantErr bool
	}{
		{raw: "smtp://127.0.0.1:2525?tls=none",
			want: Endpoint{Addr: "127.0.0.1:2525", Host: "127.0.0.1", Security: SecurityNone}},
		{raw: "smtp://u%40x:pw@relay.example",
			want: Endpoint{Addr: "relay.example:25", Host: "relay.example", Security: SecurityOpportunistic, Username: "u@x", Password: "pw"}},
		{raw: "smtp://relay.example:587?tls=starttls",
			want: Endpoint{Addr: "relay.example:587", Host: "relay.example", Security: SecurityStartTLS}},
		{raw: "smtps://u:p@smtp.example",
			want: Endpoint{Addr: "smtp.example:465", Host: "smtp.example", Security: SecurityTLS, Username: "u", Password: "p"}},
		{raw: "smtp://relay?tls=maybe", wantErr: true},
		{raw: "http://relay", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseSMTPURL(tc.raw)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
}

func TestEndpointStringHidesPassword(t *testing.T) {
	e, err := ParseIMAPURL("imap://u:topsecret@h/INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if s := e.String(); s != "h:143 (none)" {
		t.Errorf("String() = %q", s)
	}
	if _, err := ParseIMAPURL("imap://u:topsecret@h:bad/"); err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error %v leaks the password", err)
	}
}
