package main

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveMetrics are what serve exports on /metrics.
type serveMetrics struct {
	reg         *prometheus.Registry
	evaluations *prometheus.CounterVec
	verdicts    *prometheus.CounterVec
	badRequests prometheus.Counter
	syncLag     prometheus.Histogram
	reloads     *prometheus.CounterVec

	mu          sync.Mutex
	reloadHooks []func(error)
}

func newServeMetrics() *serveMetrics {
	m := &serveMetrics{
		reg: prometheus.NewRegistry(),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "verdict_evaluations_total", Help: "Flows decided, by API (single or batch).",
		}, []string{"api"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "verdict_verdicts_total", Help: "Verdicts given, enforced (policy_set=enforced) and with staged policies enforced (policy_set=pending).",
		}, []string{"policy_set", "verdict"}),
		badRequests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "verdict_bad_requests_total", Help: "Requests (or batch lines) refused as malformed.",
		}),
		syncLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "verdict_sync_lag_seconds", Help: "Time from an informer handing over a cluster change to the engine answering with it.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "verdict_reloads_total", Help: "Reloads of -f files, by result (ok, or refused: the last good set stays).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.evaluations, m.verdicts, m.badRequests, m.syncLag, m.reloads)
	return m
}

// watch exports how the source stands.
func (m *serveMetrics) watch(src source) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "verdict_ready", Help: "1 when the engine answers, 0 before the first sync or load."}, func() float64 {
			if src.state().ready {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "verdict_objects_refused", Help: "Cluster objects (or file problems) not in force: the last good version stays."}, func() float64 {
			return float64(src.state().refused)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "verdict_snapshot_age_seconds", Help: "Time since the engine last changed."}, func() float64 {
			st := src.state()
			if st.lastChange.IsZero() {
				return 0
			}
			return time.Since(st.lastChange).Seconds()
		}),
	)
}

// onReload calls f after each later reload of -f files: err nil when the
// files were put in force, else why they were refused.
func (m *serveMetrics) onReload(f func(err error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reloadHooks = append(m.reloadHooks, f)
}

// reloaded counts a reload of -f files and tells those who asked.
func (m *serveMetrics) reloaded(err error) {
	result := "ok"
	if err != nil {
		result = "refused"
	}
	m.reloads.WithLabelValues(result).Inc()
	m.mu.Lock()
	hooks := m.reloadHooks
	m.mu.Unlock()
	for _, f := range hooks {
		f(err)
	}
}

func (m *serveMetrics) countVerdict(allowed, pendingAllowed bool) {
	m.verdicts.WithLabelValues("enforced", verdictLabel(allowed)).Inc()
	m.verdicts.WithLabelValues("pending", verdictLabel(pendingAllowed)).Inc()
}

func verdictLabel(allowed bool) string {
	if allowed {
		return "allowed"
	}
	return "denied"
}

func (m *serveMetrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
