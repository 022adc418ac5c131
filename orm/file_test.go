package orm

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/storage"
	"github.com/galvani-web/galvani/template"
)

// File-field test models (app "ormfile"), with their own storages.
var (
	fileStore = &recStore{Memory: &storage.Memory{BaseURL: "/media/"}}
	keepStore = &storage.Memory{BaseURL: "/keep/"}
)

// recStore records the names it saved.
type recStore struct {
	*storage.Memory
	mu    sync.Mutex
	saved []string
}

func (r *recStore) Save(ctx context.Context, name string, rd io.Reader) (string, error) {
	n, err := r.Memory.Save(ctx, name, rd)
	r.mu.Lock()
	r.saved = append(r.saved, n)
	r.mu.Unlock()
	return n, err
}

func (r *recStore) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.saved...)
}

type Folder struct {
	Model
	Name string `orm:"max_length=20"`
}

type Doc struct {
	Model
	Folder      FK[Folder] `orm:"null,on_delete=cascade,related_name=docs"`
	Title       string     `orm:"max_length=50"`
	Attachment  File       `orm:"upload_to=docs/%Y/%m/,delete_files,blank"`
	Kept        File       `orm:"upload_to=kept,blank"`
	Cover       File       `orm:"image,width_field=cover_width,height_field=cover_height,blank,max_length=120"`
	CoverWidth  int        `orm:"default=0"`
	CoverHeight int        `orm:"default=0"`
}

func (Doc) Meta() Meta {
	return Meta{Files: map[string]FileOptions{
		"attachment": {Storage: fileStore},
		"kept":       {Storage: keepStore},
		"cover": {Storage: fileStore, UploadToFunc: func(instance any, filename string) string {
			return "covers/" + instance.(*Doc).Title + "/" + filename
		}},
	}}
}

var fileModels = []any{Folder{}, Doc{}}
var fileRegister sync.Once

