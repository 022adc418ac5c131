package modelform

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/storage"
)

var posterStore = &countingStore{Memory: &storage.Memory{BaseURL: "/media/"}}

// countingStore counts the files saved through it.
type countingStore struct {
	*storage.Memory
	mu    sync.Mutex
	saves int
}

func (c *countingStore) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	c.mu.Lock()
	c.saves++
	c.mu.Unlock()
	return c.Memory.Save(ctx, name, r)
}

func (c *countingStore) Saves() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saves
}

// Poster has an optional image whose file goes with the row (delete_files) and
// a required attachment whose old files are kept (the default, as Django).
type Poster struct {
	orm.Model
	Title       string   `orm:"max_length=40"`
	Cover       orm.File `orm:"image,blank,delete_files,upload_to=covers/,width_field=cover_width,height_field=cover_height"`
	CoverWidth  int      `orm:"default=0"`
	CoverHeight int      `orm:"default=0"`
	Leaflet     orm.File `orm:"upload_to=leaflets/"`
}

func (Poster) Meta() orm.Meta {
	return orm.Meta{Files: map[string]orm.FileOptions{
		"cover":   {Storage: posterStore},
		"leaflet": {Storage: posterStore},
	}}
}

var posterOnce sync.Once

// posterDBs runs fn on SQLite, PostgreSQL and MariaDB (the servers skip when
// absent, and fail in CI), each time on a fresh poster table.
func posterDBs(t *testing.T, fn func(t *testing.T, db *orm.DB)) {
	posterOnce.Do(func() {
		if err := orm.RegisterModels("modelformfile", Poster{}); err != nil {
			panic(err)
		}
	})
	ctx := context.Background()
	name := testdb.Name("galvani_modelform")
	for _, kind := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(kind, func(t *testing.T) {
			var url string
			switch kind {
			case "sqlite":
				url = "sqlite:///" + filepath.Join(t.TempDir(), "files.db")
			case "postgres":
				u := testdb.PostgresAddr(t)
				conn, err := orm.Open(ctx, u.String())
				if err != nil {
					t.Fatal(err)
				}
				var n int
				err = conn.SQL().QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
				if err == nil && n == 0 {
					_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
				}
				conn.Close()
				if err != nil {
					t.Fatal(err)
				}
				v := *u
				v.Path = "/" + name
				url = v.String()
			case "mysql":
				addr := testdb.MySQLAddr(t)
				conn, err := orm.Open(ctx, "mysql://root@"+addr+"/")
				if err != nil {
					t.Fatal(err)
				}
				_, err = conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
				conn.Close()
				if err != nil {
					t.Fatal(err)
				}
				url = "mysql://root@" + addr + "/" + name
			}
			db, err := orm.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := orm.DropTables(ctx, db, Poster{}); err != nil {
				t.Fatal(err)
			}
			if err := orm.CreateTables(ctx, db, Poster{}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { orm.DropTables(ctx, db, Poster{}) })
			fn(t, db)
		})
	}
}

