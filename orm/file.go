package orm

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/galvani-web/galvani/storage"
	"github.com/galvani-web/galvani/uploads"
)

// FileOptions describe a File field (Django's FileField and ImageField): where new
// files go, which storage keeps them, and what happens to a stored file when its
// row is deleted or the file replaced. The tag gives the static options
// (upload_to=, delete_files, image, width_field=, height_field=); a model's
// Meta.Files gives the rest (UploadToFunc, Storage) by field name.
type FileOptions struct {
	// UploadTo is the directory new files go to, relative to the storage's root;
	// strftime-like parts are replaced by the save time in UTC: %Y (2026), %m
	// (01-12), %d (01-31), %H, %M, %S, %% ("covers/%Y/%m/"). Tag: upload_to=.
	UploadTo string
	// UploadToFunc, if set, names a new file instead of UploadTo: it gets the
	// object being saved (a pointer to the model) and the uploaded file's name as
	// the client sent it (untrusted: the storage cleans the result).
	UploadToFunc func(instance any, filename string) string
	// Storage keeps the files; nil means storage.Default().
	Storage storage.Storage
	// DeleteFiles removes the stored file after the transaction that deletes its
	// row commits, and a replaced or cleared file after the save commits. The
	// default keeps files, as Django does (another row, or a rolled-back
	// transaction, may still refer to them). Tag: delete_files.
	DeleteFiles bool
	// Image marks an image field (Django's ImageField): the content must be a
	// PNG, JPEG or GIF image, whose dimensions fill WidthField and HeightField.
	// Tag: image.
	Image bool
	// WidthField and HeightField name integer fields of the model that a save
	// of new content sets to the image's width and height (Django's width_field
	// and height_field). Tags: width_field=, height_field=.
	WidthField, HeightField string
}

// storage returns the storage of the field, or the default one.
func (o *FileOptions) storage() storage.Storage {
	if o != nil && o.Storage != nil {
		return o.Storage
	}
	return storage.Default()
}

// ErrNoFile is returned by File's URL, Size and Open when the field holds no file.
var ErrNoFile = errors.New("orm: the field has no file")

// File is the value of a file field: the column holds the name under which a
// storage keeps the file (a varchar, 100 characters by default as in Django).
//
//	type Article struct {
//		orm.Model
//		Cover orm.File `orm:"image,upload_to=covers/%Y/,blank"`
//	}
//
// Assign new content with SetUpload (an uploaded file) or SetContent; the next
// Save stores it through the field's storage under a fresh, unique name (never
// overwriting another file) and writes that name. Clear empties the field. In
// templates, {{ article.cover.url }} is the file's address and {% if
// article.cover %} tests whether there is one.
type File struct {
	// Name is the stored name ("covers/2026/cat.png"), "" when there is no file.
	Name string

	opts      *FileOptions // the field's options, bound when read or saved
	committed string       // the name the row holds, as last read or saved
	pending   *pendingFile // content to store on the next save
}

type pendingFile struct {
	filename string
	open     func() (io.ReadCloser, error)
}

// String returns the stored name.
func (f File) String() string { return f.Name }

// Bool reports whether the field holds a file (the template engine's truth test).
func (f File) Bool() bool { return f.Name != "" }

// StoredName returns the stored name ("" when there is none).
func (f File) StoredName() string { return f.Name }

// Storage returns the storage that keeps the file: the field's, else
// storage.Default().
func (f File) Storage() storage.Storage { return f.opts.storage() }

// URL returns the address the storage serves the file at. It is ErrNoFile when
// the field has no file.
func (f File) URL() (string, error) {
	if f.Name == "" {
		return "", ErrNoFile
	}
	return f.Storage().URL(f.Name)
}

// Size returns the stored file's length in bytes (see SizeContext).
func (f File) Size() (int64, error) { return f.SizeContext(context.Background()) }

// SizeContext returns the stored file's length in bytes, asking the storage
// (storage.Size).
func (f File) SizeContext(ctx context.Context) (int64, error) {
	if f.Name == "" {
		return 0, ErrNoFile
	}
	return storage.Size(ctx, f.Storage(), f.Name)
}

// Open opens the stored file for reading.
func (f File) Open(ctx context.Context) (io.ReadCloser, error) {
	if f.Name == "" {
		return nil, ErrNoFile
	}
	return f.Storage().Open(ctx, f.Name)
}

// SetUpload makes an uploaded file the field's new content, stored by the next
// Save. Save within the request: the upload's temporary file goes when it ends.
func (f *File) SetUpload(u *uploads.File) {
	if u == nil {
		return
	}
	f.pending = &pendingFile{filename: u.Filename, open: func() (io.ReadCloser, error) { return u.Open() }}
}

