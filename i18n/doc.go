// Package i18n is Galvani's internationalisation battery: gettext catalogs
// (.po and .mo files, per project and per app, with fallback chains), translation
// functions for Go code, and the language active for a request.
//
// Messages are marked in Go code with the functions of this package, which take
// the request's context.Context because the language is chosen per request and
// carried in the context — there is no global "current language":
//
//	msg := i18n.Gettext(ctx, "Welcome!")
//	n := i18n.NGettext(ctx, "%d comment", "%d comments", count) // the catalog's plural rule picks the form
//	may := i18n.PGettext(ctx, "month name", "May")
//
// Catalogs are gettext files laid out as <locale>/LC_MESSAGES/galvani.po (and the
// compiled galvani.mo). CompileMO writes .mo files that are byte for byte what GNU
// msgfmt writes; ParsePO and ParseMO read them, refusing malformed input with a
// *SyntaxError that names the file and line. A Bundle holds the catalogs of a
// project and gives a Translation per language: pt-br looks in pt_BR, then pt, then
// the default language.
package i18n
