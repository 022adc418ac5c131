package storage_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/storage"
)

func TestForDefaultsToMediaDirectory(t *testing.T) {
	var s galvani.Settings
	st, err := storage.For(&s)
	if err != nil {
		t.Fatal(err)
	}
	fsys, ok := st.(*storage.FileSystem)
	if !ok || fsys.Dir != "media" || fsys.BaseURL != "/media/" {
		t.Errorf("the default storage is %#v, want media/ served at /media/", st)
	}
	again, _ := storage.For(&s)
	if again != st {
		t.Error("For opened the storage twice for one Settings value")
	}
}

func TestForReadsSTORAGE_URL(t *testing.T) {
	var s galvani.Settings
	if err := s.ApplyEnv([]string{"STORAGE_URL=memory://?base_url=/files/"}); err != nil {
		t.Fatal(err)
	}
	st, err := storage.For(&s)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := st.(*storage.Memory); !ok || m.BaseURL != "/files/" {
		t.Errorf("STORAGE_URL=memory://... opened %#v", st)
	}
}

// pinging is a Memory whose readiness is switchable.
type pinging struct {
	storage.Memory
	err error
}

func (p *pinging) Ping(context.Context) error { return p.err }

func TestAppReadinessAndCheck(t *testing.T) {
	t.Cleanup(func() { storage.SetDefault(nil) })
	p := &pinging{err: errors.New("bucket gone")}
	storage.RegisterScheme("test-pinging", func(context.Context, *url.URL) (storage.Storage, error) { return p, nil })
	app := galvani.New(galvani.Settings{Sections: map[string]any{"storage": &storage.Config{URL: "test-pinging://"}}}, storage.App)
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"failed":["storage.default"]`) {
		t.Errorf("readiness with the storage failing its ping: %d %s", rec.Code, rec.Body)
	}
	p.err = nil
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Errorf("readiness with the storage answering: %d %s", rec.Code, rec.Body)
	}

	// A file storage has no ping: no readiness check is added for it.
	plain := galvani.New(galvani.Settings{Sections: map[string]any{"storage": &storage.Config{URL: "memory://"}}}, storage.App)
	rec = httptest.NewRecorder()
	plain.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if strings.Contains(rec.Body.String(), "storage") {
		t.Errorf("a memory storage registered a readiness check: %s", rec.Body)
	}
}

func TestAppCheckReportsBadURL(t *testing.T) {
	app := galvani.New(galvani.Settings{Sections: map[string]any{"storage": &storage.Config{URL: "s3://AKID:hunter2@media"}}})
	msgs := storage.App.(galvani.Checker).Check(app)
	if len(msgs) != 1 || msgs[0].ID != "storage.E001" || !strings.Contains(msgs[0].Msg, "storage/s3") {
		t.Fatalf("check of an s3:// URL without storage/s3 imported: %+v", msgs)
	}
	if strings.Contains(msgs[0].Msg, "hunter2") {
		t.Errorf("the check message shows the secret: %s", msgs[0].Msg)
	}
}

// The storage App makes the STORAGE_URL storage the one file fields use.
func TestAppSetsDefault(t *testing.T) {
	t.Cleanup(func() { storage.SetDefault(nil) })
	galvani.New(galvani.Settings{Sections: map[string]any{"storage": &storage.Config{URL: "memory://?base_url=/files/"}}}, storage.App)
	if m, ok := storage.Default().(*storage.Memory); !ok || m.BaseURL != "/files/" {
		t.Errorf("after the storage App started, Default() = %#v, want the STORAGE_URL storage", storage.Default())
	}
}
