package forms

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/uploads"
)

// imageBytes encodes a w×h image in format.
func imageBytes(t testing.TB, format string, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngBomb is a PNG header declaring w×h pixels, with no pixel data.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// upload parses one file part through package uploads, as a request would.
func upload(t testing.TB, field, filename string, content []byte) (*uploads.File, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	disp := `form-data; name="` + field + `"; filename="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(filename) + `"`
	if strings.IndexFunc(filename, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		// Control characters cannot be in a header line; RFC 2231 carries them.
		disp = `form-data; name="` + field + `"; filename*=UTF-8''` + url.PathEscape(filename)
	}
	h.Set("Content-Disposition", disp)
	h.Set("Content-Type", "image/png") // the client's claim, which nothing trusts
	w, err := mw.CreatePart(h)
	if err != nil {
		return nil, err
	}
	w.Write(content)
	mw.Close()
	form, err := uploads.ParseReader(&buf, mw.Boundary(), uploads.Limits{})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { form.RemoveAll() })
	fs := form.File[field]
	if len(fs) != 1 {
		return nil, nil
	}
	return fs[0], nil
}

type AvatarForm struct {
	Picture *uploads.File `form:",kind=image,required,max_size=20000,max_width=64,max_height=64"`
}

type DocForm struct {
	Doc *uploads.File `form:",max_size=1000" accept:"application/pdf,text/plain"`
}

// Uploads that a user or an attacker may send are form errors that say what to
// do, never a panic or a stored surprise.
func TestImageFieldRefusesHostileUploads(t *testing.T) {
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	pngImg := imageBytes(t, "png", 40, 30)
	for _, tc := range []struct {
		name, filename string
		content        []byte
		want           string // "" for valid
	}{
		{"png", "cat.png", pngImg, ""},
		{"jpeg", "cat.jpg", imageBytes(t, "jpeg", 64, 64), ""},
		{"gif", "cat.gif", imageBytes(t, "gif", 1, 1), ""},
		{"unicode name", "chat noir été 猫.png", pngImg, ""},
		{"emoji name with joiners", "\U0001F468\u200D\U0001F469\u200D\U0001F467.png", pngImg, ""},
		{"zero bytes", "cat.png", nil, "The submitted file is empty."},
		{"over max_size", "cat.png", cat(pngImg, make([]byte, 20000)), "at most 20000 bytes"},
		{"html named png", "cat.png", []byte("<html><script>alert(1)</script></html>"), "not one (text/html)"},
		{"pdf named png", "cat.png", []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj"), "not one (application/pdf)"},
		{"truncated png", "cat.png", pngImg[:len(pngImg)-20], "truncated or damaged"},
		{"png polyglot with html", "cat.png", cat(pngImg, []byte("<script>alert(1)</script>")), "other data after its end"},
		{"gif with a java archive", "cat.gif", cat(imageBytes(t, "gif", 2, 2), []byte("PK\x03\x04\x14\x00META-INF/")), "other data after its end"},
		{"gif header and script", "x.gif", []byte("GIF89a/*\x00\x00*/=alert(1);"), "PNG, JPEG or GIF"},
		{"too wide", "wide.png", imageBytes(t, "png", 65, 10), "65×10 pixels; it must be at most 64 pixels wide"},
		{"decompression bomb", "bomb.png", pngBomb(100000, 100000), "100000×100000 pixels"},
		{"windows traversal", `..\..\..\etc\cron.d\x.png`, pngImg, "has characters that are not allowed"},
		{"dot dot", "..", pngImg, "has characters that are not allowed"},
		{"right-to-left override", "photo\u202Egnp.exe", pngImg, `"photo\u202egnp.exe"`},
		{"control character", "a\x01b.png", pngImg, "not allowed"},
		{"delete character", "a\x7fb.png", pngImg, "not allowed"},
		{"invalid utf-8", "a\xff.png", pngImg, "not allowed"},
		{"name too long", strings.Repeat("a", 300) + ".png", pngImg, "at most 255 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fh, err := upload(t, "picture", tc.filename, tc.content)
			if err != nil {
				t.Fatal(err)
			}
			var files map[string][]*uploads.File
			if fh != nil {
				files = map[string][]*uploads.File{"picture": {fh}}
			}
			f := New[AvatarForm]()
			err = f.BindData(context.Background(), nil, files)
			msgs := strings.Join(f.FieldErrors("picture"), " ")
			if tc.want == "" {
				if err != nil || f.Data.Picture != fh {
					t.Fatalf("refused: %v %q", err, msgs)
				}
				return
			}
			if err == nil || !strings.Contains(msgs, tc.want) {
				t.Fatalf("messages %q, want %q (err %v)", msgs, tc.want, err)
			}
			if f.Data.Picture != nil {
				t.Error("an invalid upload was kept")
			}
		})
	}
}

