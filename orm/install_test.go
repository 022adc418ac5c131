package orm

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

type shopApp struct{}

func (shopApp) Label() string { return "shop" }
func (shopApp) Models() []any { return []any{Product{}} }
func (shopApp) Routes(g *galvani.Group) {
	g.Get("/products/{id:int}/", func(c *galvani.Ctx) error {
		db := DBFrom(c.Request)
		id, _ := stringsToInt(c.Param("id"))
		p, err := Q[Product](db).Get(c.Context(), "pk", id)
		if err != nil {
			return err // ErrNotFound answers 404
		}
		return c.Text(200, p.Name)
	})
	g.Get("/boom/", func(c *galvani.Ctx) error {
		Q[Product](DBFrom(c.Request)).Filter("name", "needle").Count(c.Context())
		return errors.New("boom")
	})
}

// Product is registered through shopApp.Models.
type Product struct {
	Model
	Name string `orm:"max_length=50"`
}

func stringsToInt(s string) (int64, error) {
	var n int64
	for _, r := range s {
		n = n*10 + int64(r-'0')
	}
	return n, nil
}

func TestInstall(t *testing.T) {
	ctx := context.Background()
	app := galvani.New(galvani.Settings{Debug: true, DatabaseURL: "sqlite:///" + filepath.Join(t.TempDir(), "shop.db")}, shopApp{})
	dbs, err := Install(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	defer dbs.Close()
	m, err := InfoOf[Product]()
	if err != nil || m.Table != "shop_product" {
		t.Fatalf("not registered: %v", err)
	}
	db := dbs.Default()
	if err := CreateTables(ctx, db, Product{}); err != nil {
		t.Fatal(err)
	}
	p := &Product{Name: "lamp"}
	db.Create(ctx, p)
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/products/1/", nil))
	if body, _ := io.ReadAll(rec.Body); rec.Code != 200 || string(body) != "lamp" {
		t.Fatalf("%d %s", rec.Code, body)
	}
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/products/99/", nil))
	if rec.Code != 404 {
		t.Fatalf("missing product: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/boom/", nil)
	req.Header.Set("Accept", "text/html")
	app.ServeHTTP(rec, req)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "SQL queries") || !strings.Contains(rec.Body.String(), "needle") {
		t.Fatalf("debug page lacks the query log: %d %s", rec.Code, rec.Body.String())
	}
}

func TestRegisterAppsRefusesWhatIsNoApp(t *testing.T) {
	app := galvani.New(shopApp{})
	// app.Apps() without "..." is one []AppConfig: it used to register nothing
	if err := RegisterApps(app.Apps()); err == nil || !strings.Contains(err.Error(), "is not an app") {
		t.Fatalf("RegisterApps(slice): %v", err)
	}
	var apps []any
	for _, a := range app.Apps() {
		apps = append(apps, a)
	}
	if err := RegisterApps(apps...); err != nil {
		t.Fatal(err)
	}
	if _, ok := ModelByLabel("shop.Product"); !ok {
		t.Fatal("shop.Product not registered")
	}
}

// TestInstallRegistersDatabaseReadiness checks that the App's readiness probe pings
// every installed database and fails, naming it, once the database is closed.
func TestInstallRegistersDatabaseReadiness(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	app := galvani.New(galvani.Settings{
		DatabaseURL: "sqlite:///" + filepath.Join(dir, "main.db"),
		Databases:   map[string]string{"replica": "sqlite:///" + filepath.Join(dir, "replica.db")},
	}, shopApp{})
	dbs, err := Install(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	defer dbs.Close()
	ready := func() (int, string) {
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := ready(); code != 200 || !strings.Contains(body, `"database.default":"ok"`) || !strings.Contains(body, `"database.replica":"ok"`) {
		t.Fatalf("readiness with open databases: %d %s", code, body)
	}
	replica, _ := dbs.Get("replica")
	replica.Close()
	code, body := ready()
	if code != 503 || !strings.Contains(body, `"failed":["database.replica"]`) || !strings.Contains(body, `"database.default":"ok"`) {
		t.Errorf("readiness with the replica closed: %d %s, want 503 naming database.replica", code, body)
	}
	if strings.Contains(body, dir) {
		t.Errorf("the probe leaked the database path: %s", body)
	}
}

// Settings.DatabaseReplicas: requests read the replica (here a database with
// other contents, so the answer tells which one served it), the replica is not a
// readiness check, and a name that is no database is refused.
func TestInstallReadReplicas(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := galvani.Settings{
		DatabaseURL:      "sqlite:///" + filepath.Join(dir, "main.db"),
		Databases:        map[string]string{"replica": "sqlite:///" + filepath.Join(dir, "replica.db")},
		DatabaseReplicas: []string{"replica"},
	}
	app := galvani.New(s, shopApp{})
	dbs, err := Install(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	defer dbs.Close()
	for name, product := range map[string]string{"default": "lamp", "replica": "lamp on the replica"} {
		db, _ := dbs.Get(name)
		if err := CreateTables(ctx, db, Product{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Create(ctx, &Product{Name: product}); err != nil {
			t.Fatal(err)
		}
	}
	if got := dbs.Default().Replicas(); len(got) != 1 || got[0].Name() != "replica" {
		t.Fatalf("replicas of default: %v", got)
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/products/1/", nil))
	if rec.Code != 200 || rec.Body.String() != "lamp on the replica" {
		t.Fatalf("a request's read: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "database.replica") {
		t.Errorf("readiness: %d %s (a replica is not a readiness check)", rec.Code, rec.Body.String())
	}

	s.DatabaseReplicas = []string{"nosuch"}
	if _, err := Install(ctx, galvani.New(s, shopApp{})); err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("an unknown replica name: %v", err)
	}
	s.DatabaseReplicas = []string{"default"}
	if _, err := Install(ctx, galvani.New(s, shopApp{})); err == nil || !strings.Contains(err.Error(), "primary") {
		t.Errorf("default as its own replica: %v", err)
	}
}
