package i18n

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/formats"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

// Config is the settings section "i18n" (galvani.Section), read by the Locale app.
type Config struct {
	// LanguageCode is the default language, used when nothing in the request
	// chooses one (Django's LANGUAGE_CODE). Default "en-us". Env: LANGUAGE_CODE.
	LanguageCode string `env:"LANGUAGE_CODE"`
	// Languages are the language codes the site offers (Django's LANGUAGES, codes
	// only: names come from CLDR). Requests can only select one of them. Default:
	// LanguageCode and every language a catalog exists for. Env: LANGUAGES (comma
	// separated).
	Languages []string `env:"LANGUAGES"`
	// LocalePaths are the project's locale directories, searched before the
	// installed apps' catalogs (Django's LOCALE_PATHS). Env: LOCALE_PATHS (comma
	// separated).
	LocalePaths []string `env:"LOCALE_PATHS"`
	// CookieName is the cookie set_language sets and the middleware reads.
	// Default "galvani_language". Env: LANGUAGE_COOKIE_NAME.
	CookieName string `env:"LANGUAGE_COOKIE_NAME"`
	// UseI18N switches translation off when false (Django's USE_I18N): messages are
	// returned as they are and the language is always LanguageCode. Default true.
	UseI18N *bool
	// URLPrefix selects the language from a first path segment such as /fr/ (like
	// Django's i18n_patterns): the middleware strips it before routing, and
	// LocalizePath and {% url %} put it back.
	URLPrefix bool
	// PrefixDefaultLanguage, with URLPrefix, prefixes the default language's URLs
	// too, and redirects GET and HEAD requests for unprefixed paths (outside
	// PrefixExempt) to the prefixed path of the visitor's language. Without it, an
	// unprefixed path is in the default language.
	PrefixDefaultLanguage bool
	// PrefixExempt lists path prefixes that are never language-prefixed (APIs,
	// static files). The set_language view is always exempt.
	PrefixExempt []string

	// TimeZone is the default time zone, an IANA name (Django's TIME_ZONE).
	// Default "UTC". Env: TIME_ZONE.
	TimeZone string `env:"TIME_ZONE"`
	// UseTZ turns time zone support on (Django's USE_TZ): each request gets a
	// current time zone (the session's, see SetTimeZone, else TimeZone), templates
	// show times in it and forms read dates and times in it. Times are stored as
	// they are given — keep them in UTC. Env: USE_TZ.
	UseTZ bool `env:"USE_TZ"`

	// UseL10N writes numbers and dates in the active language's formats
	// (Django's USE_L10N): "1,5" and "15 janvier 2026" in French. Templates
	// print month and day names in the active language either way. Default
	// true, as in Django 4.
	UseL10N *bool
	// UseThousandSeparator adds the language's thousand separators to the
	// numbers templates localize (Django's USE_THOUSAND_SEPARATOR): "1 234,5",
	// and lets localized number fields in forms skip them when they are typed
	// (without it "1 234,5" is refused there, as in Django).
	// Env: USE_THOUSAND_SEPARATOR.
	UseThousandSeparator bool `env:"USE_THOUSAND_SEPARATOR"`
	// Formats changes the formats of a language, or gives a language without
	// shipped formats its own, by language code (Django's FORMAT_MODULE_PATH):
	// the fields set in each value replace the shipped ones (see
	// formats.Override).
	Formats map[string]*formats.Locale
}

// SessionKey is the session key set_language stores the chosen language under.
const SessionKey = "_language"

// DefaultCookieName is the language cookie's name unless Config.CookieName is set.
const DefaultCookieName = "galvani_language"

// CatalogsProvider is implemented by installed apps that ship translations: an FS
// holding <locale>/LC_MESSAGES/galvani.mo (or .po) files, usually an embed.FS of
// the app's locale directory.
type CatalogsProvider interface {
	Catalogs() fs.FS
}