func TestFileFieldSniffsTheContent(t *testing.T) {
	for _, tc := range []struct {
		name, filename string
		content        string
		want           string
	}{
		{"text", "notes.txt", "plain words", ""},
		{"pdf under an image name", "scan.png", "%PDF-1.7\n", ""},
		{"html under a text name", "notes.txt", "<!DOCTYPE html><p>hi", "this one is text/html"},
		{"executable under a pdf name", "invoice.pdf", "MZ\x90\x00\x03\x00\x00\x00", "this one is application/octet-stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fh, err := upload(t, "doc", tc.filename, []byte(tc.content))
			if err != nil {
				t.Fatal(err)
			}
			f := New[DocForm]()
			err = f.BindData(context.Background(), nil, map[string][]*uploads.File{"doc": {fh}})
			msgs := strings.Join(f.FieldErrors("doc"), " ")
			if (tc.want == "") != (err == nil) || !strings.Contains(msgs, tc.want) {
				t.Fatalf("err %v, messages %q, want %q", err, msgs, tc.want)
			}
		})
	}
	// Optional: nothing sent is fine.
	f := New[DocForm]()
	if err := f.BindData(context.Background(), nil, nil); err != nil || f.Data.Doc != nil {
		t.Fatal(err, f.Data.Doc)
	}
}

// storedFake is a StoredFile as orm.File is one: a stored name, new content to
// save, a clear.
type storedFake struct {
	Name    string
	Upload  *uploads.File
	Cleared bool
}

func (s storedFake) StoredName() string { return s.Name }
func (s storedFake) URL() (string, error) {
	return "/media/" + url.PathEscape(s.Name), nil
}
func (s *storedFake) SetUpload(u *uploads.File) { s.Upload = u }
func (s *storedFake) Clear()                    { s.Name, s.Upload, s.Cleared = "", nil, true }

type Profile struct {
	Name  string     `form:",required"`
	Photo storedFake `form:",kind=image"`
	CV    storedFake `form:"cv,required" accept:"application/pdf"`
}

