package galvani

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// DebugSection adds a section to the debug error page shown when Settings.Debug is
// on. It returns label/value rows for the request being answered (the ORM's
// per-request query log is one). It is never called in production. A section that
// panics shows the panic in its place instead of breaking the page.
type DebugSection func(r *http.Request) [][2]string

// AddDebugSection registers a titled section for the debug error page. Sections
// appear in registration order, after the settings. Register them before serving.
func (a *App) AddDebugSection(title string, fn DebugSection) {
	a.debugSections = append(a.debugSections, namedDebugSection{title, fn})
}

type namedDebugSection struct {
	title string
	fn    DebugSection
}

// debugRow is one label/value line of a debug page table.
type debugRow struct{ K, V string }

// debugSectionView is an AddDebugSection section evaluated for one request.
type debugSectionView struct {
	Title string
	Rows  []debugRow
	Err   string
}

func (a *App) evalDebugSections(r *http.Request) []debugSectionView {
	out := make([]debugSectionView, 0, len(a.debugSections))
	for _, s := range a.debugSections {
		out = append(out, evalDebugSection(s, r))
	}
	return out
}

func evalDebugSection(s namedDebugSection, r *http.Request) (v debugSectionView) {
	v.Title = s.title
	defer func() {
		if p := recover(); p != nil {
			v.Rows, v.Err = nil, fmt.Sprintf("this section panicked: %v", p)
		}
	}()
	for _, kv := range s.fn(r) {
		v.Rows = append(v.Rows, debugRow{kv[0], kv[1]})
	}
	return v
}

// ---- masking secrets ----

// secretName matches setting, form field and header names whose values are hidden on
// debug pages (Django's SafeExceptionReporterFilter list, and a few more).
var secretName = regexp.MustCompile(`(?i)SECRET|KEY|PASS|TOKEN|SIGNATURE|API|AUTH|CREDENTIAL|PRIVATE|SALT|COOKIE|SESSION`)

// secretSettingName is secretName for settings, where cookie and session names
// (SessionCookieName) are harmless and useful to see.
var secretSettingName = regexp.MustCompile(`(?i)SECRET|KEY|PASS|TOKEN|SIGNATURE|API|AUTH|CREDENTIAL|PRIVATE|SALT`)

const masked = "********************"

var (
	// dsnPassword matches a password in keyword DSNs: "host=db password=s3cret".
	dsnPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('[^']*'|\S+)`)
	// mysqlDSNPassword matches go-sql-driver DSNs: "user:s3cret@tcp(db:3306)/app".
	mysqlDSNPassword = regexp.MustCompile(`^([^:@/\s]+:)[^@]*(@[a-z0-9]*\()`)
	// urlPassword matches user:password@ in URLs that url.Parse refuses.
	urlPassword = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@/?#]*@`)
)

// scrubValue hides passwords inside a string setting value: in URLs
// (postgres://u:pw@h/db), keyword DSNs (password=pw) and MySQL DSNs (u:pw@tcp(h)/db).
func scrubValue(s string) string {
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
				return strings.Replace(u.String(), ":xxxxx@", ":"+masked+"@", 1)
			}
			return s
		}
		s = urlPassword.ReplaceAllString(s, "${1}"+masked+"@")
	}
	s = mysqlDSNPassword.ReplaceAllString(s, "${1}"+masked+"${2}")
	return dsnPassword.ReplaceAllString(s, "${1}"+masked)
}

// settingsRows flattens the settings into rows with secrets masked: values of fields,
// map keys and section names matching secretSettingName, and passwords inside URLs and
// DSNs anywhere.
func settingsRows(s *Settings) []debugRow {
	var rows []debugRow
	v := reflect.ValueOf(s).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Name == "Sections" {
			keys := make([]string, 0, len(s.Sections))
			for k := range s.Sections {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walkSetting(&rows, "Sections["+strconvQuote(k)+"]", secretSettingName.MatchString(k), reflect.ValueOf(s.Sections[k]), 0)
			}
			continue
		}
		if f.Name == "SecretKey" && s.randomKey {
			rows = append(rows, debugRow{K: f.Name, V: randomKeyNote})
			continue
		}
		walkSetting(&rows, f.Name, secretSettingName.MatchString(f.Name), v.Field(i), 0)
	}
	return rows
}

