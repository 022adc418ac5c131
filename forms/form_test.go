package forms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/formats"
	"github.com/galvani-web/galvani/uploads"
)

type Signup struct {
	Username string    `form:",required,min_length=3,max_length=12" help:"Letters and digits." regex:"[A-Za-z0-9]+"`
	Email    string    `form:",kind=email,required"`
	Website  string    `form:",kind=url"`
	Slug     string    `form:",kind=slug"`
	Age      int       `form:",min=13,max=130"`
	Price    string    `form:",kind=decimal,max_digits=6,decimal_places=2,min=0"`
	Born     time.Time `form:",kind=date"`
	Plan     string    `form:",required" choices:"free=Free|pro=Pro"`
	Toppings []string  `form:",widget=checkbox-multiple" choices:"ham=Ham|egg=Egg|spam=Spam"`
	Terms    bool      `form:",required" label:"I accept the terms"`
	Bio      string    `form:",widget=textarea,max_length=200"`
	Password string    `form:",widget=password"`
	Token    string    `form:",widget=hidden"`
	Ignored  string    `form:"-"`
	internal string
}

func valid() url.Values {
	return url.Values{
		"username": {"alice"},
		"email":    {"alice@example.com"},
		"plan":     {"pro"},
		"terms":    {"on"},
	}
}

func bind[T any](t *testing.T, data url.Values) (*Form[T], error) {
	t.Helper()
	f := New[T]()
	err := f.BindData(context.Background(), data, nil)
	return f, err
}

func TestBindValid(t *testing.T) {
	data := valid()
	data.Set("website", "example.com/path")
	data.Set("age", " 42 ")
	data.Set("price", "0012.50")
	data.Set("born", "1990-02-03")
	data["toppings"] = []string{"ham", "spam"}
	data.Set("slug", "my-slug_1")
	f, err := bind[Signup](t, data)
	if err != nil {
		t.Fatal(err)
	}
	d := f.Data
	if d.Username != "alice" || d.Email != "alice@example.com" || d.Website != "https://example.com/path" ||
		d.Age != 42 || d.Price != "12.50" || !d.Born.Equal(time.Date(1990, 2, 3, 0, 0, 0, 0, time.UTC)) ||
		d.Plan != "pro" || len(d.Toppings) != 2 || !d.Terms || d.Slug != "my-slug_1" {
		t.Errorf("cleaned data = %+v", d)
	}
	if !f.IsValid() || f.Errors() != nil {
		t.Error("valid form reports errors")
	}
}

func TestFieldValidation(t *testing.T) {
	tests := []struct {
		field, value string
		want         string // substring of the field's message
	}{
		{"username", "", "This field is required."},
		{"username", "   ", "This field is required."},
		{"username", "ab", "at least 3 characters (it has 2)"},
		{"username", "abcdefghijklm", "at most 12 characters (it has 13)"},
		{"username", "bad name", "Enter a valid value."},
		{"username", "ab\x00cd", "Null characters"},
		{"username", "ab\xffcd", "Enter valid text."},
		{"email", "not-an-email", "valid email"},
		{"email", "a@b", "valid email"},
		{"email", "a@@b.com", "valid email"},
		{"email", "a b@c.com", "valid email"},
		{"email", "a@b.com\nBcc: x@y.com", "valid email"},
		{"website", "javascript:alert(1)", "valid URL"},
		{"website", "http://", "valid URL"},
		{"website", "http://exa mple.com", "valid URL"},
		{"website", "http://example.com:99999/", "valid URL"},
		{"slug", "not a slug", "valid “slug”"},
		{"age", "abc", "whole number"},
		{"age", "12", "greater than or equal to 13"},
		{"age", "131", "less than or equal to 130"},
		{"age", "99999999999999999999999", "less than or equal to 9223372036854775807"},
		{"age", "1e3", "whole number"},
		{"age", "0x20", "whole number"},
		{"price", "abc", "Enter a number."},
		{"price", "1e5", "Enter a number."},
		{"price", "NaN", "Enter a number."},
		{"price", "1.234", "no more than 2 decimal places"},
		{"price", "12345.6", "no more than 4 digits before the decimal point"},
		{"price", "-1", "greater than or equal to 0"},
		{"price", strings.Repeat("9", 5000), "Enter a number."},
		{"born", "1990-13-45", "valid date"},
		{"born", "yesterday", "valid date"},
		{"plan", "gold", "gold is not one of the available choices"},
		{"toppings", "caviar", "caviar is not one of the available choices"},
		{"terms", "", "This field is required."},
		{"bio", strings.Repeat("x", 201), "at most 200 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			data := valid()
			data.Set(tt.field, tt.value)
			f, err := bind[Signup](t, data)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if ve.HTTPStatus() != 422 {
				t.Errorf("status %d", ve.HTTPStatus())
			}
			msgs := strings.Join(f.FieldErrors(tt.field), " ")
			if !strings.Contains(msgs, tt.want) {
				t.Errorf("messages %q, want %q", msgs, tt.want)
			}
			if len(ve.Fields) != 1 {
				t.Errorf("errors in other fields too: %v", ve.Fields)
			}
		})
	}
}

