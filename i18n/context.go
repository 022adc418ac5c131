package i18n

import (
	"context"
	"fmt"
)

type ctxKey struct{}

// WithTranslation returns a copy of ctx in which t is the active translation:
// Gettext(ctx, ...) and the template tags translate with it. This is how a
// language is activated — per request, by the middleware, never globally.
func WithTranslation(ctx context.Context, t *Translation) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// Activate returns a copy of ctx with b's translation for lang active.
func (b *Bundle) Activate(ctx context.Context, lang string) context.Context {
	return WithTranslation(ctx, b.Translation(lang))
}

// TranslationFrom returns the translation active in ctx, or nil.
func TranslationFrom(ctx context.Context) *Translation {
	if ctx == nil {
		return nil
	}
	t, _ := ctx.Value(ctxKey{}).(*Translation)
	return t
}

// LanguageFrom returns the code of the language active in ctx ("" when none is).
func LanguageFrom(ctx context.Context) string { return TranslationFrom(ctx).Language() }

// Gettext translates msgid into the language active in ctx (msgid itself when no
// language is active or no catalog has it).
func Gettext(ctx context.Context, msgid string) string {
	return TranslationFrom(ctx).Gettext(msgid)
}

// NGettext translates a message with a plural for the count n: the catalog's
// plural rule picks the form.
func NGettext(ctx context.Context, singular, plural string, n int64) string {
	return TranslationFrom(ctx).NGettext(singular, plural, n)
}

// PGettext translates msgid in a context (msgctxt), which tells apart the same
// English word with two meanings ("May" the month and "May" the verb).
func PGettext(ctx context.Context, context, msgid string) string {
	return TranslationFrom(ctx).PGettext(context, msgid)
}

// NPGettext is NGettext with a context.
func NPGettext(ctx context.Context, context, singular, plural string, n int64) string {
	return TranslationFrom(ctx).NPGettext(context, singular, plural, n)
}

// Sprintf translates format with Gettext and then formats it with args, a
// shorthand for fmt.Sprintf(i18n.Gettext(ctx, format), args...). makemessages
// extracts its format.
func Sprintf(ctx context.Context, format string, args ...any) string {
	return fmt.Sprintf(Gettext(ctx, format), args...)
}

// Lazy is a message marked for translation where no request is at hand (a
// package-level variable, a form's label, a model's verbose name) and translated
// later, when it is used: Translate(ctx) with the request's context.
// makemessages extracts the arguments of GettextLazy and friends.
type Lazy struct {
	context    string
	hasContext bool
	msgid      string
	plural     string
	n          int64
	hasPlural  bool
}

// GettextLazy marks msgid for translation when it is used.
func GettextLazy(msgid string) Lazy { return Lazy{msgid: msgid} }

// PGettextLazy marks msgid in a context for translation when it is used.
func PGettextLazy(context, msgid string) Lazy {
	return Lazy{context: context, hasContext: true, msgid: msgid}
}

// NGettextLazy marks a message with a plural for translation when it is used, with
// the count n.
func NGettextLazy(singular, plural string, n int64) Lazy {
	return Lazy{msgid: singular, plural: plural, n: n, hasPlural: true}
}

// NPGettextLazy is NGettextLazy with a context.
func NPGettextLazy(context, singular, plural string, n int64) Lazy {
	return Lazy{context: context, hasContext: true, msgid: singular, plural: plural, n: n, hasPlural: true}
}

// Translate returns the message in the language active in ctx.
func (l Lazy) Translate(ctx context.Context) string {
	t := TranslationFrom(ctx)
	switch {
	case l.hasPlural && l.hasContext:
		return t.NPGettext(l.context, l.msgid, l.plural, l.n)
	case l.hasPlural:
		return t.NGettext(l.msgid, l.plural, l.n)
	case l.hasContext:
		return t.PGettext(l.context, l.msgid)
	}
	return t.Gettext(l.msgid)
}

// String returns the untranslated message (there is no global language to
// translate into); use Translate.
func (l Lazy) String() string {
	if l.hasPlural {
		return englishPlural(l.msgid, l.plural, l.n)
	}
	return l.msgid
}