// SetContent makes data the field's new content, stored by the next Save under a
// name derived from filename (and the field's upload_to).
func (f *File) SetContent(filename string, data []byte) {
	f.pending = &pendingFile{filename: filename, open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// Clear empties the field (and drops content not yet saved). The stored file is
// deleted after the next Save commits when the field has delete_files, and kept
// otherwise.
func (f *File) Clear() {
	f.Name, f.pending = "", nil
}

// Pending reports whether new content waits for the next Save.
func (f File) Pending() bool { return f.pending != nil }

// Scan implements sql.Scanner.
func (f *File) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		f.Name = ""
	case string:
		f.Name = v
	case []byte:
		f.Name = string(v)
	default:
		return fmt.Errorf("orm: cannot scan %T into File", src)
	}
	f.committed, f.pending = f.Name, nil
	return nil
}

// Value implements driver.Valuer: the stored name.
func (f File) Value() (driver.Value, error) { return f.Name, nil }

// MarshalJSON writes the stored name (null when there is none).
func (f File) MarshalJSON() ([]byte, error) {
	if f.Name == "" {
		return []byte("null"), nil
	}
	return json.Marshal(f.Name)
}

// UnmarshalJSON reads a stored name (or null), as fixtures hold it. The name
// must be clean (storage.ValidName): a name is never a path.
func (f *File) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == nil || *s == "" {
		f.Name = ""
		return nil
	}
	if !storage.ValidName(*s) {
		return fmt.Errorf("orm: %q is not a clean file name", *s)
	}
	f.Name = *s
	return nil
}

var fileType = reflect.TypeFor[File]()

// fileScanFunc scans a File field and binds it to the field's options.
func fileScanFunc(fo *FileOptions) func(p unsafe.Pointer) any {
	return func(p unsafe.Pointer) any {
		fl := (*File)(p)
		fl.opts = fo
		return fl
	}
}

