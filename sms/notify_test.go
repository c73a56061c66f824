package sms_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"nasbot/sms"
)

const (
	serviceID  = "26785a09-ab16-4eb0-8407-a37497a57506"
	secretKey  = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	apiKey     = "nasbot_test-key-" + serviceID + "-" + secretKey
	templateID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	password   = "Kp7mWq3xRt9vZa"
	mobile     = "07700900123"
)

// fakeNotify checks each request as GOV.UK Notify would and answers with the statuses given,
// one per request (the last one repeats).
type fakeNotify struct {
	t        *testing.T
	statuses []int
	calls    atomic.Int32
	errBody  string
}

func (f *fakeNotify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.t
	n := int(f.calls.Add(1))
	if r.Method != http.MethodPost || r.URL.Path != "/v2/notifications/sms" {
		t.Errorf("request %s %s, want POST /v2/notifications/sms", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		t.Errorf("no bearer token: %q", r.Header.Get("Authorization"))
	}
	tok, err := jwt.Parse(auth, func(tok *jwt.Token) (any, error) { return []byte(secretKey), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuedAt())
	if err != nil {
		t.Errorf("JWT not valid for the secret key: %v", err)
	} else {
		claims := tok.Claims.(jwt.MapClaims)
		if iss, _ := claims.GetIssuer(); iss != serviceID {
			t.Errorf("iss %q, want the service id", iss)
		}
		iat, err := claims.GetIssuedAt()
		if err != nil || iat == nil || time.Since(iat.Time).Abs() > 30*time.Second {
			t.Errorf("iat %v not within 30 seconds of now (%v)", iat, err)
		}
		if tok.Header["typ"] != "JWT" {
			t.Errorf("typ %v", tok.Header["typ"])
		}
	}
	var body struct {
		PhoneNumber     string            `json:"phone_number"`
		TemplateID      string            `json:"template_id"`
		Personalisation map[string]string `json:"personalisation"`
	}
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Errorf("body not JSON: %v", err)
	}
	if body.PhoneNumber != mobile || body.TemplateID != templateID ||
		body.Personalisation["name"] != "Amelia Hart" || body.Personalisation["password"] != password {
		t.Errorf("body %+v", body)
	}
	status := f.statuses[min(n, len(f.statuses))-1]
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	switch {
	case status == http.StatusCreated:
		// Like Notify, the answer echoes the content, password included.
		json.NewEncoder(w).Encode(map[string]any{"id": "740e5834-3a29-46b4-9a6f-16142fde533a",
			"content":  map[string]string{"body": "Your password is " + password, "from_number": "NHSmail"},
			"template": map[string]any{"id": templateID, "version": 1}})
	case f.errBody != "":
		io.WriteString(w, f.errBody)
	default:
		json.NewEncoder(w).Encode(map[string]any{"status_code": status,
			"errors": []map[string]string{{"error": "Exception", "message": "Internal server error"}}})
	}
}

func newNotify(t *testing.T, f *fakeNotify) *sms.Notify {
	t.Helper()
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	n, err := sms.NewNotify(sms.NotifyConfig{APIKey: apiKey, TemplateID: templateID, BaseURL: srv.URL,
		RetryBase: time.Millisecond, Retries: 3})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotifySends(t *testing.T) {
	f := &fakeNotify{statuses: []int{201}}
	if err := newNotify(t, f).Send(context.Background(), mobile, "Amelia Hart", password); err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d calls", f.calls.Load())
	}
}

func TestNotifyRetriesServerErrors(t *testing.T) {
	for _, first := range []int{500, 503, 429} {
		f := &fakeNotify{statuses: []int{first, 201}}
		if err := newNotify(t, f).Send(context.Background(), mobile, "Amelia Hart", password); err != nil {
			t.Fatalf("%d then 201: %v", first, err)
		}
		if f.calls.Load() != 2 {
			t.Fatalf("%d then 201: %d calls, want 2", first, f.calls.Load())
		}
	}
}

func TestNotifyGivesUpAfterRetries(t *testing.T) {
	f := &fakeNotify{statuses: []int{500}}
	err := newNotify(t, f).Send(context.Background(), mobile, "Amelia Hart", password)
	if err == nil || sms.IsPermanent(err) {
		t.Fatalf("want a transient error, got %v", err)
	}
	if f.calls.Load() != 4 {
		t.Fatalf("%d calls, want 1 + 3 retries", f.calls.Load())
	}
	if !strings.Contains(err.Error(), "500 Exception: Internal server error") {
		t.Fatalf("error should quote Notify's answer: %v", err)
	}
}

func TestNotifyBadRequestIsPermanent(t *testing.T) {
	// An answer that (hypothetically) echoes the password and number must not leak them.
	f := &fakeNotify{statuses: []int{400}, errBody: `{"status_code":400,"errors":[{"error":"BadRequestError",` +
		`"message":"Can't send to this recipient using a team-only API key (` + mobile + `, ` + password + `)"}]}`}
	err := newNotify(t, f).Send(context.Background(), mobile, "Amelia Hart", password)
	if !sms.IsPermanent(err) {
		t.Fatalf("400 should be permanent: %v", err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("400 retried: %d calls", f.calls.Load())
	}
	msg := err.Error()
	if strings.Contains(msg, password) || strings.Contains(msg, mobile) {
		t.Fatalf("error leaks the password or number: %s", msg)
	}
	if !strings.Contains(msg, "400 BadRequestError: Can't send to this recipient") {
		t.Fatalf("error should say why: %s", msg)
	}
}

func TestNotifyNetworkErrorNeverLeaks(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	n, err := sms.NewNotify(sms.NotifyConfig{APIKey: apiKey, TemplateID: templateID, BaseURL: url,
		RetryBase: time.Millisecond, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = n.Send(context.Background(), mobile, "Amelia Hart", password)
	if err == nil || sms.IsPermanent(err) || strings.Contains(err.Error(), password) {
		t.Fatalf("want a transient error without the password: %v", err)
	}
}

func TestParseAPIKey(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		ok        bool
	}{
		{"dashes in the key name", apiKey, true},
		{"short name", "k-" + serviceID + "-" + secretKey, true},
		{"no name", serviceID + "-" + secretKey, true},
		{"secret only", secretKey, false},
		{"not uuids", "name-" + strings.Repeat("x", 36) + "-" + secretKey, false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iss, secret, err := sms.ParseAPIKey(tc.key)
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (iss != serviceID || secret != secretKey) {
				t.Fatalf("got %q %q", iss, secret)
			}
			if err != nil && tc.key != "" && strings.Contains(err.Error(), secretKey) {
				t.Fatalf("error quotes the key: %v", err)
			}
		})
	}
}

func TestNewNotifyRefusesPlainHTTP(t *testing.T) {
	_, err := sms.NewNotify(sms.NotifyConfig{APIKey: apiKey, TemplateID: templateID,
		BaseURL: "http://api.notifications.service.gov.uk"})
	if err == nil {
		t.Fatal("plain http to a remote host accepted")
	}
	if _, err := sms.NewNotify(sms.NotifyConfig{APIKey: apiKey, TemplateID: "nope"}); err == nil {
		t.Fatal("bad template id accepted")
	}
	if _, err := sms.NewNotify(sms.NotifyConfig{APIKey: apiKey, TemplateID: templateID}); err != nil {
		t.Fatalf("default base URL: %v", err)
	}
}

func TestFileRefusesProduction(t *testing.T) {
	if _, err := sms.NewFile(t.TempDir()+"/texts.log", true); !errors.Is(err, sms.ErrFileInProduction) {
		t.Fatalf("want ErrFileInProduction, got %v", err)
	}
}