// A field of a StoredFile type behaves as Django's ClearableFileInput: the
// current file satisfies required, the clear box empties an optional field, and
// both at once is a contradiction.
func TestStoredFileField(t *testing.T) {
	photo, _ := upload(t, "photo", "new.png", imageBytes(t, "png", 3, 3))
	cv, _ := upload(t, "cv", "cv.pdf", []byte("%PDF-1.7\n"))
	for _, tc := range []struct {
		name        string
		photo, cv   string // current names
		values      url.Values
		files       map[string][]*uploads.File
		wantErr     string // a message of the form, "" for valid
		wantPhoto   storedFake
		wantChanged bool
	}{
		{name: "nothing sent keeps both", photo: "old.png", cv: "cv.pdf",
			wantPhoto: storedFake{Name: "old.png"}},
		{name: "clear empties the optional photo", photo: "old.png", cv: "cv.pdf",
			values: url.Values{"photo-clear": {"on"}}, wantPhoto: storedFake{Cleared: true}, wantChanged: true},
		{name: "a new photo replaces", photo: "old.png", cv: "cv.pdf",
			files: map[string][]*uploads.File{"photo": {photo}}, wantPhoto: storedFake{Name: "old.png", Upload: photo}, wantChanged: true},
		{name: "clear and a new photo contradict", photo: "old.png", cv: "cv.pdf",
			values: url.Values{"photo-clear": {"on"}}, files: map[string][]*uploads.File{"photo": {photo}},
			wantErr: "not both", wantPhoto: storedFake{Name: "old.png"}, wantChanged: true},
		{name: "required without a current file", photo: "", cv: "",
			wantErr: "This field is required.", wantPhoto: storedFake{}},
		{name: "required with a new file", photo: "", cv: "",
			files: map[string][]*uploads.File{"cv": {cv}}, wantPhoto: storedFake{}, wantChanged: true},
		{name: "a forged clear of a required field is ignored", photo: "", cv: "cv.pdf",
			values: url.Values{"cv-clear": {"on"}}, wantPhoto: storedFake{}, wantChanged: true},
		{name: "clear without a current file", photo: "", cv: "cv.pdf",
			values: url.Values{"photo-clear": {"on"}}, wantPhoto: storedFake{Cleared: true}, wantChanged: true},
		{name: "two files for one field", photo: "old.png", cv: "cv.pdf",
			files: map[string][]*uploads.File{"photo": {photo, photo}}, wantErr: "not 2", wantPhoto: storedFake{Name: "old.png"}, wantChanged: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := New[Profile]()
			f.Data = Profile{Name: "Ada", Photo: storedFake{Name: tc.photo}, CV: storedFake{Name: tc.cv}}
			values := url.Values{"name": {"Ada"}}
			for k, v := range tc.values {
				values[k] = v
			}
			err := f.BindData(context.Background(), values, tc.files)
			var msgs []string
			if ve := f.Errors(); ve != nil {
				for _, m := range ve.Fields {
					msgs = append(msgs, m...)
				}
				msgs = append(msgs, ve.NonField...)
			}
			all := strings.Join(msgs, " ")
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && !strings.Contains(all, tc.wantErr) {
				t.Fatalf("err %v, messages %q, want %q", err, all, tc.wantErr)
			}
			if tc.wantErr == "" && f.Data.Photo != tc.wantPhoto {
				t.Errorf("photo = %+v, want %+v", f.Data.Photo, tc.wantPhoto)
			}
			if f.HasChanged() != tc.wantChanged {
				t.Errorf("HasChanged = %v", f.HasChanged())
			}
		})
	}
}