// Locale is the i18n battery as an installed app:
//
//	app := galvani.New(settings, i18n.App, blog.App)
//	app.Use(sessions.Handler, i18n.App.Middleware)
//	template.Setup(app) // {% load i18n %} and _("...") translate
//
// Ready builds the Bundle: the LOCALE_PATHS directories first, then every installed
// app's Catalogs() in installation order, then the framework's own catalogs
// (FrameworkCatalogs). Middleware selects the language of each
// request. The app serves set_language at /i18n/setlang/ (route
// "i18n:set_language"), registers the "i18n" template library and translates _()
// literals in templates.
//
// A Locale value holds the state of the last App it was installed in: a process
// that builds several Apps gives each its own &i18n.Locale{}.
type Locale struct {
	mu        sync.RWMutex
	cfg       Config
	enabled   bool
	bundle    *Bundle
	supported map[string]bool
	langs     []LanguageInfo
	setLang   string
	exempt    []string
	tz        *time.Location
	// formats are the formats of the offered languages and of those Formats
	// names, with the project's overrides, by language code.
	formats map[string]*formats.Locale
	// inputFormats are formats as forms read typed input with them: without
	// thousand separators unless UseThousandSeparator is on.
	inputFormats map[string]*formats.Locale
	useL10N      bool
}

// App is the i18n app, configured by the "i18n" settings section.
var App = &Locale{}

// Label implements galvani.AppConfig.
func (l *Locale) Label() string { return "i18n" }

// Routes implements galvani.RoutesProvider: POST /i18n/setlang/ is set_language.
func (l *Locale) Routes(g *galvani.Group) {
	g.Post("/i18n/setlang/", l.SetLanguage).Name("set_language")
}

// Ready implements galvani.ReadyHook: it reads the settings and loads the catalogs.
// A malformed catalog, language code or an unknown default language is an error, so
// the project refuses to start.
func (l *Locale) Ready(app *galvani.App) error {
	cfg := *galvani.Section(&app.Settings, "i18n", Config{})
	b := NewBundle(cfg.LanguageCode)
	cfg.LanguageCode = b.DefaultLanguage()
	if !validLanguageCode(cfg.LanguageCode) {
		return fmt.Errorf("i18n: LANGUAGE_CODE %q is not a language code", cfg.LanguageCode)
	}
	enabled := cfg.UseI18N == nil || *cfg.UseI18N
	if enabled {
		for _, dir := range cfg.LocalePaths {
			if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
				continue // reported by the i18n.W001 check; makemessages creates it
			}
			if err := b.LoadFS(os.DirFS(dir), DefaultDomain); err != nil {
				return fmt.Errorf("i18n: LOCALE_PATHS %s: %w", dir, err)
			}
		}
		for _, ac := range app.Apps() {
			if cp, ok := ac.(CatalogsProvider); ok {
				if fsys := cp.Catalogs(); fsys != nil {
					if err := b.LoadFS(fsys, DefaultDomain); err != nil {
						return fmt.Errorf("i18n: catalogs of app %q: %w", ac.Label(), err)
					}
				}
			}
		}
		if err := b.LoadFS(FrameworkCatalogs(), DefaultDomain); err != nil {
			return fmt.Errorf("i18n: the framework's catalogs: %w", err)
		}
	}
	codes := cfg.Languages
	if len(codes) == 0 {
		codes = append([]string{cfg.LanguageCode}, b.Languages()...)
	}
	supported := map[string]bool{}
	var langs []LanguageInfo
	for _, c := range codes {
		c = NormalizeLanguage(c)
		if !validLanguageCode(c) {
			return fmt.Errorf("i18n: LANGUAGES: %q is not a language code", c)
		}
		if supported[c] {
			continue
		}
		supported[c] = true
		li := GetLanguageInfo(c)
		if li.Name == "" {
			li.Name = c
		}
		langs = append(langs, li)
	}
	if len(cfg.Languages) > 0 && !supported[cfg.LanguageCode] && !supported[baseLanguage(cfg.LanguageCode)] {
		return fmt.Errorf("i18n: LANGUAGE_CODE %q is not one of LANGUAGES %v", cfg.LanguageCode, cfg.Languages)
	}
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultCookieName
	}
	tz := time.UTC
	if cfg.TimeZone != "" && cfg.TimeZone != "UTC" {
		z, err := LoadTimeZone(cfg.TimeZone)
		if err != nil {
			return fmt.Errorf("i18n: TIME_ZONE: %w", err)
		}
		tz = z
	}
	fmts := map[string]*formats.Locale{}
	for code := range supported {
		fmts[code] = formats.Get(code)
	}
	for code, over := range cfg.Formats {
		code = NormalizeLanguage(code)
		if !validLanguageCode(code) {
			return fmt.Errorf("i18n: Formats: %q is not a language code", code)
		}
		base, ok := formats.Lookup(code)
		if !ok {
			base = formats.Override(formats.English, &formats.Locale{Language: code})
			base.Language = code
		}
		fmts[code] = formats.Override(base, over)
	}
	setLang, err := app.URL("i18n:set_language")
	if err != nil {
		setLang = "/i18n/setlang/"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg, l.enabled, l.bundle, l.supported, l.langs, l.setLang, l.tz = cfg, enabled, b, supported, langs, setLang, tz
	l.formats, l.useL10N = fmts, cfg.UseL10N == nil || *cfg.UseL10N
	l.inputFormats = fmts
	if !cfg.UseThousandSeparator {
		// As Django's sanitize_separators: without USE_THOUSAND_SEPARATOR a
		// thousand separator in typed input is not skipped, so an English "1,5"
		// is refused instead of read as 15.
		l.inputFormats = make(map[string]*formats.Locale, len(fmts))
		for code, f := range fmts {
			l.inputFormats[code] = withoutThousands(f)
		}
	}
	l.exempt = append([]string{setLang}, cfg.PrefixExempt...)
	app.AddCheck(l.check, false)
	return nil
}

