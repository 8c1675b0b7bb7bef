package authz

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus metrics:
//
//	verdict_authz_checks_total{result}            checks by Result
//	verdict_authz_check_duration_seconds          time to answer a check
//	verdict_authz_engine_seconds_total            of which inside the engine
//	verdict_authz_audit_would_deny_total          allowed checks the pending set would deny
//	verdict_authz_policy_reloads_total            policy sets put in force after the first
//	verdict_authz_policy_reloads_refused_total    changed policy files refused (the old set stays)
type Metrics struct {
	reg      *prometheus.Registry
	checks   *prometheus.CounterVec
	latency  prometheus.Histogram
	engine   prometheus.Counter
	audit    prometheus.Counter
	reloads  prometheus.Counter
	refused  prometheus.Counter
	byResult map[Result]prometheus.Counter
}

// NewMetrics registers the metrics in a registry of their own, with Go's
// runtime and process collectors beside them.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := RegisterMetrics(reg)
	if err != nil {
		panic(err) // a fresh registry holds nothing they could clash with
	}
	return m
}

// RegisterMetrics registers the metrics in reg, beside those a program
// already serves from it (verdict serve's /metrics); Handler and Gatherer
// then give all of reg. It fails when reg holds metrics of the same names.
func RegisterMetrics(reg *prometheus.Registry) (*Metrics, error) {
	m := &Metrics{
		reg: reg,
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "verdict_authz_checks_total", Help: "Authorization checks answered, by result.",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "verdict_authz_check_duration_seconds",
			Help:    "Time to answer a check, from the request read to the response built.",
			Buckets: []float64{5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3},
		}),
		engine: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "verdict_authz_engine_seconds_total", Help: "Time spent inside the engine's Evaluate, summed over checks.",
		}),
		audit: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "verdict_authz_audit_would_deny_total", Help: "Allowed checks that the pending set (staged policies enforced) would deny.",
		}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "verdict_authz_policy_reloads_total", Help: "Policy sets put in force after the first.",
		}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "verdict_authz_policy_reloads_refused_total", Help: "Changed policy files refused; the last good set stayed in force.",
		}),
		byResult: map[Result]prometheus.Counter{},
	}
	cs := []prometheus.Collector{m.checks, m.latency, m.engine, m.audit, m.reloads, m.refused}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done) // all or nothing
			}
			return nil, err
		}
	}
	// Every result shows from the start, at zero.
	for _, r := range Results {
		m.byResult[r] = m.checks.WithLabelValues(string(r))
	}
	return m, nil
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Gatherer gives the metrics, for tests and for serving them beside
// others.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Reloaded counts a reload of the policy files: put in force when err is
// nil, refused otherwise.
func (m *Metrics) Reloaded(err error) {
	if err != nil {
		m.refused.Inc()
		return
	}
	m.reloads.Inc()
}

func (m *Metrics) observe(d *decision, took time.Duration) {
	m.byResult[d.result].Inc()
	m.latency.Observe(took.Seconds())
	if d.engine > 0 {
		m.engine.Add(d.engine.Seconds())
	}
	if d.auditDeny {
		m.audit.Inc()
	}
}