func fileDBs(t *testing.T, fn func(t *testing.T, db *DB)) {
	fileRegister.Do(func() {
		if err := RegisterModels("ormfile", fileModels...); err != nil {
			panic(err)
		}
	})
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := DropTables(ctx, db, fileModels...); err != nil {
			t.Fatal(err)
		}
		if err := CreateTables(ctx, db, fileModels...); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { DropTables(ctx, db, fileModels...) })
		fn(t, db)
	})
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func exists(t *testing.T, s storage.Storage, name string) bool {
	t.Helper()
	ok, err := s.Exists(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func readFile(t *testing.T, f File) string {
	t.Helper()
	r, err := f.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return string(b)
}

func TestFileSaveReadAndURL(t *testing.T) {
	fileDBs(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		d := &Doc{Title: "a"}
		d.Attachment.SetContent("report.txt", []byte("hello"))
		if err := db.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
		prefix := time.Now().UTC().Format("docs/2006/01/")
		if !strings.HasPrefix(d.Attachment.Name, prefix) || !strings.HasSuffix(d.Attachment.Name, ".txt") {
			t.Fatalf("name %q, want %s…txt", d.Attachment.Name, prefix)
		}
		got, err := Q[Doc](db).Get(ctx, "id", d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Attachment.Name != d.Attachment.Name || got.Attachment.Pending() {
			t.Fatalf("read back %+v", got.Attachment)
		}
		if got.Attachment.Storage() != fileStore {
			t.Fatal("a read File is not bound to its field's storage")
		}
		u, err := got.Attachment.URL()
		if err != nil || u != "/media/"+d.Attachment.Name {
			t.Fatalf("URL = %q, %v", u, err)
		}
		if n, err := got.Attachment.Size(); err != nil || n != 5 {
			t.Fatalf("Size = %d, %v", n, err)
		}
		if s := readFile(t, got.Attachment); s != "hello" {
			t.Fatalf("content %q", s)
		}
		if _, err := got.Kept.URL(); !errors.Is(err, ErrNoFile) {
			t.Fatalf("URL of an empty field: %v", err)
		}
		tpl, err := template.New().FromString("t", "{% if d.attachment %}<a href=\"{{ d.attachment.url }}\">{{ d.attachment }}</a> {{ d.attachment.size }}{% endif %}{% if d.kept %}kept{% endif %}")
		if err != nil {
			t.Fatal(err)
		}
		out, err := tpl.Render(map[string]any{"d": got})
		if err != nil {
			t.Fatal(err)
		}
		if want := `<a href="/media/` + d.Attachment.Name + `">` + d.Attachment.Name + `</a> 5`; out != want {
			t.Fatalf("template: %q, want %q", out, want)
		}
	})
}

func TestFileNeverOverwrites(t *testing.T) {
	fileDBs(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a, b := &Doc{Title: "a"}, &Doc{Title: "b"}
		a.Kept.SetContent("same.txt", []byte("first"))
		b.Kept.SetContent("same.txt", []byte("second"))
		if err := db.Save(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := db.Save(ctx, b); err != nil {
			t.Fatal(err)
		}
		if a.Kept.Name == b.Kept.Name {
			t.Fatalf("both saved as %q", a.Kept.Name)
		}
		if readFile(t, a.Kept) != "first" || readFile(t, b.Kept) != "second" {
			t.Fatal("a file was overwritten")
		}
	})
}

func TestFileReplaceAndClearPolicy(t *testing.T) {
	fileDBs(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		d := &Doc{Title: "a"}
		d.Attachment.SetContent("one.txt", []byte("1"))
		d.Kept.SetContent("one.txt", []byte("1"))
		if err := db.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
		oldAtt, oldKept := d.Attachment.Name, d.Kept.Name
		d.Attachment.SetContent("two.txt", []byte("2"))
		d.Kept.SetContent("two.txt", []byte("2"))
		if err := db.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
		if exists(t, fileStore, oldAtt) {
			t.Error("delete_files: the replaced file is still there")
		}
		if !exists(t, keepStore, oldKept) {
			t.Error("default policy: the replaced file was deleted")
		}
		// Clearing, from a copy loaded from the database.
		got, _ := Q[Doc](db).Get(ctx, "id", d.ID)
		cur := got.Attachment.Name
		got.Attachment.Clear()
		if err := db.Save(ctx, got); err != nil {
			t.Fatal(err)
		}
		if exists(t, fileStore, cur) {
			t.Error("delete_files: the cleared file is still there")
		}
		again, _ := Q[Doc](db).Get(ctx, "id", d.ID)
		if again.Attachment.Name != "" {
			t.Fatalf("cleared field reads %q", again.Attachment.Name)
		}
	})
}

func TestFileDeleteAfterCommitOnly(t *testing.T) {
	fileDBs(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		folder := &Folder{Name: "f"}
		if err := db.Save(ctx, folder); err != nil {
			t.Fatal(err)
		}
		d := &Doc{Title: "a", Folder: To(folder)}
		d.Attachment.SetContent("x.txt", []byte("x"))
		d.Kept.SetContent("x.txt", []byte("x"))
		if err := db.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
		att, kept := d.Attachment.Name, d.Kept.Name

		// A rolled-back delete keeps the file, and so does a file replaced in a
		// rolled-back save.
		boom := errors.New("boom")
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			cp := *d
			cp.Attachment.SetContent("y.txt", []byte("y"))
			if err := tx.Save(ctx, &cp); err != nil {
				return err
			}
			if _, err := tx.Delete(ctx, d); err != nil {
				return err
			}
			if !exists(t, fileStore, att) {
				t.Error("deleted before the commit")
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if !exists(t, fileStore, att) {
			t.Fatal("a rolled-back delete removed the file")
		}

		// Committed: deleted with the row (through the folder's cascade), and
		// only after the commit.
		err = db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			if _, err := tx.Delete(ctx, folder); err != nil {
				return err
			}
			if !exists(t, fileStore, att) {
				t.Error("deleted before the commit")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if exists(t, fileStore, att) {
			t.Error("delete_files: the file outlived its row")
		}
		if !exists(t, keepStore, kept) {
			t.Error("default policy: the file was deleted with its row")
		}
	})
}

func TestFileQuerySetDelete(t *testing.T) {
	fileDBs(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		var names []string
		for i := 0; i < 3; i++ {
			d := &Doc{Title: "bulk"}
			d.Attachment.SetContent("b.txt", []byte("b"))
			if err := db.Save(ctx, d); err != nil {
				t.Fatal(err)
			}
			names = append(names, d.Attachment.Name)
		}
		if n, err := Q[Doc](db).Filter("title", "bulk").Delete(ctx); err != nil || n != 3 {
			t.Fatalf("Delete = %d, %v", n, err)
		}
		for _, n := range names {
			if exists(t, fileStore, n) {
				t.Errorf("%s outlived its row", n)
			}
		}
	})
}

func TestImageFieldDimensions(t *testing.T) {
	fileDBs(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		d := &Doc{Title: "pics"}
		d.Cover.SetContent("c.png", pngBytes(t, 3, 2))
		if err := db.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
		if d.CoverWidth != 3 || d.CoverHeight != 2 {
			t.Fatalf("dimensions %d×%d", d.CoverWidth, d.CoverHeight)
		}
		if !strings.HasPrefix(d.Cover.Name, "covers/pics/c") {
			t.Fatalf("UploadToFunc ignored: %q", d.Cover.Name)
		}
		got, _ := Q[Doc](db).Get(ctx, "id", d.ID)
		if got.CoverWidth != 3 || readFile(t, got.Cover) != string(pngBytes(t, 3, 2)) {
			t.Fatal("image content or size lost")
		}
		// Not an image: refused, nothing stored, no row.
		bad := &Doc{Title: "bad"}
		bad.Cover.SetContent("evil.png", []byte("<html><script>alert(1)</script>"))
		if err := db.Save(ctx, bad); err == nil {
			t.Fatal("HTML saved into an image field")
		}
		if bad.ID != 0 {
			t.Fatal("row written")
		}
	})
}

