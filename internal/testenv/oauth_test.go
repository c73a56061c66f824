package testenv

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestOAuthIdP(t *testing.T) {
	m := MailServers(t)
	p := m.OAuthIdP(t)
	if again := m.OAuthIdP(t); again != p {
		t.Fatal("a second OAuthIdP in the same binary is not the shared server")
	}
	const scope = "https://outlook.office365.com/.default"
	id, secret := p.NewClient("NAS@nas.test", scope, time.Hour)

	post := func(path string, form url.Values) (int, map[string]any) {
		t.Helper()
		resp, err := http.PostForm(p.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return resp.StatusCode, body
	}
	grant := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {scope}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range grant {
			f[key] = vs
		}
		f.Set(k, v)
		return f
	}

	for _, tt := range []struct {
		name   string
		form   url.Values
		status int
		err    string
	}{
		{"wrong grant", with("grant_type", "password"), 400, "unsupported_grant_type"},
		{"wrong secret", with("client_secret", "nope"), 401, "invalid_client"},
		{"unknown client", with("client_id", "nobody"), 401, "invalid_client"},
		{"wrong scope", with("scope", "openid"), 400, "invalid_scope"},
	} {
		if status, body := post("/token", tt.form); status != tt.status || body["error"] != tt.err {
			t.Errorf("%s: %d %v; want %d %s", tt.name, status, body, tt.status, tt.err)
		}
	}
	if p.Grants(id) != 0 {
		t.Fatalf("refused requests counted as grants: %d", p.Grants(id))
	}

	status, body := post("/token", grant)
	tok, _ := body["access_token"].(string)
	if status != 200 || tok == "" || body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) {
		t.Fatalf("token response %d %v", status, body)
	}
	if got := p.Tokens(id); len(got) != 1 || got[0] != tok || p.Grants(id) != 1 {
		t.Fatalf("Tokens = %v, Grants = %d", got, p.Grants(id))
	}

	active := func(q url.Values) bool {
		t.Helper()
		// Dovecot POSTs a form; Exim sends a GET with the query.
		_, viaPost := post("/introspect", q)
		resp, err := http.Get(p.URL + "/introspect?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var viaGet map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&viaGet); err != nil {
			t.Fatal(err)
		}
		if viaPost["active"] != viaGet["active"] {
			t.Fatalf("POST says %v, GET says %v", viaPost, viaGet)
		}
		if viaPost["active"] == true && viaPost["username"] != "nas@nas.test" {
			t.Errorf("active token for %v, want nas@nas.test (lower case, as Dovecot compares)", viaPost["username"])
		}
		return viaPost["active"] == true
	}
	if !active(url.Values{"token": {tok}}) || !active(url.Values{"token": {tok}, "username": {"Nas@nas.test"}}) {
		t.Error("a fresh token is not active")
	}
	if active(url.Values{"token": {tok}, "username": {"other@nas.test"}}) {
		t.Error("the token is active for another user")
	}
	if active(url.Values{"token": {"never-issued"}}) {
		t.Error("an unknown token is active")
	}
	p.Revoke(tok)
	if active(url.Values{"token": {tok}}) {
		t.Error("a revoked token is active")
	}
	if n := p.Introspected(tok); n != 8 {
		t.Errorf("Introspected = %d, want 8", n)
	}

	short, shortSecret := p.NewClient("nas@nas.test", "", time.Millisecond)
	_, body = post("/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {short}, "client_secret": {shortSecret}})
	time.Sleep(5 * time.Millisecond)
	if tok, _ := body["access_token"].(string); !strings.HasPrefix(tok, "tok-") || active(url.Values{"token": {tok}}) {
		t.Errorf("an expired token (%v) is active", body)
	}
}