// expandUploadTo replaces the strftime-like parts of an upload_to directory.
func expandUploadTo(s string, t time.Time) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'Y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// uploadName is the name a new file of field f is saved under, before the
// storage makes it unique: upload_to (or UploadToFunc) and the client's file
// name, cleaned and shortened so that it fits the column with room for the
// storage's unique suffix.
func uploadName(f *Field, instance any, filename string, now time.Time) (string, error) {
	o := f.File
	var name string
	if o.UploadToFunc != nil {
		name = o.UploadToFunc(instance, filename)
	} else {
		base := filename
		if i := strings.LastIndexAny(base, `/\`); i >= 0 {
			base = base[i+1:]
		}
		dir := expandUploadTo(o.UploadTo, now)
		if dir != "" && !strings.HasSuffix(dir, "/") {
			dir += "/"
		}
		name = dir + base
	}
	name = storage.CleanName(name)
	// Room for the storage's "_xxxxxxx" alternative-name suffix.
	const suffix = 8
	limit := f.MaxLength - suffix
	if len(name) <= limit {
		return name, nil
	}
	dir, file := path.Split(name)
	ext := path.Ext(file)
	room := limit - len(dir) - len(ext)
	if room < 1 {
		return "", fmt.Errorf("orm: %s.%s: the file name %q cannot fit in max_length=%d", f.Model.Name, f.GoName, name, f.MaxLength)
	}
	base := []rune(strings.TrimSuffix(file, ext))
	for len(string(base)) > room {
		base = base[:len(base)-1]
	}
	return dir + string(base) + ext, nil
}

// fileSave is the work a save does for one File field with new content.
type fileSave struct {
	field    *Field
	file     *File
	stored   string       // the new name, to delete if the row's write fails
	replaced string       // the name the row held before
	prev     string       // the name before the save stored the new content
	pending  *pendingFile // the content, given back if the row's write fails
}

// storeFiles stores the pending content of obj's File fields (those the save
// writes) and sets their names, before the row is written.
func (db *DB) storeFiles(ctx context.Context, m *ModelInfo, obj any, p unsafe.Pointer, o saveOpts) ([]fileSave, error) {
	var saves []fileSave
	now := time.Now().UTC()
	for _, f := range m.files {
		fl := (*File)(unsafe.Add(p, f.offset))
		fl.opts = f.File
		if len(o.fields) > 0 && !containsName(o.fields, f) {
			continue
		}
		if fl.pending == nil {
			if fl.Name != fl.committed {
				saves = append(saves, fileSave{field: f, replaced: fl.committed})
			}
			continue
		}
		prev, pending := fl.Name, fl.pending
		name, err := db.storeFile(ctx, m, f, fl, obj, p, now)
		if err != nil {
			abortFiles(ctx, m, saves)
			return nil, err
		}
		saves = append(saves, fileSave{field: f, file: fl, stored: name, replaced: fl.committed, prev: prev, pending: pending})
	}
	return saves, nil
}

func containsName(names []string, f *Field) bool {
	for _, n := range names {
		if n == f.Name || n == f.GoName || n == f.Column {
			return true
		}
	}
	return false
}

func (db *DB) storeFile(ctx context.Context, m *ModelInfo, f *Field, fl *File, obj any, p unsafe.Pointer, now time.Time) (string, error) {
	name, err := uploadName(f, obj, fl.pending.filename, now)
	if err != nil {
		return "", err
	}
	rc, err := fl.pending.open()
	if err != nil {
		return "", fmt.Errorf("orm: %s.%s: opening the new file: %w", m.Name, f.GoName, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	if f.File.Image {
		// Read the header for the dimensions; keep what was read for the storage.
		var head bytes.Buffer
		info, err := uploads.InspectImage(io.TeeReader(rc, &head), uploads.ImageLimits{MaxPixels: -1})
		if err != nil {
			return "", fmt.Errorf("orm: %s.%s: %w", m.Name, f.GoName, err)
		}
		setDimension(m, p, f.File.WidthField, info.Width)
		setDimension(m, p, f.File.HeightField, info.Height)
		r = io.MultiReader(&head, rc)
	}
	st := f.File.storage()
	stored, err := st.Save(ctx, name, r)
	if err != nil {
		return "", fmt.Errorf("orm: %s.%s: %w", m.Name, f.GoName, err)
	}
	if len(stored) > f.MaxLength {
		_ = st.Delete(context.WithoutCancel(ctx), stored)
		return "", fmt.Errorf("orm: %s.%s: the stored name %q is longer than max_length=%d", m.Name, f.GoName, stored, f.MaxLength)
	}
	fl.Name, fl.pending = stored, nil
	return stored, nil
}

func setDimension(m *ModelInfo, p unsafe.Pointer, name string, n int) {
	if name == "" {
		return
	}
	if f, ok := m.byName[name]; ok {
		v := fieldValue(f, p)
		if f.ptr {
			nv := reflect.New(v.Type().Elem())
			setInt(nv.Elem(), int64(n))
			v.Set(nv)
			return
		}
		setInt(v, int64(n))
	}
}

// abortFiles deletes the files stored for a save whose row could not be written,
// and gives the fields back their unsaved content, so that a retry stores it.
func abortFiles(ctx context.Context, m *ModelInfo, saves []fileSave) {
	ctx = context.WithoutCancel(ctx)
	for _, s := range saves {
		if s.stored != "" {
			s.file.Name, s.file.pending = s.prev, s.pending
			if err := s.field.File.storage().Delete(ctx, s.stored); err != nil {
				slog.Warn("orm: removing a file stored for a failed save", "model", m.Name, "field", s.field.Name, "name", s.stored, "err", err)
			}
		}
	}
}

// commitFiles records the new names as the rows' and, for delete_files fields,
// deletes the replaced files once the transaction commits.
func (db *DB) commitFiles(ctx context.Context, m *ModelInfo, p unsafe.Pointer, saves []fileSave) {
	for _, s := range saves {
		fl := (*File)(unsafe.Add(p, s.field.offset))
		old := s.replaced
		fl.committed = fl.Name
		if s.field.File.DeleteFiles && old != "" && old != fl.Name {
			st := s.field.File.storage()
			db.OnCommit(ctx, func(ctx context.Context) { deleteStored(ctx, m, s.field, st, []string{old}) })
		}
	}
}

// deleteStored deletes files after a commit; failures are logged, since the rows
// are gone already.
func deleteStored(ctx context.Context, m *ModelInfo, f *Field, st storage.Storage, names []string) {
	ctx = context.WithoutCancel(ctx)
	for _, n := range names {
		if n == "" || !storage.ValidName(n) {
			continue
		}
		if err := st.Delete(ctx, n); err != nil {
			slog.Warn("orm: deleting a stored file after commit", "model", m.Name, "field", f.Name, "name", n, "err", err)
		}
	}
}

// collectFileNames reads, before rows of m are deleted, the names their
// delete_files fields hold, and arranges for those files to be deleted when the
// transaction of tx commits.
func collectFileNames(ctx context.Context, tx *DB, m *ModelInfo, pks []any) error {
	var fields []*Field
	for _, f := range m.files {
		if f.File.DeleteFiles {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 || len(pks) == 0 {
		return nil
	}
	d := tx.dialect
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = d.QuoteIdent(f.Column)
	}
	names := make([][]string, len(fields))
	for _, ch := range chunks(pks, chunkSize(d)) {
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + d.QuoteIdent(m.Table) + " WHERE " + d.QuoteIdent(m.PK.Column) + " IN (" + placeholders(d, 0, len(ch)) + ")"
		rows, err := tx.query(ctx, q, ch)
		if err != nil {
			return err
		}
		dest := make([]any, len(fields))
		vals := make([]File, len(fields))
		for i := range vals {
			dest[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return wrapDBErr(err)
			}
			for i := range vals {
				if vals[i].Name != "" {
					names[i] = append(names[i], vals[i].Name)
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return wrapDBErr(err)
		}
	}
	for i, f := range fields {
		if len(names[i]) == 0 {
			continue
		}
		f, list, st := f, names[i], f.File.storage()
		tx.OnCommit(ctx, func(ctx context.Context) { deleteStored(ctx, m, f, st, list) })
	}
	return nil
}