// check reports LOCALE_PATHS entries that do not exist (i18n.W001).
func (l *Locale) check(*galvani.App) []galvani.CheckMessage {
	l.mu.RLock()
	dirs := l.cfg.LocalePaths
	l.mu.RUnlock()
	var out []galvani.CheckMessage
	for _, dir := range dirs {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			out = append(out, galvani.CheckMessage{Level: galvani.CheckWarning, ID: "i18n.W001",
				Msg:  fmt.Sprintf("LOCALE_PATHS names %s, which does not exist", dir),
				Hint: "create it with `makemessages --locale LANG`, or fix the LOCALE_PATHS setting"})
		}
	}
	return out
}

// Bundle returns the catalogs loaded by Ready (an empty bundle before it).
func (l *Locale) Bundle() *Bundle {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.bundle == nil {
		return NewBundle("")
	}
	return l.bundle
}

// Languages returns the languages the site offers, in the order of the settings.
func (l *Locale) Languages() []LanguageInfo {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]LanguageInfo(nil), l.langs...)
}

// TemplateLibraries implements the template battery's LibraryProvider: "i18n" and
// "tz".
func (l *Locale) TemplateLibraries() map[string]*template.Library {
	return map[string]*template.Library{"i18n": templateLibrary(l.Bundle(), l.Languages(), l.Formats),
		"tz": TZTemplateLibrary(l.DefaultTimeZone())}
}

// Formats returns the formats of a language: the project's (Config.Formats)
// over the shipped ones, the shipped ones (formats.Get) otherwise.
func (l *Locale) Formats(lang string) *formats.Locale {
	lang = NormalizeLanguage(lang)
	l.mu.RLock()
	f, ok := formatsOf(l.formats, lang)
	l.mu.RUnlock()
	if ok {
		return f
	}
	return formats.Get(lang)
}

// formatsOf looks a normalized language up in m, then its base language.
func formatsOf(m map[string]*formats.Locale, lang string) (*formats.Locale, bool) {
	f, ok := m[lang]
	if !ok {
		f, ok = m[baseLanguage(lang)]
	}
	return f, ok
}

// withoutThousands returns a copy of f whose typed numbers keep their thousand
// separators (and so are refused by number fields).
func withoutThousands(f *formats.Locale) *formats.Locale {
	c := *f
	c.ThousandSeparator = ""
	return &c
}

// formsFormats returns the formats forms read a language's input with: those of
// Formats, without the thousand separator unless UseThousandSeparator is on.
func (l *Locale) formsFormats(lang string) *formats.Locale {
	lang = NormalizeLanguage(lang)
	l.mu.RLock()
	f, ok := formatsOf(l.inputFormats, lang)
	grouped := l.cfg.UseThousandSeparator
	l.mu.RUnlock()
	if ok {
		return f
	}
	if f = formats.Get(lang); !grouped {
		f = withoutThousands(f)
	}
	return f
}

// FormatsFrom returns the formats of the language active in ctx (see
// Middleware), or those of the default language — what forms parse numbers and
// dates with.
func (l *Locale) FormatsFrom(ctx context.Context) *formats.Locale {
	if t := TranslationFrom(ctx); t != nil {
		return l.Formats(t.Language())
	}
	return l.Formats(l.Bundle().DefaultLanguage())
}