// randomKeyNote stands for a SecretKey that New made up (Settings.RandomSecretKey).
const randomKeyNote = `"" (a random key for this process: SECRET_KEY is unset)`

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

const maxSettingRows = 1000

func walkSetting(rows *[]debugRow, name string, secret bool, v reflect.Value, depth int) {
	if len(*rows) >= maxSettingRows {
		return
	}
	add := func(val string) { *rows = append(*rows, debugRow{name, val}) }
	if !v.IsValid() {
		add("nil")
		return
	}
	if secret {
		if v.IsZero() {
			add(`""`)
		} else {
			add(masked)
		}
		return
	}
	if depth > 6 {
		add("…")
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			add("nil")
			return
		}
		walkSetting(rows, name, false, v.Elem(), depth+1)
	case reflect.Struct:
		t := v.Type()
		n := 0
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			n++
			walkSetting(rows, name+"."+f.Name, secretSettingName.MatchString(f.Name), v.Field(i), depth+1)
		}
		if n == 0 { // time.Time and other opaque values
			add(scrubValue(fmt.Sprint(v.Interface())))
		}
	case reflect.Map:
		if v.Len() == 0 {
			add("{}")
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			ks := fmt.Sprint(k.Interface())
			walkSetting(rows, name+"["+strconvQuote(ks)+"]", secretSettingName.MatchString(ks), v.MapIndex(k), depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			add("[]")
			return
		}
		if simpleKind(v.Type().Elem().Kind()) {
			parts := make([]string, v.Len())
			for i := range parts {
				parts[i] = scrubValue(fmt.Sprint(v.Index(i).Interface()))
			}
			add("[" + strings.Join(parts, ", ") + "]")
			return
		}
		for i := 0; i < v.Len(); i++ {
			walkSetting(rows, fmt.Sprintf("%s[%d]", name, i), false, v.Index(i), depth+1)
		}
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			add("nil")
		} else {
			add(v.Type().String())
		}
	case reflect.String:
		add(strconvQuote(scrubValue(v.String())))
	default:
		if v.CanInterface() {
			add(fmt.Sprint(v.Interface()))
		}
	}
}

func simpleKind(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// ---- the request ----

// valuesRows lists url.Values sorted by key, masking values whose key looks secret.
func valuesRows(v url.Values) []debugRow {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([]debugRow, 0, len(keys))
	for _, k := range keys {
		val := strings.Join(v[k], ", ")
		if secretName.MatchString(k) {
			val = masked
		}
		rows = append(rows, debugRow{k, val})
	}
	return rows
}

// headerRows lists request headers, masking credentials (Authorization, Cookie) and
// anything whose name looks secret (X-Api-Key, X-CSRF-Token): the same rule as
// valuesRows, since both are map[string][]string.
func headerRows(h http.Header) []debugRow { return valuesRows(url.Values(h)) }

// cookieRows lists the request's cookie names; values are masked (a session cookie
// is a credential).
func cookieRows(r *http.Request) []debugRow {
	cks := r.Cookies()
	rows := make([]debugRow, 0, len(cks))
	for _, ck := range cks {
		rows = append(rows, debugRow{ck.Name, masked})
	}
	return rows
}

// formRows lists the form fields if the handler parsed the body; the debug page never
// reads the body itself.
func formRows(r *http.Request) []debugRow {
	if r.PostForm == nil {
		return nil
	}
	rows := valuesRows(r.PostForm)
	if r.MultipartForm != nil {
		keys := make([]string, 0, len(r.MultipartForm.File))
		for k := range r.MultipartForm.File {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var names []string
			for _, fh := range r.MultipartForm.File[k] {
				names = append(names, fmt.Sprintf("%s (%d bytes)", fh.Filename, fh.Size))
			}
			rows = append(rows, debugRow{k + " (file)", strings.Join(names, ", ")})
		}
	}
	return rows
}