func TestClearableFileInputRendering(t *testing.T) {
	f := New[Profile]()
	if !f.IsMultipart() {
		t.Fatal("a form with file fields must say it is multipart")
	}
	f.Data = Profile{Photo: storedFake{Name: `a"<b>.png`}, CV: storedFake{Name: "cv.pdf"}}
	html := string(f.AsDiv())
	for _, want := range []string{
		`Currently: <a href="/media/a%22%3Cb%3E.png">a&#34;&lt;b&gt;.png</a>`,
		`<input type="checkbox" name="photo-clear" id="id_photo-clear"> <label for="id_photo-clear">Clear</label>`,
		`Change: <input type="file" name="photo" id="id_photo" accept="image/png,image/jpeg,image/gif">`,
		// Required, with a current file: no clear box, and no required attribute.
		`Currently: <a href="/media/cv.pdf">cv.pdf</a></p><p class="file-change">Change: <input type="file" name="cv" id="id_cv" accept="application/pdf">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s\nin %s", want, html)
		}
	}
	if strings.Contains(html, "cv-clear") {
		t.Error("a required field shows a clear box")
	}

	// No current file: a plain input, required when the field is.
	f = New[Profile]()
	html = string(f.AsDiv())
	if strings.Contains(html, "Currently") || !strings.Contains(html, `<input type="file" name="cv" id="id_cv" required accept="application/pdf">`) {
		t.Errorf("blank form: %s", html)
	}

	// Re-shown after an error: the file the form started with, the box as ticked.
	f = New[Profile]()
	f.Data = Profile{Photo: storedFake{Name: "old.png"}, CV: storedFake{Name: "cv.pdf"}}
	f.BindData(context.Background(), url.Values{"photo-clear": {"on"}}, nil) // name missing
	html = string(f.AsDiv())
	if !strings.Contains(html, `<a href="/media/old.png">old.png</a> <input type="checkbox" name="photo-clear" id="id_photo-clear" checked>`) {
		t.Errorf("re-rendered: %s", html)
	}

	// Labels in another language.
	fl := New[Profile]()
	fl.Data.Photo.Name = "x.png"
	fl.Field("photo").Widget = ClearableFileInput{CurrentLabel: "Actuellement :", ClearLabel: "Effacer", ChangeLabel: "Modifier :"}
	if h := string(fl.BoundField("photo").Widget()); !strings.Contains(h, "Actuellement :") || !strings.Contains(h, ">Effacer</label>") {
		t.Error(h)
	}
}

func TestFileTagsRefused(t *testing.T) {
	type BadImage struct {
		Picture string `form:",kind=image"`
	}
	type BadLimit struct {
		Picture *uploads.File `form:",kind=image,max_width=wide"`
	}
	if err := Check[BadImage](); err == nil {
		t.Error("kind=image on a string accepted")
	}
	if err := Check[BadLimit](); err == nil {
		t.Error("max_width=wide accepted")
	}
}

// FuzzFileField: any file name and content bound to an image field and a typed
// file field give a valid form or field errors, never a panic, and a kept upload
// passed every check.
func FuzzFileField(f *testing.F) {
	f.Add("cat.png", imageBytes(f, "png", 2, 2))
	f.Add("a\u202Egnp.exe", []byte("MZ"))
	f.Add(`..\..\x.gif`, append(imageBytes(f, "gif", 2, 2), "PK\x03\x04"...))
	f.Add("b.jpg", imageBytes(f, "jpeg", 3, 3)[:40])
	f.Add("c.txt", []byte("plain"))
	f.Fuzz(func(t *testing.T, filename string, content []byte) {
		if strings.ContainsAny(filename, "\r\n") {
			return // not expressible in a part header
		}
		fh, err := upload(t, "picture", filename, content)
		if err != nil || fh == nil {
			return
		}
		files := map[string][]*uploads.File{"picture": {fh}, "doc": {fh}}
		form := New[AvatarForm]()
		if form.BindData(context.Background(), nil, files) == nil {
			if checkFilename(fh.Filename) != nil || fh.Size == 0 || fh.Size > 20000 {
				t.Fatalf("accepted %q (%d bytes)", fh.Filename, fh.Size)
			}
			if _, err := fh.Image(uploads.ImageLimits{MaxWidth: 64, MaxHeight: 64}); err != nil {
				t.Fatalf("accepted an image CheckImage refuses: %v", err)
			}
		}
		doc := New[DocForm]()
		doc.BindData(context.Background(), nil, files)
		_ = doc.AsDiv()
	})
}

// A form posted without enctype="multipart/form-data" sends the file's name as
// text: the user is told to fix the form, not that the field is required.
func TestFileNameSentAsText(t *testing.T) {
	f := New[DocForm]()
	err := f.BindData(context.Background(), url.Values{"doc": {"cv.pdf"}}, nil)
	if err == nil || !strings.Contains(strings.Join(f.FieldErrors("doc"), ""), "Check the encoding type") {
		t.Fatal(err, f.FieldErrors("doc"))
	}
}