// Localization implements the template battery's LocalizationProvider: the
// formats of the request's language (the default language's outside a
// request), with UseL10N and UseThousandSeparator.
func (l *Locale) Localization(r *http.Request) template.L10n {
	var f *formats.Locale
	if r != nil {
		f = l.FormatsFrom(r.Context())
	} else {
		f = l.Formats(l.Bundle().DefaultLanguage())
	}
	l.mu.RLock()
	out := template.L10n{Locale: f, Localize: l.useL10N, Grouping: l.cfg.UseThousandSeparator}
	l.mu.RUnlock()
	return out
}

// Gettext implements the template battery's TranslatorProvider, for _("...")
// literals: it translates into the request's language.
func (l *Locale) Gettext(r *http.Request, msgid string) string {
	if r != nil {
		if t := TranslationFrom(r.Context()); t != nil {
			return t.Gettext(msgid)
		}
	}
	b := l.Bundle()
	return b.Translation(b.DefaultLanguage()).Gettext(msgid)
}

// Supported returns the language of the site that best serves code: code itself,
// its base language ("pt" for "pt-br"), or a regional variant of its base ("pt-br"
// for "pt"). ok is false when the site offers none of them.
func (l *Locale) Supported(code string) (lang string, ok bool) {
	if !validLanguageCode(code) {
		return "", false
	}
	code = NormalizeLanguage(code)
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.supported[code] {
		return code, true
	}
	base := baseLanguage(code)
	if l.supported[base] {
		return base, true
	}
	for _, li := range l.langs {
		if strings.HasPrefix(li.Code, base+"-") {
			return li.Code, true
		}
	}
	return "", false
}

type prefixKey struct{}

// prefixState is what the middleware records about URL prefixes for a request.
type prefixState struct {
	l *Locale
}