func TestValidValues(t *testing.T) {
	tests := []struct{ field, value string }{
		{"email", "first.last+tag@sub.example.co.uk"},
		{"email", "user@exämple.de"},
		{"email", `"quoted"@example.com`},
		{"email", "root@[127.0.0.1]"},
		{"website", "http://localhost:8000/x?y=1#z"},
		{"website", "https://[::1]/"},
		{"website", "ftp://files.example.com"},
		{"age", "13"},
		{"age", "30.0"},
		{"price", "9999.99"},
		{"price", ".5"},
		{"price", "0.00"},
		{"born", "02/03/1990"},
	}
	for _, tt := range tests {
		data := valid()
		data.Set(tt.field, tt.value)
		if _, err := bind[Signup](t, data); err != nil {
			t.Errorf("%s=%q: %v", tt.field, tt.value, err)
		}
	}
}

type Numbers struct {
	Small   int8     `form:",kind=integer"`
	Unsign  uint16   `form:""`
	Ptr     *int     `form:""`
	Rat     *big.Rat `form:",max_digits=30,decimal_places=10"`
	Ratio   float64  `form:",min=-1.5,max=1.5"`
	When    *time.Time
	At      time.Time `form:",kind=time"`
	IntPick int       `form:",kind=choice" choices:"1=One|2=Two"`
	Multi   []int     `form:",kind=multiple,max_choices=2" choices:"1=One|2=Two|3=Three"`
}

