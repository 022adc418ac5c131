package admin_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/internal/nodetest"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/storage"
)

// galleryMedia is the storage of the Poster test model; each test points it at
// a directory of its own.
var galleryMedia = storage.NewFileSystem("", "/media/")

// Poster (app "gallery") has an optional image whose file goes with the row
// (delete_files) and an optional flyer whose old files are kept.
type Poster struct {
	orm.Model
	Title  string   `orm:"max_length=100"`
	Image  orm.File `orm:"image,blank,delete_files,upload_to=posters/,width_field=width,height_field=height"`
	Width  int      `orm:"default=0"`
	Height int      `orm:"default=0"`
	Flyer  orm.File `orm:"blank,upload_to=flyers/"`
}

func (p Poster) String() string { return p.Title }

func (Poster) Meta() orm.Meta {
	return orm.Meta{Files: map[string]orm.FileOptions{"image": {Storage: galleryMedia}, "flyer": {Storage: galleryMedia}}}
}

var galleryOnce sync.Once

// galleryEnv is the admin project with Poster registered, on db (SQLite when
// nil), its files in a temporary directory.
func galleryEnv(t *testing.T, db *orm.DB) *env {
	registerModels()
	galleryOnce.Do(func() {
		if err := orm.RegisterModels("gallery", Poster{}); err != nil {
			panic(err)
		}
	})
	galleryMedia.Dir = t.TempDir()
	e := newEnv(t, db, func(s *admin.Site) {
		registrations(s)
		admin.Register(s, admin.ModelAdmin[Poster]{ListDisplay: []string{"title", "image", "flyer", "width"}})
	})
	ctx := context.Background()
	orm.DropTables(ctx, e.db, Poster{})
	if err := orm.CreateTables(ctx, e.db, Poster{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { orm.DropTables(ctx, e.db, Poster{}) })
	return e
}

func pngFile(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{uint8(40 * x), 120, 200, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func onDisk(name string) bool {
	_, err := os.Stat(filepath.Join(galleryMedia.Dir, filepath.FromSlash(name)))
	return err == nil
}

var currentLink = regexp.MustCompile(`Currently: <a href="/media/(posters/[^"]+)">`)

// The admin edits file fields: a multipart change form with "Currently:", a
// clear box and a file input; an upload stored through the field's storage; a
// changelist that links the file; hostile uploads refused with the form's
// messages; a clear that deletes the file after the commit (delete_files).
func TestAdminFileFields(t *testing.T) {
	eachDB(t, func(t *testing.T, db *orm.DB) {
		e := galleryEnv(t, db)
		c := e.loggedIn(e.user("boss", true, true))
		ctx := context.Background()

		add := c.Get("/admin/gallery/poster/add/")
		status(t, add, 200)
		body := add.Body()
		for _, want := range []string{`enctype="multipart/form-data"`, `<input type="file" name="image" id="id_image" accept="image/png,image/jpeg,image/gif">`, `name="flyer"`} {
			if !strings.Contains(body, want) {
				t.Fatalf("add form lacks %s", want)
			}
		}
		if strings.Contains(body, `name="width"`) {
			t.Error("the width field, the ORM's to set, is in the form")
		}
		token := csrfInput.FindStringSubmatch(body)[1]
		fields := url.Values{"csrfmiddlewaretoken": {token}, "title": {"Moon"}, "_save": {"Save"}}
		img := pngFile(t, 12, 9)
		r := c.PostMultipart("/admin/gallery/poster/add/", fields, []galvanitest.File{{Field: "image", Name: "full moon.png", ContentType: "image/png", Content: img}})
		status(t, r, 303)
		p, err := orm.Q[Poster](e.db).Get(ctx, "title", "Moon")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Image.Name, "posters/full_moon") || p.Width != 12 || p.Height != 9 || !onDisk(p.Image.Name) {
			t.Fatalf("saved %+v", p)
		}

		// The changelist links the file; the empty flyer shows the empty value.
		list := c.Get("/admin/gallery/poster/")
		status(t, list, 200)
		if !strings.Contains(list.Body(), `<a href="/media/`+p.Image.Name+`">`+p.Image.Name+`</a>`) {
			t.Errorf("changelist lacks the file link\n%.4000s", list.Body())
		}

		changeURL := "/admin/gallery/poster/" + strconv.FormatInt(p.ID, 10) + "/change/"
		page := c.Get(changeURL)
		status(t, page, 200)
		body = page.Body()
		m := currentLink.FindStringSubmatch(body)
		if m == nil || m[1] != p.Image.Name || !strings.Contains(body, `name="image-clear"`) {
			t.Fatalf("change form lacks Currently/clear\n%.5000s", body)
		}
		token = csrfInput.FindStringSubmatch(body)[1]
		fields = url.Values{"csrfmiddlewaretoken": {token}, "title": {"Moon"}, "_continue": {"Save"}}

		// Hostile uploads: the form again, with the message; nothing stored.
		for _, tc := range []struct {
			name string
			file galvanitest.File
			want string
		}{
			{"polyglot", galvanitest.File{Field: "image", Name: "x.png", Content: append(pngFile(t, 2, 2), "<script>alert(1)</script>"...)}, "other data after its end"},
			{"html", galvanitest.File{Field: "image", Name: "x.png", ContentType: "image/png", Content: []byte("<html><script>alert(1)</script>")}, "not one (text/html)"},
			{"truncated", galvanitest.File{Field: "image", Name: "x.png", Content: img[:len(img)-12]}, "truncated or damaged"},
			{"bidi name", galvanitest.File{Field: "flyer", Name: "flyer\u202Efdp.exe", Content: []byte("x")}, "not allowed"},
		} {
			before, _ := os.ReadDir(filepath.Join(galleryMedia.Dir, "posters"))
			r := c.PostMultipart(changeURL, fields, []galvanitest.File{tc.file})
			if r.StatusCode == 303 || !strings.Contains(r.Body(), tc.want) {
				t.Errorf("%s: status %d, body lacks %q", tc.name, r.StatusCode, tc.want)
			}
			after, _ := os.ReadDir(filepath.Join(galleryMedia.Dir, "posters"))
			if len(after) != len(before) {
				t.Errorf("%s: a file was stored", tc.name)
			}
		}

		// Saving without a file keeps it; clearing deletes it after the commit.
		status(t, c.PostMultipart(changeURL, fields, nil), 303)
		if q, _ := orm.Q[Poster](e.db).Get(ctx, "id", p.ID); q.Image.Name != p.Image.Name {
			t.Fatalf("a save without a file changed it to %q", q.Image.Name)
		}
		cleared := url.Values{"image-clear": {"on"}}
		for k, v := range fields {
			cleared[k] = v
		}
		status(t, c.PostMultipart(changeURL, cleared, nil), 303)
		q, _ := orm.Q[Poster](e.db).Get(ctx, "id", p.ID)
		if q.Image.Name != "" || onDisk(p.Image.Name) {
			t.Fatalf("cleared: column %q, file on disk %v", q.Image.Name, onDisk(p.Image.Name))
		}
	})
}

// An image uploaded through the admin in headless Chromium (playwright-core),
// linked in the changelist and the change form, served by storage.Handler, and
// cleared. Screenshots go to $GALVANI_ADMIN_SHOTS when set.
func TestBrowserFileUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	nodetest.Modules(t, "playwright-core")
	chromium := nodetest.Chromium(t)
	e := galleryEnv(t, nil)
	e.user("boss", true, true)
	e.app.Mount("/media", storage.Handler(galleryMedia))
	img := filepath.Join(t.TempDir(), "harvest moon.png")
	if err := os.WriteFile(img, pngFile(t, 64, 48), 0o644); err != nil {
		t.Fatal(err)
	}
	runBrowserScript(t, e.app, chromium, "testdata/file_browser.js", 2*time.Minute, "IMAGE="+img)
}