// Middleware selects the language of each request and activates it in the
// request's context: the URL prefix (with Config.URLPrefix), then the session
// (what set_language stored), the language cookie, the Accept-Language header, and
// finally LANGUAGE_CODE. Forms bound with the request translate their messages
// into it (forms.WithTranslator). It sets Content-Language, and Vary: Accept-Language,
// Cookie when the language did not come from the URL. Install it inside the session
// middleware so that it can read the session.
func (l *Locale) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.RLock()
		cfg, enabled, b, tz, useL10N := l.cfg, l.enabled, l.bundle, l.tz, l.useL10N
		l.mu.RUnlock()
		if b == nil {
			next.ServeHTTP(w, r)
			return
		}
		lang, fromPath := cfg.LanguageCode, false
		if enabled {
			if cfg.URLPrefix {
				if code, rest, ok := l.pathLanguage(r.URL.Path); ok {
					lang, fromPath = code, true
					r = withPath(r, rest)
				}
			}
			if !fromPath {
				if cfg.URLPrefix && !cfg.PrefixDefaultLanguage && !l.isExempt(r.URL.Path) {
					// Unprefixed paths are the default language's.
					fromPath = true
				} else {
					lang = l.requestLanguage(r, cfg)
					if cfg.URLPrefix && cfg.PrefixDefaultLanguage && !l.isExempt(r.URL.Path) &&
						(r.Method == http.MethodGet || r.Method == http.MethodHead) {
						target := "/" + lang + r.URL.EscapedPath()
						if r.URL.RawQuery != "" {
							target += "?" + r.URL.RawQuery
						}
						addVary(w.Header(), "Accept-Language", "Cookie")
						http.Redirect(w, r, target, http.StatusFound)
						return
					}
				}
			}
		}
		h := w.Header()
		if h.Get("Content-Language") == "" {
			h.Set("Content-Language", lang)
		}
		if !fromPath {
			addVary(h, "Accept-Language", "Cookie")
		}
		tr := b.Translation(lang)
		ctx := forms.WithTranslator(WithTranslation(r.Context(), tr), tr.formsTranslator())
		if cfg.URLPrefix {
			ctx = contextWithPrefix(ctx, &prefixState{l: l})
		}
		if useL10N {
			ctx = forms.WithFormats(ctx, l.formsFormats(lang))
		}
		if cfg.UseTZ {
			loc := l.requestTimeZone(r, tz)
			ctx = forms.WithLocation(WithTimeZone(ctx, loc), loc)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// pathLanguage reports whether path starts with a supported language's segment
// ("/pt-br/rest"), returning the language and the rest ("/rest").
func (l *Locale) pathLanguage(path string) (lang, rest string, ok bool) {
	if len(path) < 2 || path[0] != '/' {
		return "", "", false
	}
	seg, after, hasSlash := strings.Cut(path[1:], "/")
	if !validLanguageCode(seg) {
		return "", "", false
	}
	l.mu.RLock()
	found := l.supported[NormalizeLanguage(seg)] && seg == strings.ToLower(seg)
	l.mu.RUnlock()
	if !found {
		return "", "", false
	}
	if !hasSlash {
		return seg, "/", true
	}
	return seg, "/" + after, true
}

func (l *Locale) isExempt(path string) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, p := range l.exempt {
		if p != "" && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// withPath returns a shallow copy of r whose URL path is rest (the path without
// its first segment).
func withPath(r *http.Request, rest string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = rest
	if u.RawPath != "" {
		if _, after, ok := strings.Cut(strings.TrimPrefix(u.RawPath, "/"), "/"); ok {
			u.RawPath = "/" + after
		} else {
			u.RawPath = ""
		}
	}
	r2.URL = &u
	return r2
}

// requestLanguage picks the language from the session, the cookie and
// Accept-Language, in that order, falling back to LANGUAGE_CODE.
func (l *Locale) requestLanguage(r *http.Request, cfg Config) string {
	if s := session.From(r); s != nil {
		if v, ok := session.Value[string](s, SessionKey); ok {
			if lang, ok := l.Supported(v); ok {
				return lang
			}
		}
	}
	if ck, err := r.Cookie(cfg.CookieName); err == nil {
		if lang, ok := l.Supported(ck.Value); ok {
			return lang
		}
	}
	var buf [maxAcceptEntries]acceptEntry
	for _, e := range parseAccept(r.Header.Get("Accept-Language"), buf[:0]) {
		if e.code == "*" {
			break
		}
		if lang, ok := l.Supported(e.code); ok {
			return lang
		}
	}
	if lang, ok := l.Supported(cfg.LanguageCode); ok {
		return lang
	}
	return cfg.LanguageCode
}

func addVary(h http.Header, names ...string) {
	have := func(name string) bool {
		for _, v := range h["Vary"] {
			for rest := v; rest != ""; {
				var f string
				f, rest, _ = strings.Cut(rest, ",")
				if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
					return true
				}
			}
		}
		return false
	}
	for _, n := range names {
		if !have(n) {
			h.Add("Vary", n)
		}
	}
}

// maxAcceptLanguage bounds the part of an Accept-Language header that is read;
// real ones are under 100 bytes.
const maxAcceptLanguage = 500

// maxAcceptEntries bounds the number of languages read from one header.
const maxAcceptEntries = 32

// ParseAcceptLanguage returns the language ranges of an Accept-Language header,
// best first (by q-value, then order). Entries with q=0 or a malformed range or
// q-value are dropped; only the first 500 bytes and 32 entries are read, so a
// hostile header costs little.
func ParseAcceptLanguage(header string) []string {
	var buf [maxAcceptEntries]acceptEntry
	es := parseAccept(header, buf[:0])
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.code
	}
	return out
}

type acceptEntry struct {
	code string
	q    int // thousandths
}

// parseAccept parses into es (a caller's array, so a request allocates nothing)
// and sorts by q-value, keeping the header's order among equals.
func parseAccept(header string, es []acceptEntry) []acceptEntry {
	if len(header) > maxAcceptLanguage {
		header = header[:maxAcceptLanguage]
		if i := strings.LastIndexByte(header, ','); i >= 0 {
			header = header[:i]
		}
	}
	for rest := header; rest != "" && len(es) < maxAcceptEntries; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, params, _ := strings.Cut(part, ";")
		code = strings.TrimSpace(code)
		if !validRange(code) {
			continue
		}
		q := 1000
		if params != "" {
			k, v, ok := strings.Cut(strings.TrimSpace(params), "=")
			if !ok || strings.TrimSpace(k) != "q" {
				continue
			}
			var good bool
			if q, good = parseQ(strings.TrimSpace(v)); !good {
				continue
			}
		}
		if q == 0 {
			continue
		}
		es = append(es, acceptEntry{code, q})
	}
	// Insertion sort: stable, no allocation, at most 32 entries.
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].q > es[j-1].q; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
	return es
}

