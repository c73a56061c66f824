// Package metrics defines nasbot's Prometheus metrics, all named nasbot_…, in one place, so
// operators find every figure and its meaning here. Stages report through small methods; the
// store's figures are read at each scrape.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"nasbot/store"
)

// Metrics holds every nasbot metric.
type Metrics struct {
	Registry *prometheus.Registry

	messages   *prometheus.CounterVec
	requests   *prometheus.CounterVec
	stage      *prometheus.HistogramVec
	replies    *prometheus.CounterVec
	lastPoll   prometheus.Gauge
	pollErrors prometheus.Counter
	signIns    *prometheus.CounterVec
}

// New registers every metric; st (may be nil) supplies the queue and outbox figures at scrape.
func New(st *store.Store) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nasbot_messages_total",
			Help: "Messages decided, by verdict (processed, unverified, unparseable, ignored)."}, []string{"verdict"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nasbot_requests_total",
			Help: "Requests decided, by type and outcome (done, rejected, review)."}, []string{"type", "outcome"}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "nasbot_stage_seconds",
			Help:    "Time spent in each stage: decide (parse, verify, rules, commit), send (one SMTP batch).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, []string{"stage"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nasbot_replies_total",
			Help: "Replies the SMTP server accepted (sent), and outbox rounds where a reply failed (failed)."}, []string{"result"}),
		lastPoll: prometheus.NewGauge(prometheus.GaugeOpts{Name: "nasbot_last_poll_timestamp_seconds",
			Help: "When the inbox was last read without error (Unix time)."}),
		pollErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "nasbot_poll_errors_total",
			Help: "Failed connections or passes over the inbox."}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nasbot_desk_sign_ins_total",
			Help: "Staff desk sign-in attempts, by method (password, oidc) and result (ok, refused, " +
				"throttled_address, throttled_client, throttled_global, busy, other_identity)."}, []string{"method", "result"}),
	}
	reg.MustRegister(m.messages, m.requests, m.stage, m.replies, m.lastPoll, m.pollErrors, m.signIns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if st != nil {
		reg.MustRegister(storeCollector{st})
	}
	return m
}

// Decided records one decided message: its verdict, each request's outcome, and how long it took.
func (m *Metrics) Decided(verdict string, requests [][2]string, took time.Duration) {
	m.messages.WithLabelValues(verdict).Inc()
	for _, r := range requests {
		m.requests.WithLabelValues(r[0], r[1]).Inc()
	}
	m.stage.WithLabelValues("decide").Observe(took.Seconds())
}

// Sent records a round of the outbox: replies the SMTP server accepted, whether anything in
// the round failed, and how long it took.
func (m *Metrics) Sent(sent int, err error, took time.Duration) {
	m.replies.WithLabelValues("sent").Add(float64(sent))
	if err != nil {
		m.replies.WithLabelValues("failed").Inc()
	}
	m.stage.WithLabelValues("send").Observe(took.Seconds())
}

// Polled records a pass over the inbox: at now when it worked, or a failure.
func (m *Metrics) Polled(now time.Time, err error) {
	if err != nil {
		m.pollErrors.Inc()
		return
	}
	m.lastPoll.Set(float64(now.Unix()))
}

// SignIn records a staff desk sign-in attempt; a rise in throttled or refused ones is an attack.
func (m *Metrics) SignIn(method, result string) {
	m.signIns.WithLabelValues(method, result).Inc()
}

// storeCollector reads the queue and outbox figures from the store at each scrape.
type storeCollector struct{ st *store.Store }

var (
	openDesc     = prometheus.NewDesc("nasbot_exceptions_open", "Exceptions waiting for NAS staff.", nil, nil)
	oldestDesc   = prometheus.NewDesc("nasbot_exceptions_oldest_age_seconds", "Age of the oldest open exception.", nil, nil)
	outboxDesc   = prometheus.NewDesc("nasbot_outbox_depth", "Replies in the outbox, by state (pending, parked).", []string{"state"}, nil)
	undecidedDsc = prometheus.NewDesc("nasbot_messages_undecided", "Stored messages not yet decided.", nil, nil)
	upDesc       = prometheus.NewDesc("nasbot_database_up", "1 when the database answered the scrape's queries.", nil, nil)
)

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- openDesc
	ch <- oldestDesc
	ch <- outboxDesc
	ch <- undecidedDsc
	ch <- upDesc
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := c.st.Stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(s.OpenExceptions))
	age := 0.0
	if s.OldestException != nil {
		age = time.Since(*s.OldestException).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(s.OutboxPending), "pending")
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(s.OutboxParked), "parked")
	ch <- prometheus.MustNewConstMetric(undecidedDsc, prometheus.GaugeValue, float64(s.UndecidedMessage))
}
