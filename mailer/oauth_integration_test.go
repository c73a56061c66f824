package mailer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"golang.org/x/oauth2"

	"nasbot/internal/testenv"
)

// OAuth 2.0 end to end against the real Dovecot and Exim: the test runs the authorization
// server (testenv.OAuthIdP: token endpoint and the RFC 7662 introspection endpoint that both
// mail servers ask), the bot gets its token by client credentials, and logs in with it.

// oauthEnv is a fresh mailbox, an app registered for it, and the bot's token source.
type oauthEnv struct {
	m        testenv.Mail
	idp      *testenv.IdP
	nas      string
	clientID string
	tokens   *TokenSource
}

func newOAuthEnv(t *testing.T) *oauthEnv {
	t.Helper()
	m := testenv.MailServers(t)
	idp := m.OAuthIdP(t)
	nas := m.NewAddress(t, "nas.test")
	id, secret := idp.NewClient(nas, ExchangeOnlineScope, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ts, err := NewClientCredentialsSource(ctx, ClientCredentials{
		TokenURL:     idp.TokenURL,
		ClientID:     id,
		ClientSecret: secret,
		Scopes:       []string{ExchangeOnlineScope},
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return &oauthEnv{m: m, idp: idp, nas: nas, clientID: id, tokens: ts}
}

func (e *oauthEnv) intake(t *testing.T, ledger *memLedger, auth Auth) *Intake {
	t.Helper()
	// No user or password in the URL: the Auth logs in.
	in, err := NewIntake(IMAPConfig{URL: "imap://" + e.m.IMAPAddr + "/INBOX", Auth: auth}, ledger, testLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestIntegrationIntakeOAuthDovecot(t *testing.T) {
	for _, mech := range []string{MechXOAuth2, MechOAuthBearer} {
		t.Run(mech, func(t *testing.T) {
			e := newOAuthEnv(t)
			imapAppend(t, e.m, e.nas, "INBOX", request(1))
			ledger := newMemLedger()
			in := e.intake(t, ledger, OAuth2Auth{Username: e.nas, Tokens: e.tokens, Mechanism: mech})

			if n, err := in.PollOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("PollOnce = %d, %v; want 1, nil", n, err)
			}
			if rows := ledger.snapshot(); len(rows) != 1 || string(rows[0].Raw) != string(request(1)) {
				t.Fatalf("ledger has %d rows", len(rows))
			}
			tokens := e.idp.Tokens(e.clientID)
			if len(tokens) != 1 || e.idp.Introspected(tokens[0]) != 1 {
				t.Fatalf("tokens issued %d; want 1, introspected once by Dovecot", len(tokens))
			}

			// A second connection presents the cached token: no new grant.
			imapAppend(t, e.m, e.nas, "INBOX", request(2))
			if n, err := in.PollOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("second PollOnce = %d, %v; want 1, nil", n, err)
			}
			if g, n := e.idp.Grants(e.clientID), e.idp.Introspected(tokens[0]); g != 1 || n != 2 {
				t.Errorf("after two connections: %d grants, token introspected %d times; want 1, 2", g, n)
			}
		})
	}
}

func TestIntegrationIntakeOAuthRefused(t *testing.T) {
	e := newOAuthEnv(t)
	imapAppend(t, e.m, e.nas, "INBOX", request(1))
	ledger := newMemLedger()
	in := e.intake(t, ledger, OAuth2Auth{Username: e.nas, Tokens: e.tokens})
	if n, err := in.PollOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("PollOnce = %d, %v; want 1, nil", n, err)
	}
	first := e.idp.Tokens(e.clientID)[0]

	refused := func(t *testing.T, in *Intake) {
		t.Helper()
		n, err := in.PollOnce(context.Background())
		var ie *imap.Error
		if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeAuthenticationFailed || n != 0 {
			t.Fatalf("PollOnce = %d, %v; want NO [AUTHENTICATIONFAILED]", n, err)
		}
		if strings.Contains(err.Error(), "tok-") {
			t.Errorf("the error shows the token: %v", err)
		}
		t.Logf("refused: %v", err)
	}

	t.Run("revoked token", func(t *testing.T) {
		e.idp.Revoke(first)
		imapAppend(t, e.m, e.nas, "INBOX", request(2))
		refused(t, in)
		// The refusal dropped the cached token: the next connection gets a new one and works.
		if n, err := in.PollOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("PollOnce after the refusal = %d, %v; want 1, nil (with a new token)", n, err)
		}
		if g := e.idp.Grants(e.clientID); g != 2 {
			t.Errorf("%d grants, want 2", g)
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		refused(t, e.intake(t, newMemLedger(), OAuth2Auth{Username: e.nas, Tokens: oauth2.StaticTokenSource(
			&oauth2.Token{AccessToken: "never-issued", TokenType: "Bearer"})}))
	})
	t.Run("another mailbox's token", func(t *testing.T) {
		other := e.m.NewAddress(t, "nas.test")
		id, secret := e.idp.NewClient(other, "", time.Hour)
		ts, err := NewClientCredentialsSource(context.Background(),
			ClientCredentials{TokenURL: e.idp.TokenURL, ClientID: id, ClientSecret: secret}, nil)
		if err != nil {
			t.Fatal(err)
		}
		refused(t, e.intake(t, newMemLedger(), OAuth2Auth{Username: e.nas, Tokens: ts}))
	})
	t.Run("password login still works", func(t *testing.T) {
		e.m.Login(t, e.nas)
	})
}

func TestIntegrationSenderOAuthExim(t *testing.T) {
	for _, mech := range []string{MechXOAuth2, MechOAuthBearer} {
		t.Run(mech, func(t *testing.T) {
			e := newOAuthEnv(t)
			to := e.m.NewAddress(t, "nhs.net")
			outbox := &memOutbox{}
			o := reply(1, to)
			o.From = e.nas
			outbox.add(o)
			clock := &fakeClock{t: time.Now()}
			sender := func(tokens oauth2.TokenSource) *OutboxSender {
				s, err := NewSender(SMTPConfig{URL: "smtp://" + e.m.SMTPAddr,
					OAuth2: &OAuth2Auth{Username: e.nas, Tokens: tokens, Mechanism: mech}}, outbox, testLogger(t), clock.now)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			// A token Exim's introspection does not know fails the connection: proof that
			// AUTH is really checked.
			bad := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "never-issued"})
			if sent, err := sender(bad).SendOnce(context.Background()); err == nil || sent != 0 {
				t.Fatalf("SendOnce with an unknown token = %d, %v; want an error", sent, err)
			} else {
				t.Logf("refused: %v", err)
			}
			clock.advance(DefaultRetry.AfterOutage)
			if sent, err := sender(e.tokens).SendOnce(context.Background()); err != nil || sent != 1 {
				t.Fatalf("SendOnce with a client-credentials token = %d, %v; want 1, nil", sent, err)
			}
			if toks := e.idp.Tokens(e.clientID); len(toks) != 1 || e.idp.Introspected(toks[0]) != 1 {
				t.Errorf("tokens %d; want 1, introspected once by Exim", len(toks))
			}
			deadline := time.Now().Add(15 * time.Second)
			for len(imapMessages(t, e.m, to, "INBOX")) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("reply sent with OAuth did not arrive")
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
}
