package metrics

import (
	"net/http"
	"strconv"

	"github.com/galvani-web/galvani"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Unmatched is the route label of requests that no route matched (404s, 405s,
// APPEND_SLASH redirects), so that scanners probing random paths add no series.
const Unmatched = "<unmatched>"

// OtherMethod is the method label of requests whose method is not one of the
// standard HTTP methods.
const OtherMethod = "OTHER"

// Metrics holds a Prometheus registry with the request metrics of an App:
//
//	galvani_http_requests_total{route,method,status}            counter
//	galvani_http_request_duration_seconds{route,method}         histogram
//	galvani_http_requests_in_flight                             gauge
//
// plus Go runtime and process metrics, and what InstrumentDB, InstrumentCache and
// InstrumentTasks add. It implements galvani.RequestObserver.
// The batteries' collectors (databases, caches, task queues) register on the same
// registry. It is safe for concurrent use.
type Metrics struct {
	// Registry holds every metric; register your own collectors on it.
	Registry *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	queries  *prometheus.HistogramVec
	handler  http.Handler
}

var _ galvani.RequestObserver = (*Metrics)(nil)

// New returns Metrics on a fresh registry, with the Go runtime and process
// collectors registered.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "galvani_http_requests_total",
			Help: "HTTP requests completed, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "galvani_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "galvani_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
		queries: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "galvani_db_query_duration_seconds",
			Help:    "Time the database took to run the ORM's statements, by database and outcome (ok, error).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"db", "outcome"}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight, m.queries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

// RequestStarted implements galvani.RequestObserver.
func (m *Metrics) RequestStarted(*http.Request) { m.inFlight.Inc() }

// RequestFinished implements galvani.RequestObserver.
func (m *Metrics) RequestFinished(r *http.Request, info galvani.RequestInfo) {
	m.inFlight.Dec()
	route := info.Route
	if route == "" {
		route = Unmatched
	}
	method := methodLabel(r.Method)
	m.requests.WithLabelValues(route, method, statusLabel(info.Status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(info.Duration.Seconds())
}

// Handler returns the handler that writes the metrics in the Prometheus text
// format, unprotected: serve it on a listener only your Prometheus reaches, or
// wrap it with Protect.
func (m *Metrics) Handler() http.Handler { return m.handler }

// methodLabel bounds the method label: a client can send any token as a method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return OtherMethod
}

// statusLabels are the labels of the status codes, made once so that counting a
// request formats nothing.
var statusLabels = func() (s [600]string) {
	for i := 100; i < len(s); i++ {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusLabel(code int) string {
	if code >= 100 && code < len(statusLabels) {
		return statusLabels[code]
	}
	return "other"
}
