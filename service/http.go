package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"
	"golang.org/x/sync/errgroup"

	"nasbot/pipeline"
	"nasbot/web"
)

// serveHTTP serves the staff desk on NASBOT_HTTP_ADDR, with /healthz and a /readyz that says
// only ready or not, and the operators' endpoints on NASBOT_METRICS_ADDR: /metrics (Prometheus),
// a /readyz that names what is wrong, and /healthz. Request volumes, queue sizes and errors help
// an attacker, so they are not on the desk's address.
func (b *Bot) serveHTTP(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	desk, err := b.deskHandler()
	if err != nil {
		return err
	}
	g.Go(func() error { return b.serve(ctx, "desk", b.cfg.HTTPAddr, desk, maxDeskConns) })
	g.Go(func() error { return b.serve(ctx, "metrics", b.cfg.MetricsAddr, b.opsHandler(), 16) })
	return g.Wait()
}

// maxDeskConns bounds the desk's open connections, so that the number of clients does not set
// the memory the desk takes; more wait in the listen queue.
const maxDeskConns = 512

// deskHandler is what NASBOT_HTTP_ADDR serves.
func (b *Bot) deskHandler() (http.Handler, error) {
	proxies, err := b.cfg.trustedProxies()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if b.readiness(r.Context()) != "" {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("/", web.New(web.Config{
		SecureCookie:   b.cfg.DeskSecureCookie,
		AgeTarget:      b.cfg.DeskAgeTarget,
		TrustedOrigins: b.cfg.DeskTrustedOrigins,
		TrustedProxies: proxies,
		OIDC: web.OIDCConfig{Issuer: b.cfg.OIDCIssuer, ClientID: b.cfg.OIDCClientID,
			ClientSecret: b.cfg.OIDCClientSecret, RedirectURL: b.cfg.OIDCRedirectURL},
		Observe: b.metrics.SignIn,
	}, b.store, pipeline.NewDesk(b.pipe), b.log))
	return mux, nil
}

// opsHandler is what NASBOT_METRICS_ADDR serves, for operators and Prometheus only.
func (b *Bot) opsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if problem := b.readiness(r.Context()); problem != "" {
			http.Error(w, problem, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.Registry, promhttp.HandlerOpts{}))
	return mux
}

// addrVariables are the settings that choose each HTTP server's address.
var addrVariables = map[string]string{"desk": "NASBOT_HTTP_ADDR", "metrics": "NASBOT_METRICS_ADDR"}

// listenHint says what to do when an address cannot be listened on: which setting moves it.
func listenHint(name string, err error) string {
	v, ok := addrVariables[name]
	if !ok {
		return ""
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Sprintf(" (another program uses that port: stop it, or set %s to another address, e.g. %s=127.0.0.1:8081)", v, v)
	}
	return fmt.Sprintf(" (set %s to an address this machine has, e.g. 127.0.0.1:8080)", v)
}

func healthz(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) }

// serve runs one HTTP server on addr until ctx is done, with at most maxConns connections.
func (b *Bot) serve(ctx context.Context, name, addr string, h http.Handler, maxConns int) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http %s: %w%s", name, err, listenHint(name, err))
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	b.log.Info("http listening", slog.String("server", name), slog.String("addr", ln.Addr().String()))
	if err := srv.Serve(netutil.LimitListener(ln, maxConns)); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http %s: %w", name, err)
	}
	return nil
}
