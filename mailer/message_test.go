package mailer

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"nasbot/domain"
)

func TestBuildMessageFoldsLongReferences(t *testing.T) {
	o := reply(1, "alice@nhs.net")
	o.References = nil
	for i := range 12 {
		o.References = append(o.References, fmt.Sprintf("<a-rather-long-message-id-%02d@mail.example.nhs.uk>", i))
	}
	m, err := BuildMessage(o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(buf.String(), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if len(line) > 78 {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
	r, err := gomail.CreateReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := r.Header.MsgIDList("References")
	if err != nil || len(refs) != 12 || refs[11] != "a-rather-long-message-id-11@mail.example.nhs.uk" {
		t.Errorf("References round trip = %q, %v", refs, err)
	}
}

func TestBuildMessageInputs(t *testing.T) {
	base := reply(1, "alice@nhs.net")
	tests := []struct {
		name    string
		edit    func(*domain.Outgoing)
		wantErr bool
		check   func(t *testing.T, h gomail.Header)
	}{
		{name: "ids without brackets get them", edit: func(o *domain.Outgoing) {
			o.MessageID, o.InReplyTo = "r1@nas.test", "q1@nhs.net"
		}, check: func(t *testing.T, h gomail.Header) {
			if got := h.Get("Message-Id"); got != "<r1@nas.test>" {
				t.Errorf("Message-ID = %q", got)
			}
			if got := h.Get("In-Reply-To"); got != "<q1@nhs.net>" {
				t.Errorf("In-Reply-To = %q", got)
			}
		}},
		{name: "no references: in-reply-to stands in (RFC 5322 3.6.4)", edit: func(o *domain.Outgoing) {
			o.References = nil
		}, check: func(t *testing.T, h gomail.Header) {
			if got := h.Get("References"); got != "<req-1@nhs.net>" {
				t.Errorf("References = %q", got)
			}
		}},
		{name: "new thread: no in-reply-to, no references", edit: func(o *domain.Outgoing) {
			o.InReplyTo, o.References = "", nil
		}, check: func(t *testing.T, h gomail.Header) {
			if h.Has("In-Reply-To") || h.Has("References") {
				t.Errorf("threading headers on a new thread")
			}
		}},
		{name: "folded subject is unfolded", edit: func(o *domain.Outgoing) {
			o.Subject = "Re: a long\r\n subject\nX-Injected: yes"
		}, check: func(t *testing.T, h gomail.Header) {
			if h.Has("X-Injected") {
				t.Error("header injected through the subject")
			}
		}},
		{name: "non-ASCII subject is encoded", edit: func(o *domain.Outgoing) {
			o.Subject = "Re: Zoë’s account"
		}, check: func(t *testing.T, h gomail.Header) {
			if got, err := h.Subject(); err != nil || got != "Re: Zoë’s account" {
				t.Errorf("Subject = %q, %v", got, err)
			}
		}},
		{name: "reason codes go in X-NAS-Reasons", edit: func(o *domain.Outgoing) {
			o.Reasons = []string{"unknown_account", "site_account_limit"}
		}, check: func(t *testing.T, h gomail.Header) {
			if got := h.Get("X-NAS-Reasons"); got != "unknown_account, site_account_limit" {
				t.Errorf("X-NAS-Reasons = %q", got)
			}
		}},
		{name: "no reasons, no X-NAS-Reasons", edit: func(o *domain.Outgoing) { o.Reasons = nil },
			check: func(t *testing.T, h gomail.Header) {
				if h.Has("X-NAS-Reasons") {
					t.Errorf("X-NAS-Reasons = %q on a mail with no reasons", h.Get("X-NAS-Reasons"))
				}
			}},
		{name: "only codes reach X-NAS-Reasons", edit: func(o *domain.Outgoing) {
			o.Reasons = []string{"auth_failed", "x\r\nBcc: y@z", "Not A Code"}
		}, check: func(t *testing.T, h gomail.Header) {
			if got := h.Get("X-NAS-Reasons"); got != "auth_failed" || h.Has("Bcc") {
				t.Errorf("X-NAS-Reasons = %q, Bcc %q", got, h.Get("Bcc"))
			}
		}},
		{name: "empty message-id", edit: func(o *domain.Outgoing) { o.MessageID = "" }, wantErr: true},
		{name: "message-id with a space", edit: func(o *domain.Outgoing) { o.MessageID = "<a b@c>" }, wantErr: true},
		{name: "bad references are left out, and the reply still goes", edit: func(o *domain.Outgoing) {
			o.InReplyTo = "no-at-sign"
			o.References = []string{"<x\r\nBcc: y@z>", "<good@example.test>", "plain"}
		}, check: func(t *testing.T, h gomail.Header) {
			if h.Has("Bcc") || h.Has("In-Reply-To") {
				t.Errorf("In-Reply-To %q Bcc %q", h.Get("In-Reply-To"), h.Get("Bcc"))
			}
			if got := h.Get("References"); got != "<good@example.test>" {
				t.Errorf("References = %q", got)
			}
		}},
		{name: "bad to", edit: func(o *domain.Outgoing) { o.To = "not an address" }, wantErr: true},
		{name: "quoted local part holding a second address", edit: func(o *domain.Outgoing) {
			o.To = `"eve@nhs.net,pharmacy.x"@nhs.net`
		}, wantErr: true},
		{name: "unquoted local part holding a second address", edit: func(o *domain.Outgoing) {
			o.To = "eve@nhs.net,pharmacy.x@nhs.net"
		}, wantErr: true},
		{name: "tag with newline", edit: func(o *domain.Outgoing) { o.Tag = "NAS-1\r\nBcc: x@y" }, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			tc.edit(&o)
			m, err := BuildMessage(o)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := m.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			r, err := gomail.CreateReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r.Header)
		})
	}
}

func TestRetryDelay(t *testing.T) {
	want := []string{"1m0s", "2m0s", "4m0s", "8m0s", "16m0s", "32m0s", "1h0m0s", "1h0m0s"}
	for i, w := range want {
		if got := DefaultRetry.Delay(i).String(); got != w {
			t.Errorf("DefaultRetry.Delay(%d) = %s, want %s", i, got, w)
		}
	}
	if DefaultRetry.Delay(1000) != time.Hour || DefaultRetry.Delay(-1) != time.Minute {
		t.Error("DefaultRetry.Delay out of range")
	}
	// A test's or an operator's own policy: seconds, not minutes.
	fast := RetryPolicy{First: 2 * time.Second, Max: 5 * time.Second}.orDefault()
	if fast.Delay(0) != 2*time.Second || fast.Delay(1) != 4*time.Second || fast.Delay(2) != 5*time.Second || fast.AfterOutage != time.Minute {
		t.Errorf("policy %+v: delays %v %v %v", fast, fast.Delay(0), fast.Delay(1), fast.Delay(2))
	}
}