func TestNumbersAndTimes(t *testing.T) {
	f, err := bind[Numbers](t, url.Values{
		"small": {"-128"}, "unsign": {"65535"}, "ptr": {"0"}, "rat": {"3.1415926535"},
		"ratio": {"-1.25"}, "when": {"2026-11-21T19:30"}, "at": {"07:05:09"}, "int_pick": {"2"}, "multi": {"1", "3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := f.Data
	if d.Small != -128 || d.Unsign != 65535 || d.Ptr == nil || *d.Ptr != 0 || d.Rat.FloatString(10) != "3.1415926535" ||
		d.Ratio != -1.25 || d.When == nil || !d.When.Equal(time.Date(2026, 11, 21, 19, 30, 0, 0, time.UTC)) ||
		d.At.Hour() != 7 || d.At.Second() != 9 || d.IntPick != 2 || fmt.Sprint(d.Multi) != "[1 3]" {
		t.Errorf("data = %+v", d)
	}
	for field, value := range map[string]string{"small": "128", "unsign": "-1", "ratio": "2", "int_pick": "3", "ratio@": "inf"} {
		field = strings.TrimSuffix(field, "@")
		g, err := bind[Numbers](t, url.Values{field: {value}})
		if err == nil || len(g.FieldErrors(field)) == 0 {
			t.Errorf("%s=%s accepted", field, value)
		}
	}
	g, _ := bind[Numbers](t, url.Values{"multi": {"1", "2", "3"}})
	if msgs := g.FieldErrors("multi"); len(msgs) != 1 || !strings.Contains(msgs[0], "at most 2") {
		t.Errorf("max_choices: %v", msgs)
	}
	// Optional empty values are zero / nil.
	g, err = bind[Numbers](t, url.Values{"ptr": {""}})
	if err != nil || g.Data.Ptr != nil || g.Data.When != nil {
		t.Errorf("empty optional: %v %+v", err, g.Data)
	}
}

func TestDecimalCanonical(t *testing.T) {
	for in, want := range map[string]string{"+1.50": "1.50", "-0.0": "0.0", "007": "7", ".5": "0.5", "-.25": "-0.25", "10.": "10"} {
		got, _, _ := canonicalDecimal(in)
		if got != want {
			t.Errorf("canonicalDecimal(%q) = %q, want %q", in, got, want)
		}
	}
}

// Clean methods.
type Passwords struct {
	Username string `form:",required"`
	New      string `form:",required"`
	Repeat   string `form:",required"`
	fail     error
}

func (p *Passwords) CleanUsername() error {
	p.Username = strings.ToLower(p.Username)
	if p.Username == "admin" {
		return Errorf("%q is reserved.", p.Username)
	}
	return nil
}

func (p *Passwords) Clean(ctx context.Context) error {
	if p.New != p.Repeat {
		return errors.Join(FieldError("repeat", "The passwords differ."), Errorf("Please try again."))
	}
	return p.fail
}

func TestCleanMethods(t *testing.T) {
	f, err := bind[Passwords](t, url.Values{"username": {"Bob"}, "new": {"x"}, "repeat": {"x"}})
	if err != nil || f.Data.Username != "bob" {
		t.Fatalf("%v %+v", err, f.Data)
	}
	f, _ = bind[Passwords](t, url.Values{"username": {"ADMIN"}, "new": {"x"}, "repeat": {"y"}})
	if m := f.FieldErrors("username"); len(m) != 1 || m[0] != `"admin" is reserved.` {
		t.Errorf("field clean: %v", m)
	}
	// The whole-form Clean runs only once every field is valid.
	if len(f.FieldErrors("repeat")) != 0 {
		t.Error("Clean ran although a field was invalid")
	}
	f, _ = bind[Passwords](t, url.Values{"username": {"bob"}, "new": {"x"}, "repeat": {"y"}})
	if m := f.FieldErrors("repeat"); len(m) != 1 || m[0] != "The passwords differ." {
		t.Errorf("form clean field error: %v", m)
	}
	if m := f.NonFieldErrors(); len(m) != 1 || m[0] != "Please try again." {
		t.Errorf("form clean non-field error: %v", m)
	}
	// Any other error is a server failure, returned as it is.
	g := New[Passwords]()
	boom := errors.New("database down")
	g.Data.fail = boom
	if err := g.BindData(context.Background(), url.Values{"username": {"bob"}, "new": {"x"}, "repeat": {"x"}}, nil); !errors.Is(err, boom) {
		t.Errorf("server error: %v", err)
	}
}

type BadTags1 struct {
	X string `form:",bogus"`
}
type BadTags2 struct {
	X int `form:",kind=email"`
}
type BadTags3 struct {
	X string `regex:"(" form:""`
}
type BadTags4 struct {
	X string `form:",widget=checkbox"`
}
type BadTags5 struct {
	X string `form:"x"`
	Y string `form:"x"`
}
type BadTags6 struct {
	X string `form:",max_length=-1"`
}
type BadClean struct{ X string }

func (*BadClean) CleanX() string { return "" }

func TestCheckRefusesBadTags(t *testing.T) {
	for name, err := range map[string]error{
		"unknown option":  Check[BadTags1](),
		"kind/type":       Check[BadTags2](),
		"regex":           Check[BadTags3](),
		"widget/kind":     Check[BadTags4](),
		"duplicate":       Check[BadTags5](),
		"negative":        Check[BadTags6](),
		"clean signature": Check[BadClean](),
		"not a struct":    Check[int](),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New did not panic on bad tags")
		}
	}()
	New[BadTags1]()
}

func TestTranslatorFromContext(t *testing.T) {
	type F struct {
		Name string `form:",required"`
	}
	ctx := WithTranslator(context.Background(), func(key string, params map[string]any) string {
		if key == "required" {
			return "Champ obligatoire."
		}
		return ""
	})
	f := New[F]()
	f.BindData(ctx, url.Values{}, nil)
	if m := f.FieldErrors("name"); len(m) != 1 || m[0] != "Champ obligatoire." {
		t.Errorf("context translator: %v", m)
	}
	f = New[F]()
	f.Translator = func(string, map[string]any) string { return "own" }
	f.BindData(ctx, url.Values{}, nil)
	if m := f.FieldErrors("name"); m[0] != "own" {
		t.Errorf("the form's own translator wins: %v", m)
	}
	f = New[F]()
	f.BindData(context.Background(), url.Values{}, nil)
	if m := f.FieldErrors("name"); m[0] != "This field is required." {
		t.Errorf("no translator: %v", m)
	}
	s := NewFormSet[F]()
	s.BindData(ctx, url.Values{}, nil)
	if errs := s.NonFormErrors(); len(errs) != 1 || !strings.Contains(errs[0], "ManagementForm") {
		t.Errorf("formset without a translation for the key keeps English: %v", errs)
	}
}

func TestMessagesOverrideAndTranslate(t *testing.T) {
	type F struct {
		Name string `form:",required,max_length=3" messages:"required=Tell us your name!|max_length=At most {max}, please."`
		Mail string `form:",kind=email,required"`
	}
	f := New[F]()
	f.Translator = func(key string, params map[string]any) string {
		if key == "invalid_email" {
			return "Adresse invalide."
		}
		return ""
	}
	f.BindData(context.Background(), url.Values{"mail": {"x"}}, nil)
	if m := f.FieldErrors("name"); m[0] != "Tell us your name!" {
		t.Errorf("override: %v", m)
	}
	if m := f.FieldErrors("mail"); m[0] != "Adresse invalide." {
		t.Errorf("translator: %v", m)
	}
	f.BindData(context.Background(), url.Values{"name": {"abcd"}, "mail": {"a@b.co"}}, nil)
	if m := f.FieldErrors("name"); m[0] != "At most 3, please." {
		t.Errorf("override with params: %v", m)
	}
	f.Field("mail").Messages = map[string]string{"required": "Mail please."}
	f.BindData(context.Background(), url.Values{"name": {"a"}}, nil)
	if m := f.FieldErrors("mail"); m[0] != "Mail please." {
		t.Errorf("runtime override: %v", m)
	}
}

func TestDisabledKeepsInitial(t *testing.T) {
	type F struct {
		Owner string `form:",disabled"`
		Title string
	}
	f := New[F]()
	f.Data.Owner = "alice"
	if err := f.BindData(context.Background(), url.Values{"owner": {"mallory"}, "title": {"t"}}, nil); err != nil {
		t.Fatal(err)
	}
	if f.Data.Owner != "alice" {
		t.Errorf("disabled field took submitted data: %q", f.Data.Owner)
	}
	if !strings.Contains(string(f.AsDiv()), `value="alice"`) {
		t.Error("disabled field does not render its initial value")
	}
}

// Binding from requests.
func TestBindRequest(t *testing.T) {
	body := valid().Encode()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f := New[Signup]()
	if err := f.Bind(r); err != nil {
		t.Fatal(err)
	}
	r = httptest.NewRequest("GET", "/?"+body, nil)
	if err := New[Signup]().Bind(r); err != nil {
		t.Fatalf("GET: %v", err)
	}
}

func requestStatus(err error) int {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		return s.HTTPStatus()
	}
	return 0
}

// The attack table for form binding.
func TestBindRequestAttacks(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		limits            uploads.Limits
		status            int
	}{
		{"oversize urlencoded body", "application/x-www-form-urlencoded", "username=" + strings.Repeat("a", 5000), uploads.Limits{MaxValueBytes: 1000}, 413},
		{"too many fields", "application/x-www-form-urlencoded", strings.Repeat("a=1&", 50), uploads.Limits{MaxParts: 20}, 400},
		{"malformed escape", "application/x-www-form-urlencoded", "username=%zz", uploads.Limits{}, 400},
		{"json body", "application/json", `{"username":"x"}`, uploads.Limits{}, 415},
		{"body without content type", "", "username=x", uploads.Limits{}, 415},
		{"bad content type", "text/html; charset", "x", uploads.Limits{}, 415},
		{"oversize multipart", "", "", uploads.Limits{MaxRequestBytes: 1000}, 413},
		{"broken multipart", "multipart/form-data; boundary=X", "--X\r\nbroken", uploads.Limits{}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *http.Request
			if tt.name == "oversize multipart" {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				w, _ := mw.CreateFormFile("avatar", "a.png")
				w.Write(bytes.Repeat([]byte("x"), 5000))
				mw.Close()
				r = httptest.NewRequest("POST", "/", &buf)
				r.Header.Set("Content-Type", mw.FormDataContentType())
			} else {
				r = httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
				if tt.ctype != "" {
					r.Header.Set("Content-Type", tt.ctype)
				}
			}
			f := New[Signup]()
			f.Limits = tt.limits
			err := f.Bind(r)
			var re *RequestError
			if !errors.As(err, &re) || requestStatus(err) != tt.status {
				t.Errorf("err = %v (status %d), want *RequestError %d", err, requestStatus(err), tt.status)
			}
		})
	}
}