func pngOf(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{0, 0, 255, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type filePart struct{ field, filename, content string }

// post is a multipart POST of values and files.
func post(t testing.TB, values map[string]string, files ...filePart) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.filename)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.content))
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func stored(t *testing.T, name string) bool {
	t.Helper()
	ok, err := posterStore.Exists(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// A model form maps orm.File fields to file and image fields: Save stores a
// new upload through the field's storage, the current file satisfies required,
// and the clear box empties the column, deleting the file after the commit
// only under delete_files.
func TestModelFormFileFields(t *testing.T) {
	posterDBs(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		cover := string(pngOf(t, 7, 5))

		// The fields: an image with a clear box, a required file; the
		// dimensions are the ORM's to set, not the user's.
		f, err := New[Poster](ctx, nil, Options{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		if f.Field("cover").Kind != forms.Image || f.Field("leaflet").Kind != forms.File || f.Field("cover_width") != nil {
			t.Fatalf("fields: %+v %+v %v", f.Field("cover"), f.Field("leaflet"), f.Field("cover_width"))
		}
		if !f.IsMultipart() {
			t.Fatal("not multipart")
		}

		// Create with both files.
		err = f.Bind(post(t, map[string]string{"title": "Gig"},
			filePart{"cover", "../../band photo.png", cover}, filePart{"leaflet", "gig.txt", "doors at 8"}))
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.Save(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := orm.Q[Poster](db).Get(ctx, "id", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.Cover.Name, "covers/band_photo") || !strings.HasPrefix(got.Leaflet.Name, "leaflets/gig") ||
			got.CoverWidth != 7 || got.CoverHeight != 5 || !stored(t, got.Cover.Name) || !stored(t, got.Leaflet.Name) {
			t.Fatalf("saved %+v", got)
		}
		firstCover, firstLeaflet := got.Cover.Name, got.Leaflet.Name

		edit := func(values map[string]string, files ...filePart) (*Form[Poster], error) {
			obj, err := orm.Q[Poster](db).Get(ctx, "id", p.ID)
			if err != nil {
				t.Fatal(err)
			}
			f, err := New(ctx, obj, Options{DB: db})
			if err != nil {
				t.Fatal(err)
			}
			if values == nil {
				values = map[string]string{}
			}
			values["title"] = "Gig"
			return f, f.Bind(post(t, values, files...))
		}

		// The edit form shows the current files; the required one has no clear box.
		obj, _ := orm.Q[Poster](db).Get(ctx, "id", p.ID)
		ef, _ := New(ctx, obj, Options{DB: db})
		html := string(ef.AsDiv())
		for _, want := range []string{
			`Currently: <a href="/media/` + firstCover + `">` + firstCover + `</a> <input type="checkbox" name="cover-clear"`,
			`Currently: <a href="/media/` + firstLeaflet + `">` + firstLeaflet + `</a></p>`,
		} {
			if !strings.Contains(html, want) {
				t.Errorf("edit form lacks %s\n%s", want, html)
			}
		}

		// Nothing sent: both files stay (the required one is satisfied).
		ef, err = edit(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ef.Save(ctx, true); err != nil {
			t.Fatal(err)
		}
		got, _ = orm.Q[Poster](db).Get(ctx, "id", p.ID)
		if got.Cover.Name != firstCover || got.Leaflet.Name != firstLeaflet {
			t.Fatalf("unchanged save changed files: %+v", got)
		}

		// Hostile uploads are form errors and store nothing.
		for _, tc := range []struct {
			name string
			part filePart
			want string
		}{
			{"polyglot", filePart{"cover", "x.png", cover + "<script>alert(1)</script>"}, "other data after its end"},
			{"not an image", filePart{"cover", "x.png", "<svg onload=alert(1)>"}, "PNG, JPEG or GIF"},
			{"truncated", filePart{"cover", "x.png", cover[:len(cover)-10]}, "truncated or damaged"},
			{"zero bytes", filePart{"leaflet", "x.txt", ""}, "empty"},
			{"right-to-left override", filePart{"leaflet", "gig\u202Etxt.exe", "x"}, "not allowed"},
		} {
			before := posterStore.Saves()
			ef, err := edit(nil, tc.part)
			if err == nil || !strings.Contains(strings.Join(ef.FieldErrors(tc.part.field), " "), tc.want) {
				t.Errorf("%s: err %v, messages %q", tc.name, err, ef.FieldErrors(tc.part.field))
			}
			if posterStore.Saves() != before {
				t.Errorf("%s: a file was stored", tc.name)
			}
		}

		// Clear and a new cover at once: a contradiction.
		if ef, err := edit(map[string]string{"cover-clear": "on"}, filePart{"cover", "b.png", cover}); err == nil ||
			!strings.Contains(strings.Join(ef.FieldErrors("cover"), ""), "not both") {
			t.Errorf("contradiction: %v", err)
		}

		// A new leaflet replaces the old one, which is kept (no delete_files).
		ef, err = edit(nil, filePart{"leaflet", "gig.txt", "doors at 9"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ef.Save(ctx, true); err != nil {
			t.Fatal(err)
		}
		got, _ = orm.Q[Poster](db).Get(ctx, "id", p.ID)
		if got.Leaflet.Name == firstLeaflet || !stored(t, got.Leaflet.Name) || !stored(t, firstLeaflet) {
			t.Fatalf("replaced leaflet %q, old %q kept=%v", got.Leaflet.Name, firstLeaflet, stored(t, firstLeaflet))
		}

		// Clearing the cover in a transaction that rolls back keeps row and file.
		ef, err = edit(map[string]string{"cover-clear": "on"})
		if err != nil {
			t.Fatal(err)
		}
		obj2, _ := ef.Save(ctx, false)
		rollback := db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
			if err := tx.Save(ctx, obj2); err != nil {
				return err
			}
			return errRollback
		})
		if rollback != errRollback || !stored(t, firstCover) {
			t.Fatalf("rollback: %v, file kept %v", rollback, stored(t, firstCover))
		}

		// Clearing it for real empties the column and, after the commit, deletes
		// the file (delete_files).
		ef, err = edit(map[string]string{"cover-clear": "on"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ef.Save(ctx, true); err != nil {
			t.Fatal(err)
		}
		got, _ = orm.Q[Poster](db).Get(ctx, "id", p.ID)
		if got.Cover.Name != "" || stored(t, firstCover) {
			t.Fatalf("cleared cover %q, file still stored %v", got.Cover.Name, stored(t, firstCover))
		}

		// A new form without the required leaflet is refused.
		nf, _ := New[Poster](ctx, nil, Options{DB: db})
		if err := nf.Bind(post(t, map[string]string{"title": "No leaflet"})); err == nil ||
			len(nf.FieldErrors("leaflet")) == 0 {
			t.Errorf("missing leaflet: %v", err)
		}
		if n, _ := orm.Q[Poster](db).Count(ctx); n != 1 {
			t.Errorf("%d rows", n)
		}
	})
}

type rollbackErr struct{}

func (rollbackErr) Error() string { return "roll back" }

var errRollback error = rollbackErr{}
