package parser

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
)

func TestEnvelopeTricks(t *testing.T) {
	e := Parse(readFixture(t, "envelope-tricks.eml"), Options{}).Envelope
	want := domain.Envelope{
		MessageID:     "<Trick.1@Example.Test>",
		InReplyTo:     "<parent@example.test>",
		References:    []string{"<a@x.test>", "<b@x.test>", "<c@x.test>", "<d@x.test>"},
		Subject:       "Café and naïve requests",
		Date:          time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
		From:          nil, // two mailboxes: no single reading
		HeaderProblem: "From names more than one mailbox; it must name exactly one",
		Sender:        &domain.Address{Name: "Kofi Mensah", Address: "kofi.mensah@nhs.net"},
		ReplyTo:       []domain.Address{{Name: "pharmacy.fx4l9@nhs.net", Address: "x@evil.example"}}, // unquoted "@" in the name
		AutoSubmitted: "auto-replied",
		Precedence:    "bulk",
		ListID:        "Staff list <staff.list.example>",
		ReturnPath:    "<bounce@mailbox.example>",
		HasReturnPath: true,
		ContentType:   "text/plain",
	}
	gotHeaders := e.Headers
	e.Headers = nil
	if !e.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", e.Date, want.Date)
	}
	e.Date = want.Date
	if !reflect.DeepEqual(e, want) {
		t.Errorf("envelope:\n got %+v\nwant %+v", e, want)
	}
	var keys []string
	for _, h := range gotHeaders {
		keys = append(keys, h.Key)
	}
	wantKeys := []string{"Return-Path", "Return-Path", "Received", "From", "Sender", "Reply-To", "Subject",
		"Message-Id", "In-Reply-To", "References", "Date", "Auto-Submitted", "Precedence", "List-Id", "Content-Type"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("header keys %q, want %q", keys, wantKeys)
	}
	if got := gotHeaders[2].Value; got != "from a.example by mx.nas.test; Mon, 2 Mar 2026 08:00:01 +0000" {
		t.Errorf("Received unfolded to %q", got)
	}
}

