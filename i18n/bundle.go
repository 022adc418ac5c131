package i18n

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/galvani-web/galvani/forms"
)

// DefaultDomain is the gettext domain of a project's and an app's catalogs:
// locale/<locale>/LC_MESSAGES/galvani.mo.
const DefaultDomain = "galvani"

// Bundle is the set of catalogs a project translates with: per language, the
// catalogs of the project's locale directories, then those of its installed apps,
// then the framework's own. It hands out a Translation per language, which looks a
// message up in the language's catalogs, then in its base language's ("pt-br" then
// "pt"), then in the default language's. A Bundle is safe for concurrent use; it is
// built at startup and then only read.
type Bundle struct {
	defaultLang string

	mu sync.RWMutex
	// layers, first searched first: each maps a locale ("pt_BR") to its catalog.
	layers []map[string]*Catalog
	cache  map[string]*Translation
}

// NewBundle returns an empty bundle whose default language (Django's
// LANGUAGE_CODE) is defaultLang ("en-us" when empty).
func NewBundle(defaultLang string) *Bundle {
	if defaultLang == "" {
		defaultLang = "en-us"
	}
	return &Bundle{defaultLang: NormalizeLanguage(defaultLang), cache: map[string]*Translation{}}
}

// DefaultLanguage returns the bundle's default language code.
func (b *Bundle) DefaultLanguage() string { return b.defaultLang }

// Add adds a layer of catalogs, keyed by language code or locale name ("pt-br" or
// "pt_BR"), searched after the layers added before it.
func (b *Bundle) Add(catalogs map[string]*Catalog) {
	layer := make(map[string]*Catalog, len(catalogs))
	for k, c := range catalogs {
		layer[ToLocale(k)] = c
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.layers = append(b.layers, layer)
	clear(b.cache)
}

// LoadFS reads the catalogs of domain from fsys, laid out as gettext does it:
// <locale>/LC_MESSAGES/<domain>.mo for every locale directory at the root of fsys,
// and adds them as one layer (see Add). A locale with a .po file but no .mo is read
// from the .po, so catalogs work in development before compilemessages runs. A
// malformed file is an error naming it.
func (b *Bundle) LoadFS(fsys fs.FS, domain string) error {
	layer, err := ReadCatalogs(fsys, domain)
	if err != nil {
		return err
	}
	b.Add(layer)
	return nil
}

// ReadCatalogs reads <locale>/LC_MESSAGES/<domain>.mo (or .po) for each locale
// directory of fsys, keyed by locale name.
func ReadCatalogs(fsys fs.FS, domain string) (map[string]*Catalog, error) {
	if domain == "" {
		domain = DefaultDomain
	}
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("i18n: reading locale directory: %w", err)
	}
	out := map[string]*Catalog{}
	for _, e := range ents {
		if !e.IsDir() || !validLanguageCode(e.Name()) {
			continue
		}
		base := path.Join(e.Name(), "LC_MESSAGES", domain)
		var c *Catalog
		if data, err := fs.ReadFile(fsys, base+".mo"); err == nil {
			if c, err = ParseMO(base+".mo", data); err != nil {
				return nil, err
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		} else if data, err := fs.ReadFile(fsys, base+".po"); err == nil {
			f, err := ParsePO(base+".po", data)
			if err != nil {
				return nil, err
			}
			if c, err = NewCatalog(base+".po", f); err != nil {
				return nil, err
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if c != nil {
			out[ToLocale(e.Name())] = c
		}
	}
	return out, nil
}

// Languages returns the language codes some layer has a catalog for, sorted.
func (b *Bundle) Languages() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	seen := map[string]bool{}
	for _, l := range b.layers {
		for loc := range l {
			seen[ToLanguage(loc)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HasLanguage reports whether the bundle has a catalog for lang or for its base
// language.
func (b *Bundle) HasLanguage(lang string) bool {
	lang = NormalizeLanguage(lang)
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, l := range b.layers {
		if l[ToLocale(lang)] != nil || l[baseLanguage(lang)] != nil {
			return true
		}
	}
	return false
}

// Translation returns the translation for lang (its catalogs, then its base
// language's, then the default language's unless lang is the default or an English
// variant, as in Django). It is cached; an unknown language gives a translation
// that returns every message as it is.
func (b *Bundle) Translation(lang string) *Translation {
	lang = NormalizeLanguage(lang)
	b.mu.RLock()
	t, ok := b.cache[lang]
	b.mu.RUnlock()
	if ok {
		return t
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t, ok := b.cache[lang]; ok {
		return t
	}
	t = &Translation{lang: lang, catalogs: b.chain(lang)}
	if lang != b.defaultLang && !strings.HasPrefix(lang, "en") {
		for _, c := range b.chain(b.defaultLang) {
			if !containsCatalog(t.catalogs, c) {
				t.catalogs = append(t.catalogs, c)
			}
		}
	}
	if len(b.cache) < 1000 { // languages come from settings, but be safe
		b.cache[lang] = t
	}
	return t
}

func containsCatalog(cs []*Catalog, c *Catalog) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// chain lists the catalogs for lang: every layer's for the full locale, then every
// layer's for the base language.
func (b *Bundle) chain(lang string) []*Catalog {
	locs := []string{ToLocale(lang)}
	if base := baseLanguage(lang); base != lang {
		locs = append(locs, base)
	}
	var out []*Catalog
	for _, loc := range locs {
		for _, l := range b.layers {
			if c := l[loc]; c != nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// Translation translates messages into one language. Get one from
// Bundle.Translation; the zero value and nil translate nothing.
type Translation struct {
	lang     string
	catalogs []*Catalog

	formsOnce sync.Once
	forms     forms.Translator
}

// formsTranslator returns FormsTranslator(t), made once per translation.
func (t *Translation) formsTranslator() forms.Translator {
	t.formsOnce.Do(func() { t.forms = FormsTranslator(t) })
	return t.forms
}

// Language returns the language code the translation is for.
func (t *Translation) Language() string {
	if t == nil {
		return ""
	}
	return t.lang
}

func (t *Translation) find(key string, plural bool, n int64) (string, bool) {
	if t == nil {
		return "", false
	}
	for _, c := range t.catalogs {
		if s, ok := c.lookup(key, plural, n); ok {
			return s, true
		}
	}
	return "", false
}

// Gettext returns the translation of msgid, or msgid when there is none.
func (t *Translation) Gettext(msgid string) string {
	if s, ok := t.find(msgid, false, 0); ok {
		return s
	}
	return msgid
}

// PGettext returns the translation of msgid in context (msgctxt), or msgid.
func (t *Translation) PGettext(context, msgid string) string {
	if s, ok := t.find(messageKey(true, context, msgid), false, 0); ok {
		return s
	}
	return msgid
}

// NGettext returns the plural form of the translation of singular for n, chosen by
// the catalog's plural rule; without a translation, singular when n is 1 and
// plural otherwise.
func (t *Translation) NGettext(singular, plural string, n int64) string {
	if s, ok := t.find(singular, true, n); ok {
		return s
	}
	return englishPlural(singular, plural, n)
}

// NPGettext is NGettext with a context.
func (t *Translation) NPGettext(context, singular, plural string, n int64) string {
	if s, ok := t.find(messageKey(true, context, singular), true, n); ok {
		return s
	}
	return englishPlural(singular, plural, n)
}

func englishPlural(singular, plural string, n int64) string {
	if n == 1 {
		return singular
	}
	return plural
}
