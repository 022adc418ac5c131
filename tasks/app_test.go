package tasks

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/migrate"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMigrationsMatchTheModel(t *testing.T) {
	url := "sqlite:///" + filepath.Join(t.TempDir(), "m.db")
	app := galvani.New(galvani.Settings{DatabaseURL: url, SecretKey: "x"}, App, migrate.App)
	var out bytes.Buffer
	if err := app.RunCommandIO(context.Background(), []string{"makemigrations", "--check", "tasks"}, strings.NewReader(""), &out, &out); err != nil || !strings.Contains(out.String(), "No changes detected") {
		t.Fatalf("the Record model differs from its migrations: %v\n%s", err, out.String())
	}
	SetDefault(nil)
}

// `migrate`, then `worker`, which runs a task enqueued through the default
// backend App set, and stops on cancellation (what SIGINT/SIGTERM do).
func TestWorkerCommand(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:///" + filepath.Join(t.TempDir(), "w.db")
	app := galvani.New(galvani.Settings{DatabaseURL: url, SecretKey: "x"}, App, migrate.App)
	defer SetDefault(nil)
	var out syncBuffer
	if err := app.RunCommandIO(ctx, []string{"migrate"}, strings.NewReader(""), &out, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if _, ok := Default().(*DBBackend); !ok {
		t.Fatalf("the default backend is %T, want the database", Default())
	}
	id, err := addTask.Enqueue(ctx, addArgs{20, 22})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- app.RunCommandIO(wctx, []string{"worker", "-concurrency", "2", "-poll", "10ms", "-queues", "default, other"}, strings.NewReader(""), &out, &out)
	}()
	in := waitStatus(t, Default(), id, StatusSucceeded)
	stop()
	if err := <-done; err != nil {
		t.Fatalf("worker: %v\n%s", err, out.String())
	}
	if n, _ := ResultOf[int](in); n != 42 {
		t.Fatalf("result %d", n)
	}

	// -tasks: this worker runs test-add only; the order task waits
	other, err := orderTask.Enqueue(ctx, 1, Queue(DefaultQueue))
	if err != nil {
		t.Fatal(err)
	}
	id, err = addTask.Enqueue(ctx, addArgs{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	var only syncBuffer
	wctx, stop = context.WithCancel(ctx)
	go func() {
		done <- app.RunCommandIO(wctx, []string{"worker", "-poll", "10ms", "-tasks", " test-add ,"}, strings.NewReader(""), &only, &only)
	}()
	waitStatus(t, Default(), id, StatusSucceeded)
	stop()
	if err := <-done; err != nil {
		t.Fatalf("worker -tasks: %v\n%s", err, only.String())
	}
	if !strings.Contains(only.String(), "concurrency 4; tasks: test-add\n") {
		t.Errorf("worker -tasks output:\n%s", only.String())
	}
	if in, err := Default().Info(ctx, other); err != nil || in.Status != StatusQueued || in.Attempts != 0 {
		t.Errorf("a task -tasks leaves out was claimed: %+v %v", in, err)
	}
	for _, want := range []string{"queues default,other, concurrency 2", "test-add", "worker: stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, args := range [][]string{{"worker", "-concurrency", "0"}, {"worker", "-queues", ","}, {"worker", "extra"},
		{"worker", "-tasks", "test-add,no-such-task"}} {
		if err := app.RunCommandIO(ctx, args, strings.NewReader(""), &out, &out); !errors.Is(err, galvani.ErrUsage) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

func TestBackendSetting(t *testing.T) {
	defer SetDefault(nil)
	s := galvani.Settings{SecretKey: "x", Sections: map[string]any{"tasks": &Config{Backend: "immediate"}}}
	galvani.New(s, App)
	if _, ok := Default().(*Immediate); !ok {
		t.Fatalf("TASKS_BACKEND=immediate gave %T", Default())
	}
	s = galvani.Settings{SecretKey: "x", Sections: map[string]any{"tasks": &Config{Backend: "redis://127.0.0.1:6379/0?key_prefix=p1"}}}
	if b, err := backendFor(context.Background(), &s); err != nil || b.(*RedisBackend).prefix != "p1" {
		t.Fatalf("redis URL: %v %v", b, err)
	}
	for _, cfg := range []*Config{{Backend: "carrier-pigeon"}, {Database: "nope"}, {Backend: "redis://host:notaport/x"}} {
		s := galvani.Settings{SecretKey: "x", Sections: map[string]any{"tasks": cfg}}
		if _, err := backendFor(context.Background(), &s); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
