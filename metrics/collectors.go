package metrics

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/prometheus/client_golang/prometheus"
)

// collectorFunc is a prometheus.Collector whose samples a function makes at
// scrape time (pool statistics, cache counters, queue depths).
type collectorFunc struct {
	descs   []*prometheus.Desc
	collect func(ch chan<- prometheus.Metric)
}

func (c *collectorFunc) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

// register adds c to the registry; registering the same metrics twice (the same
// database instrumented by two Installs on one Settings) keeps the first.
func (m *Metrics) register(c prometheus.Collector) {
	if err := m.Registry.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a name clash between this package's own metrics
		}
	}
}

var (
	dbConns    = prometheus.NewDesc("galvani_db_connections", "Connections of the database pool, by state (in_use, idle).", []string{"db", "state"}, nil)
	dbMaxConns = prometheus.NewDesc("galvani_db_connections_max", "Most connections the database pool opens (0: no limit).", []string{"db"}, nil)
	dbWaits    = prometheus.NewDesc("galvani_db_waits_total", "Times a query waited for a free connection of the pool.", []string{"db"}, nil)
	dbWaitSecs = prometheus.NewDesc("galvani_db_wait_seconds_total", "Time spent waiting for a free connection of the pool.", []string{"db"}, nil)
)

// InstrumentDB exports the pool statistics of the database called name (stats is
// orm's DB.Stats or database/sql's DB.Stats) and returns the function that
// records a statement's duration in galvani_db_query_duration_seconds{db,outcome}
// (outcome "ok" or "error"); orm.Install wires it to the ORM's query hook.
func (m *Metrics) InstrumentDB(name string, stats func() sql.DBStats) func(ctx context.Context, d time.Duration, err error) {
	m.register(&collectorFunc{
		descs: []*prometheus.Desc{dbConns, dbMaxConns, dbWaits, dbWaitSecs},
		collect: func(ch chan<- prometheus.Metric) {
			s := stats()
			ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.InUse), name, "in_use")
			ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.Idle), name, "idle")
			ch <- prometheus.MustNewConstMetric(dbMaxConns, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
			ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.WaitCount), name)
			ch <- prometheus.MustNewConstMetric(dbWaitSecs, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
		},
	})
	ok := m.queries.WithLabelValues(name, "ok")
	failed := m.queries.WithLabelValues(name, "error")
	return func(_ context.Context, d time.Duration, err error) {
		if err != nil {
			failed.Observe(d.Seconds())
			return
		}
		ok.Observe(d.Seconds())
	}
}

var (
	cacheHits   = prometheus.NewDesc("galvani_cache_hits_total", "Cache reads that found a value.", []string{"cache"}, nil)
	cacheMisses = prometheus.NewDesc("galvani_cache_misses_total", "Cache reads that found nothing.", []string{"cache"}, nil)
)

// InstrumentCache exports the hit and miss counts of the cache called name
// (cache.Cache's Stats).
func (m *Metrics) InstrumentCache(name string, stats func() (hits, misses uint64)) {
	m.register(&collectorFunc{
		descs: []*prometheus.Desc{cacheHits, cacheMisses},
		collect: func(ch chan<- prometheus.Metric) {
			h, mi := stats()
			ch <- prometheus.MustNewConstMetric(cacheHits, prometheus.CounterValue, float64(h), name)
			ch <- prometheus.MustNewConstMetric(cacheMisses, prometheus.CounterValue, float64(mi), name)
		},
	})
}

var tasksDesc = prometheus.NewDesc("galvani_tasks", "Tasks stored by the task backend, by status (queued is the queue depth).", []string{"status"}, nil)

// tasksTimeout bounds the count query a scrape runs.
const tasksTimeout = 2 * time.Second

// InstrumentTasks exports the task counts by status that counts returns (the
// database backend's Counts), asked at each scrape with a 2s limit; a failed
// count leaves the metric out of that scrape.
func (m *Metrics) InstrumentTasks(counts func(ctx context.Context) (map[string]int64, error)) {
	m.register(&collectorFunc{
		descs: []*prometheus.Desc{tasksDesc},
		collect: func(ch chan<- prometheus.Metric) {
			ctx, cancel := context.WithTimeout(context.Background(), tasksTimeout)
			defer cancel()
			byStatus, err := counts(ctx)
			if err != nil {
				return
			}
			for _, st := range []string{"queued", "running", "succeeded", "dead"} {
				ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(byStatus[st]), st)
			}
		},
	})
}

// InstrumentDatabase implements orm.Instrumenter: orm.Install calls it for each
// database it opens. Off, it does nothing and returns nil.
func (metricsApp) InstrumentDatabase(app *galvani.App, name string, stats func() sql.DBStats) func(ctx context.Context, d time.Duration, err error) {
	m := From(app)
	if m == nil {
		return nil
	}
	return m.InstrumentDB(name, stats)
}

// InstrumentCache implements cache.Instrumenter: the cache App calls it for each
// cache it opens. Off, it does nothing.
func (metricsApp) InstrumentCache(app *galvani.App, name string, stats func() (hits, misses uint64)) {
	if m := From(app); m != nil {
		m.InstrumentCache(name, stats)
	}
}

// InstrumentTasks implements tasks.Instrumenter: the tasks App calls it when
// its backend can count its tasks. Off, it does nothing.
func (metricsApp) InstrumentTasks(app *galvani.App, counts func(ctx context.Context) (map[string]int64, error)) {
	if m := From(app); m != nil {
		m.InstrumentTasks(counts)
	}
}
