// Package metrics is Galvani's Prometheus battery: request counts and durations
// by route pattern, requests in flight, and, from the batteries that offer them,
// database pool use and query durations, cache hits and misses and task queue
// depths, exported in the Prometheus text format at /metrics.
//
// It is off until a setting turns it on. Install the app and set
// METRICS_ENABLED=true (the "metrics" settings section, Config):
//
//	app := galvani.New(settings, metrics.App, blog.App)
//
// The endpoint answers only scrapers it is told to trust: by default clients on
// the loopback address that did not come through a proxy; METRICS_TOKEN and
// METRICS_ALLOWED_IPS open it to a Prometheus elsewhere (see Config and
// docs/deploy.md). Handler serves the same metrics on a listener of your own.
//
// The core does not import this package or Prometheus: the App offers a request
// observer hook (galvani.App.ObserveRequests) that Metrics implements. Labels are
// bounded: the route is the registered pattern ("/articles/{id:int}/"), never the
// raw path, and "<unmatched>" for requests no route took.
package metrics