func TestEnvelopeFields(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		check func(t *testing.T, m *domain.Message)
	}{
		{
			"bad From keeps the rest",
			"From: <<<@@@\r\nSubject: still here\r\nDate: not a date\r\nMessage-ID: no-brackets@x\r\n\r\nRequest: Leaver\r\nAccount: a@nhs.net\r\n",
			func(t *testing.T, m *domain.Message) {
				if m.Envelope.Subject != "still here" || !m.Envelope.Date.IsZero() || m.Envelope.MessageID != "no-brackets@x" {
					t.Errorf("envelope %+v", m.Envelope)
				}
				if len(m.Requests) != 1 {
					t.Errorf("requests %d", len(m.Requests))
				}
			},
		},
		{
			"bounce return path",
			"Return-Path: <>\r\nFrom: MAILER-DAEMON@x.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@b.example\r\n\r\nRequest: Leaver\r\nAccount: a@nhs.net\r\n--b--\r\n",
			func(t *testing.T, m *domain.Message) {
				e := m.Envelope
				if e.ReturnPath != "<>" || !e.HasReturnPath || e.ContentType != "multipart/report" || !m.IsReport {
					t.Errorf("envelope %+v report %v", e, m.IsReport)
				}
				if len(m.Requests) != 0 || len(m.Attachments) != 1 || m.Attachments[0].ContentType != "message/rfc822" {
					t.Errorf("requests %d attachments %+v", len(m.Requests), m.Attachments)
				}
			},
		},
		{
			"no return path, no content type",
			"From: a@b.example\n\nhello\n",
			func(t *testing.T, m *domain.Message) {
				if m.Envelope.HasReturnPath || m.Envelope.ContentType != "text/plain" || m.Text != "hello\n" {
					t.Errorf("envelope %+v text %q", m.Envelope, m.Text)
				}
			},
		},
		{
			"a malformed line is read past, as an MTA reads, and refuses the header",
			"From: a@b.example\r\nthis is not a field\r\nSubject: in the body\r\n\r\nmore\r\n",
			func(t *testing.T, m *domain.Message) {
				if m.Envelope.Subject != "in the body" || len(m.Envelope.Headers) != 2 {
					t.Errorf("headers %+v", m.Envelope.Headers)
				}
				if m.Text != "more\n" {
					t.Errorf("text %q", m.Text)
				}
				if !strings.Contains(m.Envelope.HeaderProblem, "line 2 of the header is not a header field") {
					t.Errorf("problem %q", m.Envelope.HeaderProblem)
				}
			},
		},
		{
			"header only",
			"From: a@b.example\r\nSubject: x",
			func(t *testing.T, m *domain.Message) {
				if m.Envelope.Subject != "x" || m.Text != "" {
					t.Errorf("%+v %q", m.Envelope, m.Text)
				}
			},
		},
		{
			"8-bit Windows-1252 header",
			"From: \"Caf\xe9 Pharmacy\" <pharmacy.fa123@nhs.net>\r\nSubject: r\xe9sum\xe9\r\n\r\n",
			func(t *testing.T, m *domain.Message) {
				if m.Envelope.Subject != "résumé" || len(m.Envelope.From) != 1 || m.Envelope.From[0].Name != "Café Pharmacy" {
					t.Errorf("%+v", m.Envelope)
				}
			},
		},
		{
			"several From mailboxes and a group",
			"From: a@nhs.net, \"B\" <B@NHS.NET>\r\nReply-To: undisclosed-recipients:;\r\n\r\n",
			func(t *testing.T, m *domain.Message) {
				if len(m.Envelope.From) != 0 || len(m.Envelope.ReplyTo) != 0 {
					t.Errorf("From %+v ReplyTo %+v", m.Envelope.From, m.Envelope.ReplyTo)
				}
				if !strings.Contains(m.Envelope.HeaderProblem, "From names more than one mailbox") {
					t.Errorf("problem %q", m.Envelope.HeaderProblem)
				}
				if m.Envelope.FromAddress() != "" {
					t.Errorf("FromAddress with two mailboxes = %q", m.Envelope.FromAddress())
				}
			},
		},
		{
			"references without brackets",
			"References: a@x b@x,c@x\r\nIn-Reply-To: <p@x> <q@x>\r\n\r\n",
			func(t *testing.T, m *domain.Message) {
				if !reflect.DeepEqual(m.Envelope.References, []string{"a@x", "b@x", "c@x"}) || m.Envelope.InReplyTo != "<p@x>" {
					t.Errorf("%q %q", m.Envelope.References, m.Envelope.InReplyTo)
				}
			},
		},
		{
			"lenient date",
			"Date: Mon, 2 Mar 2026 08:00 +0000\r\n\r\n",
			func(t *testing.T, m *domain.Message) {
				if !m.Envelope.Date.Equal(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)) {
					t.Errorf("%v", m.Envelope.Date)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, Parse([]byte(tt.raw), Options{}))
		})
	}
}

func TestParseEnvelopeMatchesParse(t *testing.T) {
	raw := readFixture(t, "typical-outlook.eml")
	a := ParseEnvelope(raw)
	b := Parse(raw, Options{}).Envelope
	if !reflect.DeepEqual(a, b) {
		t.Errorf("ParseEnvelope differs from Parse")
	}
	if a.FromAddress() != "care.vq3356@nhs.net" || a.ContentType != "multipart/alternative" {
		t.Errorf("%+v", a)
	}
	// Authentication-Results stands above the trusted Received line, in order.
	if a.Headers[1].Key != "Authentication-Results" || a.Headers[2].Key != "Received" {
		t.Errorf("header order %q %q", a.Headers[1].Key, a.Headers[2].Key)
	}
}
