package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/sethvargo/go-retry"
)

// NotifyBaseURL is GOV.UK Notify's API.
const NotifyBaseURL = "https://api.notifications.service.gov.uk"

// NotifyConfig configures the GOV.UK Notify sender.
type NotifyConfig struct {
	// APIKey is the Notify API key, "keyname-<service id>-<secret key>" (both UUIDs). Only a
	// live key sends to any number; a team key sends to the team's own numbers only.
	APIKey string
	// TemplateID is the text message template, a UUID. Its text uses the placeholders ((name))
	// and ((password)), e.g. "Your NHSmail temporary password is ((password)) …".
	TemplateID string
	// BaseURL defaults to NotifyBaseURL. It must be https, except to a loopback address (tests).
	BaseURL string
	// HTTPClient defaults to a client with a 30-second timeout.
	HTTPClient *http.Client
	// Retries is how many times a send that failed for now (a 5xx or 429 answer, or a network
	// error) is tried again, waiting RetryBase, doubling, with jitter. Defaults 3 and 1s.
	Retries   uint64
	RetryBase time.Duration
	// Clock gives the JWT's iat; defaults to time.Now.
	Clock func() time.Time
}

// Notify sends texts through GOV.UK Notify's REST API: POST /v2/notifications/sms with the
// template and the personalisation {name, password}, authenticated by a fresh JWT per request
// (HS256, iss = service id, iat = now, signed with the key's secret; Notify refuses one more
// than 30 seconds old).
//
// Notify's 201 answer echoes the text's content, password included: it is read and dropped,
// never logged or returned. Error answers are quoted in errors with the password and number
// scrubbed out, should Notify ever echo them.
type Notify struct {
	serviceID, secret string
	templateID        string
	endpoint          string
	client            *http.Client
	retries           uint64
	retryBase         time.Duration
	clock             func() time.Time
}

// NewNotify checks cfg and returns the sender; it does not connect.
func NewNotify(cfg NotifyConfig) (*Notify, error) {
	serviceID, secret, err := ParseAPIKey(cfg.APIKey)
	if err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(cfg.TemplateID); err != nil {
		return nil, errors.New("sms: notify: the template id is not a UUID")
	}
	base := cfg.BaseURL
	if base == "" {
		base = NotifyBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("sms: notify: base URL %q is not a URL", base)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("sms: notify: base URL %q must be https (http only to a loopback address)", base)
	}
	n := &Notify{
		serviceID:  serviceID,
		secret:     secret,
		templateID: cfg.TemplateID,
		endpoint:   strings.TrimRight(base, "/") + "/v2/notifications/sms",
		client:     cfg.HTTPClient,
		retries:    cfg.Retries,
		retryBase:  cfg.RetryBase,
		clock:      cfg.Clock,
	}
	if n.client == nil {
		n.client = &http.Client{Timeout: 30 * time.Second}
	}
	if n.retries == 0 {
		n.retries = 3
	}
	if n.retryBase <= 0 {
		n.retryBase = time.Second
	}
	if n.clock == nil {
		n.clock = time.Now
	}
	return n, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseAPIKey splits a Notify API key, "keyname-<service id>-<secret key>", into the service
// id (the JWT's issuer) and the secret key (the JWT's signing key). The key name may itself hold
// dashes, so both UUIDs are read from the end. The error never quotes the key.
func ParseAPIKey(key string) (serviceID, secret string, err error) {
	key = strings.TrimSpace(key)
	const uuidLen = 36
	if len(key) < 2*uuidLen+1 || key[len(key)-uuidLen-1] != '-' {
		return "", "", errors.New("sms: notify: the API key is not keyname-<service id>-<secret key>")
	}
	secret = key[len(key)-uuidLen:]
	serviceID = key[len(key)-2*uuidLen-1 : len(key)-uuidLen-1]
	if _, err := uuid.Parse(serviceID); err != nil {
		return "", "", errors.New("sms: notify: the API key's service id is not a UUID")
	}
	if _, err := uuid.Parse(secret); err != nil {
		return "", "", errors.New("sms: notify: the API key's secret key is not a UUID")
	}
	return serviceID, secret, nil
}

// notifySMS is the body of POST /v2/notifications/sms.
type notifySMS struct {
	PhoneNumber     string            `json:"phone_number"`
	TemplateID      string            `json:"template_id"`
	Personalisation map[string]string `json:"personalisation"`
}

// notifyErrors is Notify's error answer.
type notifyErrors struct {
	StatusCode int `json:"status_code"`
	Errors     []struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Send sends the password, retrying 5xx and 429 answers and network errors.
func (n *Notify) Send(ctx context.Context, mobile, name, password string) error {
	body, err := json.Marshal(notifySMS{
		PhoneNumber:     mobile,
		TemplateID:      n.templateID,
		Personalisation: map[string]string{"name": name, "password": password},
	})
	if err != nil {
		return fmt.Errorf("sms: notify: encode request: %w", err)
	}
	backoff := retry.WithMaxRetries(n.retries, retry.WithJitterPercent(20, retry.NewExponential(n.retryBase)))
	err = retry.Do(ctx, backoff, func(ctx context.Context) error {
		return n.post(ctx, body, mobile, password)
	})
	clear(body)
	return err
}

// post makes one attempt. Errors worth another attempt are wrapped with retry.RetryableError.
func (n *Notify) post(ctx context.Context, body []byte, mobile, password string) error {
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": n.serviceID,
		"iat": n.clock().Unix(),
	}).SignedString([]byte(n.secret))
	if err != nil {
		return fmt.Errorf("sms: notify: sign token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms: notify: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "nasbot")
	resp, err := n.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("sms: notify: %w", ctx.Err())
		}
		// url.Error quotes only the method and URL: no password, no number.
		return retry.RetryableError(fmt.Errorf("sms: notify: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		// The answer holds the text's content, password included: drop it unread.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	cause := scrub(describe(resp.StatusCode, raw), password, mobile)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return retry.RetryableError(fmt.Errorf("sms: notify: %s", cause))
	}
	return fmt.Errorf("sms: notify: %s: %w", cause, ErrPermanent)
}

// describe turns an error answer into one line: "400 BadRequestError: Can't send to this recipient…".
func describe(status int, raw []byte) string {
	var e notifyErrors
	if json.Unmarshal(raw, &e) == nil && len(e.Errors) > 0 {
		parts := make([]string, len(e.Errors))
		for i, x := range e.Errors {
			parts[i] = x.Error + ": " + x.Message
		}
		return fmt.Sprintf("%d %s", status, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}