type Upload struct {
	Title  string        `form:",required"`
	Avatar *uploads.File `form:",required,max_size=100" accept:"image/png,image/gif"`
}

func multipartRequest(t *testing.T, fields map[string]string, file, filename string) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		w, _ := mw.CreateFormFile("avatar", filename)
		w.Write([]byte(file))
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestFileField(t *testing.T) {
	png := "\x89PNG\r\n\x1a\nxxxx"
	f := New[Upload]()
	if err := f.Bind(multipartRequest(t, map[string]string{"title": "me"}, png, "../../me.png")); err != nil {
		t.Fatal(err)
	}
	if f.Data.Avatar == nil || f.Data.Avatar.Size != int64(len(png)) || f.Data.Avatar.Filename != "me.png" {
		t.Errorf("avatar = %+v", f.Data.Avatar)
	}
	if !f.IsMultipart() {
		t.Error("IsMultipart false")
	}
	for name, tc := range map[string]struct{ content, filename, want string }{
		"missing":      {"", "", "required"},
		"empty":        {"", "a.png", "empty"},
		"too large":    {png + strings.Repeat("x", 200), "a.png", "at most 100 bytes"},
		"wrong type":   {"<html><script>alert(1)</script>", "a.png", "accepted type"},
		"type by name": {"MZ\x90\x00 pretend exe", "photo.gif", "accepted type"},
	} {
		f := New[Upload]()
		f.Bind(multipartRequest(t, map[string]string{"title": "me"}, tc.content, tc.filename))
		if m := strings.Join(f.FieldErrors("avatar"), " "); !strings.Contains(m, tc.want) {
			t.Errorf("%s: messages %q, want %q", name, m, tc.want)
		}
	}
}

