package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/galvani-web/galvani/forms"
)

// frameworkFS holds the framework's own translations (the messages of forms and
// auth) into French, German, Spanish, Brazilian Portuguese, Japanese and
// Simplified Chinese, written for Galvani.
//
//go:embed locale
var frameworkFS embed.FS

// FrameworkCatalogs returns the framework's own catalogs, laid out as
// <locale>/LC_MESSAGES/galvani.mo. The Locale app adds them after the project's
// and the apps' catalogs, so a project can change any of these messages in its own
// catalog.
func FrameworkCatalogs() fs.FS {
	sub, err := fs.Sub(frameworkFS, "locale")
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	return sub
}

// FormsTranslator returns a forms.Translator that translates the forms battery's
// messages with t: the English message of the key (forms.DefaultMessage) is looked
// up in t's catalogs and its {placeholders} filled. It returns "" (English) when t
// has no translation.
func FormsTranslator(t *Translation) forms.Translator {
	return func(key string, params map[string]any) string {
		msgid := forms.DefaultMessage(key)
		if msgid == "" {
			return ""
		}
		s, ok := t.find(msgid, false, 0)
		if !ok {
			return ""
		}
		if len(params) == 0 || !strings.Contains(s, "{") {
			return s
		}
		pairs := make([]string, 0, 2*len(params))
		for k, v := range params {
			pairs = append(pairs, "{"+k+"}", fmt.Sprint(v))
		}
		return strings.NewReplacer(pairs...).Replace(s)
	}
}
