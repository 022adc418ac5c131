package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
)

type ridArgs struct{ N int }

var (
	ridMu   sync.Mutex
	ridSeen = map[int]string{}
	ridTask = Register("tasks_test.request_id", func(ctx context.Context, a ridArgs) error {
		ridMu.Lock()
		ridSeen[a.N] = galvani.RequestIDFromContext(ctx)
		ridMu.Unlock()
		return nil
	})
)

// syncBuf is a bytes.Buffer safe for the worker's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// checkRequestIDCarried enqueues a task while serving a request with an ID and one
// outside any request, runs them on a worker logging JSON at debug, and checks the
// stored Info, the task's context and the worker's log line carry the ID.
func checkRequestIDCarried(t *testing.T, b Broker, n int) {
	ctx := context.Background()
	var id int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if id, err = ridTask.Enqueue(r.Context(), ridArgs{n}, Using(b)); err != nil {
			t.Error(err)
		}
	})
	req := httptest.NewRequest("POST", "/", nil)
	req = req.WithContext(galvani.WithRequestID(req.Context(), "req-task-7"))
	h.ServeHTTP(httptest.NewRecorder(), req)
	plain, err := ridTask.Enqueue(ctx, ridArgs{n + 1}, Using(b))
	if err != nil {
		t.Fatal(err)
	}
	if in, err := b.Info(ctx, id); err != nil || in.RequestID != "req-task-7" {
		t.Fatalf("Info = %+v, %v; want RequestID req-task-7", in, err)
	}
	var logs syncBuf
	logger, _ := galvani.NewLogger(&logs, "debug", "json")
	stop := runWorker(t, &Worker{Backend: b, PollInterval: 5 * time.Millisecond, Logger: logger})
	waitStatus(t, b, id, StatusSucceeded)
	waitStatus(t, b, plain, StatusSucceeded)
	stop()
	ridMu.Lock()
	got, gotPlain := ridSeen[n], ridSeen[n+1]
	ridMu.Unlock()
	if got != "req-task-7" || gotPlain != "" {
		t.Errorf("task contexts carried %q and %q; want req-task-7 and none", got, gotPlain)
	}
	found := false
	for _, ln := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(ln), &m); err != nil {
			t.Fatalf("worker line %q: %v", ln, err)
		}
		if m["msg"] == "tasks: task succeeded" && m["id"] == float64(id) {
			found = m["request_id"] == "req-task-7"
		}
		if m["msg"] == "tasks: task succeeded" && m["id"] == float64(plain) && m["request_id"] != nil {
			t.Errorf("a task enqueued outside a request logged request_id: %s", ln)
		}
	}
	if !found {
		t.Errorf("no worker line with the request ID:\n%s", logs.String())
	}
}

func TestRequestIDCarriedToWorker(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		checkRequestIDCarried(t, NewDB(open(t, url)), 10)
	})
	t.Run("redis", func(t *testing.T) {
		b, _ := redisBackend(t)
		checkRequestIDCarried(t, b, 20)
	})
}

func TestImmediateKeepsRequestID(t *testing.T) {
	var b Immediate
	ctx := galvani.WithRequestID(context.Background(), "imm-1")
	id, err := ridTask.Enqueue(ctx, ridArgs{30}, Using(&b))
	if err != nil {
		t.Fatal(err)
	}
	in, _ := b.Info(ctx, id)
	ridMu.Lock()
	seen := ridSeen[30]
	ridMu.Unlock()
	if in.RequestID != "imm-1" || seen != "imm-1" {
		t.Errorf("Info.RequestID %q, task saw %q", in.RequestID, seen)
	}
}