func TestHasChanged(t *testing.T) {
	type F struct {
		Name  string
		Count int
		Flag  bool
	}
	f := New[F]()
	f.BindData(context.Background(), url.Values{"name": {""}, "count": {""}}, nil)
	if f.HasChanged() {
		t.Error("empty submission counts as changed")
	}
	f = New[F]()
	f.BindData(context.Background(), url.Values{"flag": {"on"}}, nil)
	if !f.HasChanged() {
		t.Error("checked box not seen as a change")
	}
}

func FuzzBindData(f *testing.F) {
	f.Add("username=alice&email=a%40b.co&plan=pro&terms=on&age=20&price=1.5&born=2020-01-02&toppings=ham")
	f.Add("age=-99999999999999999999&price=1e999&born=9999-99-99")
	f.Add("username=%00&email=%FF%FE&website=javascript:x&slug=%20")
	f.Add("toppings=ham&toppings=ham&toppings=ham&toppings=egg")
	f.Fuzz(func(t *testing.T, query string) {
		data, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		form := New[Signup]()
		err = form.BindData(context.Background(), data, nil)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.HTTPStatus() != 422 {
				t.Fatalf("unexpected error %T %v", err, err)
			}
		}
		html := string(form.AsDiv())
		if strings.Contains(html, "<script") {
			t.Fatalf("unescaped input in %q", html)
		}
		n := New[Numbers]()
		n.BindData(context.Background(), data, nil)
		n.AsP()
	})
}

func FuzzReadRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("a=1&b=2"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--X--\r\n"))
	f.Add("text/plain", []byte("x"))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		_, _, err := ReadRequest(r, uploads.Limits{MaxRequestBytes: 4096, MaxValueBytes: 1024, MaxParts: 50, TempDir: t.TempDir()})
		if err != nil {
			if s := requestStatus(err); s < 400 || s > 499 {
				t.Fatalf("error without a 4xx status: %v", err)
			}
		}
	})
}

func TestOuterBodyLimitIs413(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader("username="+strings.Repeat("a", 5000)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ContentLength = -1
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1000)
	if err := New[Signup]().Bind(r); requestStatus(err) != 413 {
		t.Fatalf("err = %v", err)
	}
}

func TestDateTimeInTheContextZoneWithDSTChecks(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	type F struct {
		At time.Time `form:",required"`
	}
	ctx := WithLocation(context.Background(), paris)
	for in, want := range map[string]string{
		"2026-07-01 12:00":          "2026-07-01T10:00:00Z",
		"2026-01-15T08:30":          "2026-01-15T07:30:00Z",
		"2026-03-29 02:30":          "nonexistent_time", // the clocks jump from 02:00 to 03:00
		"2026-10-25 02:30":          "ambiguous_time",   // 02:00-03:00 happens twice
		"2026-10-25T02:30:00+01:00": "2026-10-25T01:30:00Z",
		"2026-10-25T02:30:00+02:00": "2026-10-25T00:30:00Z",
		"2026-10-25 03:30":          "2026-10-25T02:30:00Z",
		"2026-03-29 03:00":          "2026-03-29T01:00:00Z",
	} {
		f := New[F]()
		f.BindData(ctx, url.Values{"at": {in}}, nil)
		errs := f.FieldErrors("at")
		switch {
		case strings.HasSuffix(want, "_time"):
			if len(errs) != 1 || !strings.Contains(errs[0], in) || !strings.Contains(errs[0], "Europe/Paris") {
				t.Errorf("%s: want a %s error, got %v (%v)", in, want, errs, f.Data.At)
			}
		case len(errs) > 0:
			t.Errorf("%s: %v", in, errs)
		case f.Data.At.UTC().Format(time.RFC3339) != want:
			t.Errorf("%s: %s, want %s", in, f.Data.At.UTC().Format(time.RFC3339), want)
		}
	}
	// Without a zone in the context, UTC as before.
	f := New[F]()
	f.BindData(context.Background(), url.Values{"at": {"2026-03-29 02:30"}}, nil)
	if f.Data.At.Format(time.RFC3339) != "2026-03-29T02:30:00Z" {
		t.Errorf("UTC: %v %v", f.Data.At, f.FieldErrors("at"))
	}
}