// validRange accepts "*" and 1*8ALPHA *("-" 1*8alphanum).
func validRange(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" {
		return false
	}
	for i := 0; s != ""; i++ {
		var sub string
		var more bool
		sub, s, more = strings.Cut(s, "-")
		if len(sub) < 1 || len(sub) > 8 || more && s == "" {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j]
			alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !alpha && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// parseQ parses a q-value: 0, 0.x, 0.xx, 0.xxx, 1, 1.0, 1.00, 1.000 (RFC 9110).
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return whole, true
	}
	if s[1] != '.' {
		return 0, false
	}
	frac := 0
	scale := 100
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		frac += int(s[i]-'0') * scale
		scale /= 10
	}
	if whole == 1000 && frac != 0 {
		return 0, false
	}
	return whole + frac, true
}

func contextWithPrefix(ctx context.Context, st *prefixState) context.Context {
	return context.WithValue(ctx, prefixKey{}, st)
}

// LocalizePath returns path with the active language's prefix (/fr/path) when the
// request came through Middleware with Config.URLPrefix on, and path itself
// otherwise (also for the default language unless PrefixDefaultLanguage, and for
// exempt paths). Use it for redirects to your own pages; {% url %} does it for
// templates rendered by template.Setup.
func LocalizePath(r *http.Request, path string) string {
	st, _ := r.Context().Value(prefixKey{}).(*prefixState)
	if st == nil || !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return path
	}
	return st.l.LanguagePath(LanguageFrom(r.Context()), path)
}

// LanguagePath returns the path of lang's version of the page at path, whatever
// the current request's language: path with lang's prefix (/fr/path) when
// Config.URLPrefix is on, except for the default language without
// PrefixDefaultLanguage, for exempt paths and for paths that already start with a
// language; path itself otherwise. The sitemaps battery uses it for hreflang
// alternates.
func (l *Locale) LanguagePath(lang, path string) string {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return path
	}
	l.mu.RLock()
	cfg := l.cfg
	l.mu.RUnlock()
	if !cfg.URLPrefix || lang == "" || (!cfg.PrefixDefaultLanguage && lang == cfg.LanguageCode) || l.isExempt(path) {
		return path
	}
	if _, _, ok := l.pathLanguage(path); ok {
		return path
	}
	return "/" + lang + path
}

// LocalizeURL implements the template battery's URLLocalizer: {% url %} results get
// the request's language prefix (see LocalizePath).
func (l *Locale) LocalizeURL(r *http.Request, path string) string {
	if r == nil {
		return path
	}
	return LocalizePath(r, path)
}

// SetLanguage is the set_language view (POST): it stores the language in the
// "language" form field in the session (when there is one) and in the language
// cookie, and redirects to the "next" field — or the Referer — when it is a URL of
// this site, "/" otherwise. With URL prefixes, a language prefix in that URL is
// replaced by the new language's. An unsupported language changes nothing.
func (l *Locale) SetLanguage(c *galvani.Ctx) error {
	r := c.Request
	r.Body = http.MaxBytesReader(c.Response, r.Body, 64<<10)
	form, err := c.Form()
	if err != nil {
		return err
	}
	next := form.Get("next")
	if next == "" || !galvani.IsLocalURL(next) {
		next = ""
		if ref, err := url.Parse(r.Header.Get("Referer")); err == nil && ref.Host == r.Host && ref.Host != "" {
			next = ref.RequestURI()
		}
	}
	if next == "" || !galvani.IsLocalURL(next) {
		next = "/"
	}
	lang, ok := l.Supported(form.Get("language"))
	if ok {
		l.mu.RLock()
		cfg := l.cfg
		l.mu.RUnlock()
		if cfg.URLPrefix {
			next = l.translatePath(next, lang, cfg)
		}
		if s := session.From(r); s != nil {
			_ = s.Set(SessionKey, lang) // a session that cannot be written still gets the cookie
		}
		http.SetCookie(c.Response, &http.Cookie{Name: cfg.CookieName, Value: lang, Path: "/",
			MaxAge: int((365 * 24 * time.Hour).Seconds()), SameSite: http.SameSiteLaxMode,
			Secure: r.TLS != nil})
	}
	return c.Redirect(http.StatusFound, next)
}

// translatePath swaps (or adds) the language prefix of a local URL.
func (l *Locale) translatePath(u, lang string, cfg Config) string {
	p, err := url.Parse(u)
	if err != nil || !strings.HasPrefix(p.Path, "/") || l.isExempt(p.Path) {
		return u
	}
	if _, rest, ok := l.pathLanguage(p.Path); ok {
		p.Path = rest
		p.RawPath = ""
	}
	if cfg.PrefixDefaultLanguage || lang != cfg.LanguageCode {
		p.Path = "/" + lang + p.Path
	}
	return p.String()
}