func TestFileHostileNames(t *testing.T) {
	fileDBs(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		for _, name := range []string{"../../etc/passwd", "a\x00b.php.png", strings.Repeat("x", 300) + ".txt", `..\..\win.ini`, "", "..", strings.Repeat("é", 200) + ".pdf"} {
			d := &Doc{Title: "h"}
			d.Attachment.SetContent(name, []byte("x"))
			if err := db.Save(ctx, d); err != nil {
				t.Fatalf("%q: %v", name, err)
			}
			n := d.Attachment.Name
			if !storage.ValidName(n) || len(n) > 100 || strings.Contains(n, "..") || !strings.HasPrefix(n, "docs/") {
				t.Errorf("%q stored as %q", name, n)
			}
			got, _ := Q[Doc](db).Get(ctx, "id", d.ID)
			if got.Attachment.Name != n {
				t.Errorf("%q: read back %q", name, got.Attachment.Name)
			}
		}
	})
}

func TestFileFailedWriteRemovesNewFile(t *testing.T) {
	fileDBs(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		d := &Doc{Title: strings.Repeat("t", 60)} // longer than max_length=50
		d.Attachment.SetContent("orphan.txt", []byte("o"))
		if err := db.Save(ctx, d); err == nil {
			if db.Dialect().Name() == "sqlite" {
				t.Skip("SQLite does not enforce varchar lengths")
			}
			t.Fatal("saved an over-long title")
		}
		if d.Attachment.Name != "" || !d.Attachment.Pending() {
			t.Fatalf("after a failed save the field holds %q (pending %v), want its unsaved content back", d.Attachment.Name, d.Attachment.Pending())
		}
		for _, n := range fileStore.Names() {
			if strings.Contains(n, "orphan") && exists(t, fileStore, n) {
				t.Fatalf("the file of a failed save stays in the storage: %s", n)
			}
		}
	})
}

func TestFileTagErrors(t *testing.T) {
	type textFile struct {
		Model
		F File `orm:"text"`
	}
	type uploadOnString struct {
		Model
		S string `orm:"upload_to=x"`
	}
	type dimsWithoutImage struct {
		Model
		F File `orm:"width_field=w"`
		W int
	}
	for _, m := range []any{textFile{}, uploadOnString{}, dimsWithoutImage{}} {
		if _, err := buildInfo(reflect.TypeOf(m), "bad"); err == nil {
			t.Errorf("%T: no error", m)
		}
	}
	info, err := buildInfo(reflect.TypeOf(Doc{}), "x")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := info.Field("kept")
	if f.Kind != KindVarchar || f.MaxLength != 100 || f.File == nil || f.File.DeleteFiles {
		t.Fatalf("kept: %+v", f)
	}
	c, _ := info.Field("cover")
	if c.MaxLength != 120 || !c.File.Image || c.File.Storage != storage.Storage(fileStore) {
		t.Fatalf("cover: %+v", c.File)
	}
}

func TestExpandUploadTo(t *testing.T) {
	tm := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for in, want := range map[string]string{
		"a/%Y/%m/%d/":   "a/2026/03/04/",
		"%H%M%S":        "050607",
		"100%%":         "100%",
		"%q%":           "%q%",
		"plain":         "plain",
		"../%Y/../etc/": "../2026/../etc/", // cleaned by storage.CleanName afterwards
	} {
		if got := expandUploadTo(in, tm); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestFileJSON(t *testing.T) {
	var f File
	if err := f.UnmarshalJSON([]byte(`"../etc/passwd"`)); err == nil {
		t.Fatal("unclean name accepted")
	}
	if err := f.UnmarshalJSON([]byte(`"a/b.txt"`)); err != nil || f.Name != "a/b.txt" {
		t.Fatal(f, err)
	}
	if b, _ := f.MarshalJSON(); string(b) != `"a/b.txt"` {
		t.Fatal(string(b))
	}
	if _, err := (File{}).Open(context.Background()); !errors.Is(err, ErrNoFile) {
		t.Fatal(err)
	}
}
