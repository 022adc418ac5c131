package galvani

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
)

// ProbeOff, as Settings.HealthPath or Settings.ReadyPath, turns that probe off.
const ProbeOff = "off"

// ReadinessCheck reports whether one dependency of the App (a database, a cache, a
// queue) can serve requests now. It is called with a context bounded by
// Settings.ReadyTimeout and returns nil when the dependency is usable. A database
// check is its pool's ping: app.AddReadinessCheck("database", db.SQL().PingContext).
type ReadinessCheck func(ctx context.Context) error

// ReadinessProvider is implemented by installed apps that contribute readiness
// checks; each is registered at New under "label.name" (the app's label, then the
// map key).
type ReadinessProvider interface {
	ReadinessChecks() map[string]ReadinessCheck
}

type namedReadinessCheck struct {
	name  string
	check ReadinessCheck
}

// AddReadinessCheck registers check under name: the readiness probe
// (Settings.ReadyPath) answers 503 while it fails. Names appear in the probe's
// JSON body, error texts do not (they go to the App's Logger), so a DSN in an
// error never reaches a client. It panics on an empty or duplicate name, a nil
// check, or once the App is serving.
func (a *App) AddReadinessCheck(name string, check ReadinessCheck) {
	a.checkNotServing("App.AddReadinessCheck")
	if name == "" || check == nil {
		panic("galvani: AddReadinessCheck needs a name and a check")
	}
	for _, c := range a.readyChecks {
		if c.name == name {
			panic(fmt.Sprintf("galvani: readiness check %q registered twice", name))
		}
	}
	a.readyChecks = append(a.readyChecks, namedReadinessCheck{name, check})
}

// Draining reports whether a graceful shutdown has begun: from then on the
// readiness probe answers 503 while in-flight requests finish.
func (a *App) Draining() bool { return a.draining.Load() }

// buildProbes freezes the probe paths from the settings at the first request.
func (a *App) buildProbes() {
	on := func(p string) string {
		if p == ProbeOff {
			return ""
		}
		return p
	}
	a.healthPath, a.readyPath = on(a.Settings.HealthPath), on(a.Settings.ReadyPath)
	a.probes = a.healthPath != "" || a.readyPath != ""
}

// serveProbe answers a request for a probe path: liveness when live, else
// readiness. ServeHTTP calls it before any middleware, so a load balancer probing
// the pod IP is not refused by the host check, and no session or CSRF work is done.
func (a *App) serveProbe(w http.ResponseWriter, r *http.Request, live bool) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if live {
		writeProbe(w, r, http.StatusOK, probeBody{Status: "ok"})
		return
	}
	if a.draining.Load() {
		writeProbe(w, r, http.StatusServiceUnavailable, probeBody{Status: "draining"})
		return
	}
	body := a.runReadinessChecks(r.Context())
	code := http.StatusOK
	if len(body.Failed) > 0 {
		code = http.StatusServiceUnavailable
	}
	writeProbe(w, r, code, body)
}

// probeBody is the JSON a probe answers with.
type probeBody struct {
	Status string            `json:"status"`
	Failed []string          `json:"failed,omitempty"`
	Checks map[string]string `json:"checks,omitempty"`
}

// runReadinessChecks runs every check concurrently, each bounded by ReadyTimeout.
func (a *App) runReadinessChecks(ctx context.Context) probeBody {
	body := probeBody{Status: "ok"}
	if len(a.readyChecks) == 0 {
		return body
	}
	errs := make([]error, len(a.readyChecks))
	var wg sync.WaitGroup
	for i, c := range a.readyChecks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, a.Settings.ReadyTimeout)
			defer cancel()
			errs[i] = runCheck(cctx, c.check)
		}()
	}
	wg.Wait()
	body.Checks = make(map[string]string, len(errs))
	for i, c := range a.readyChecks {
		if errs[i] == nil {
			body.Checks[c.name] = "ok"
			continue
		}
		body.Checks[c.name] = "failed"
		body.Failed = append(body.Failed, c.name)
		a.Logger.Warn("readiness check failed", "check", c.name, "error", errs[i])
	}
	if len(body.Failed) > 0 {
		body.Status = "unavailable"
		sort.Strings(body.Failed)
	}
	return body
}

// runCheck calls check, turning a panic into an error and giving up when ctx
// ends even if check ignores it.
func runCheck(ctx context.Context, check ReadinessCheck) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("panic: %v", v)
			}
		}()
		done <- check(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func writeProbe(w http.ResponseWriter, r *http.Request, code int, body probeBody) {
	b, _ := json.Marshal(body)
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}
