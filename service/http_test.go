package service

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nasbot/internal/metrics"
	"nasbot/internal/testenv"
)

// The desk's address serves the desk, /healthz and a /readyz that says only ready or not;
// /metrics and the reasons for not being ready are on the operators' address only.
func TestMetricsAreNotOnTheDeskAddress(t *testing.T) {
	st := testenv.OpenStore(t, filepath.Join(t.TempDir(), "http.db"))
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPAddr, cfg.MetricsAddr = testenv.FreeAddr(t), testenv.FreeAddr(t)
	cfg.DeskSecureCookie = false
	b := &Bot{cfg: cfg, store: st, log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: metrics.New(st)}
	inBackground(t, "serveHTTP:", b.serveHTTP)
	desk, ops := "http://"+cfg.HTTPAddr, "http://"+cfg.MetricsAddr
	client := &http.Client{Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(t *testing.T, u string) (int, string) {
		t.Helper()
		for range 50 { // the listeners start with the goroutine
			resp, err := client.Get(u)
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		t.Fatalf("GET %s: no answer", u)
		return 0, ""
	}

	// A failed sign-in on the desk, so the metrics have something of the desk's to show.
	resp, err := client.PostForm(desk+"/login", url.Values{"email": {"who@nas.test"}, "password": {"a wrong password"}})
	for i := 0; err != nil && i < 50; i++ {
		time.Sleep(20 * time.Millisecond)
		resp, err = client.PostForm(desk+"/login", url.Values{"email": {"who@nas.test"}, "password": {"a wrong password"}})
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("sign-in on the desk: %d", resp.StatusCode)
	}

	tests := []struct {
		name, url string
		status    int
		body      string // the whole body, or with a trailing * its start
	}{
		{"desk /metrics", desk + "/metrics", http.StatusSeeOther, "<a href=\"/login?next=%2Fmetrics\">See Other</a>.\n\n"},
		{"desk /readyz", desk + "/readyz", http.StatusServiceUnavailable, "not ready\n"},
		{"desk /healthz", desk + "/healthz", http.StatusOK, "ok\n"},
		{"operators /readyz", ops + "/readyz", http.StatusServiceUnavailable, "database: not answering*"},
		{"operators /healthz", ops + "/healthz", http.StatusOK, "ok\n"},
		{"operators /metrics", ops + "/metrics", http.StatusOK, "# HELP*"},
		{"operators have no desk", ops + "/login", http.StatusNotFound, "404 page not found\n"},
	}
	st.Close() // the database stops answering: readiness says so, but only to operators
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, tt.url)
			prefix, isPrefix := strings.CutSuffix(tt.body, "*")
			if code != tt.status || (isPrefix && !strings.HasPrefix(body, prefix)) || (!isPrefix && body != tt.body) {
				t.Errorf("%d %q, want %d %q", code, body, tt.status, tt.body)
			}
		})
	}
	_, m := get(t, ops+"/metrics")
	if !strings.Contains(m, `nasbot_desk_sign_ins_total{method="password",result="refused"} 1`) {
		t.Errorf("the failed sign-in is not counted:\n%s", m)
	}
}

func TestBusyPortSaysWhichSettingMovesIt(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = net.Listen("tcp", ln.Addr().String())
	if err == nil {
		t.Fatal("the port was not busy")
	}
	for name, v := range map[string]string{"desk": "NASBOT_HTTP_ADDR", "metrics": "NASBOT_METRICS_ADDR"} {
		if hint := listenHint(name, err); !strings.Contains(hint, v) || !strings.Contains(hint, "another program uses that port") {
			t.Errorf("%s: hint %q", name, hint)
		}
	}
}