func TestLocalizedInput(t *testing.T) {
	type order struct {
		Price  string    `form:",kind=decimal,localize,max_digits=10,decimal_places=2"`
		Weight float64   `form:",localize"`
		Count  int       `form:",localize"`
		Plain  float64   `form:"plain"`
		Day    time.Time `form:",kind=date"`
		At     time.Time `form:",kind=datetime"`
	}
	fr, de := formats.Get("fr"), formats.Get("de")
	for _, c := range []struct {
		name   string
		fm     *formats.Locale
		in     url.Values
		want   order
		errors map[string]bool // fields that must fail
	}{
		{"french", fr, url.Values{"price": {"1 234,50"}, "weight": {"1\u00a0234,5"}, "count": {"12 000"}, "plain": {"2.5"},
			"day": {"25/10/2026"}, "at": {"25/10/2026 14:30"}},
			order{Price: "1234.50", Weight: 1234.5, Count: 12000, Plain: 2.5,
				Day: time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), At: time.Date(2026, 10, 25, 14, 30, 0, 0, time.UTC)}, nil},
		{"french ISO", fr, url.Values{"price": {"1234.50"}, "weight": {"0,5"}, "count": {"3"}, "day": {"2026-10-25"}, "at": {"2026-10-25T14:30"}},
			order{Price: "1234.50", Weight: 0.5, Count: 3, Day: time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), At: time.Date(2026, 10, 25, 14, 30, 0, 0, time.UTC)}, nil},
		{"german", de, url.Values{"price": {"1.234,5"}, "weight": {"1.5"}, "count": {"1.000"}, "day": {"25.10.26"}, "at": {"25.10.2026 14:30:59"}},
			order{Price: "1234.5", Weight: 1.5, Count: 1000, Day: time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), At: time.Date(2026, 10, 25, 14, 30, 59, 0, time.UTC)}, nil},
		// A field without localize reads plain numbers only; a US date is not French.
		{"french refusals", fr, url.Values{"plain": {"2,5"}, "day": {"10/25/2026"}, "price": {"1,2,3"}},
			order{}, map[string]bool{"plain": true, "day": true, "price": true}},
		// Without formats nothing changes: US dates, plain numbers.
		{"no formats", nil, url.Values{"price": {"1234.5"}, "weight": {"1 234,5"}, "day": {"10/25/2026"}},
			order{Price: "1234.5", Day: time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)}, map[string]bool{"weight": true}},
	} {
		f := New[order]()
		err := f.BindData(WithFormats(context.Background(), c.fm), c.in, nil)
		for _, name := range []string{"price", "weight", "count", "plain", "day", "at"} {
			if got := len(f.FieldErrors(name)) > 0; got != c.errors[name] {
				t.Errorf("%s: %s: errors %v", c.name, name, f.FieldErrors(name))
			}
		}
		if c.errors == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			} else if f.Data != c.want {
				t.Errorf("%s: got %+v, want %+v", c.name, f.Data, c.want)
			}
		}
	}
}

func TestLocalizedRendering(t *testing.T) {
	type order struct {
		Weight float64 `form:",localize"`
		Plain  float64
	}
	f := New[order]()
	f.Data = order{Weight: 1234.5, Plain: 2.5}
	f.Formats = formats.Get("fr")
	html := string(f.AsDiv())
	for _, want := range []string{`<input type="text" name="weight" id="id_weight" value="1234,5">`, `<input type="number" name="plain" id="id_plain" value="2.5" step="any">`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in\n%s", want, html)
		}
	}
	// What it shows, it reads back.
	g := New[order]()
	if err := g.BindData(context.Background(), url.Values{"weight": {"1234,5"}, "plain": {"2.5"}}, nil); err == nil {
		t.Error("without formats, 1234,5 must be refused")
	}
	g = New[order]()
	g.Formats = formats.Get("fr")
	if err := g.BindData(context.Background(), url.Values{"weight": {"1234,5"}, "plain": {"2.5"}}, nil); err != nil || g.Data.Weight != 1234.5 {
		t.Errorf("read back: %v %+v", err, g.Data)
	}
}
