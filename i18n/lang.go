package i18n

import "strings"

// NormalizeLanguage returns a language code in the form Django uses in settings
// and URLs: lower case with hyphens ("pt_BR" and "PT-br" become "pt-br", "zh_Hans"
// becomes "zh-hans").
func NormalizeLanguage(code string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "_", "-"))
}

// ToLocale turns a language code into the name of its locale directory: "pt-br"
// becomes "pt_BR", "zh-hans" "zh_Hans", "sr-latn" "sr_Latn", "fr" stays "fr".
func ToLocale(lang string) string {
	lang = NormalizeLanguage(lang)
	base, region, ok := strings.Cut(lang, "-")
	if !ok {
		return base
	}
	region, tail, _ := strings.Cut(region, "-")
	if len(region) > 2 {
		region = strings.ToUpper(region[:1]) + region[1:]
	} else {
		region = strings.ToUpper(region)
	}
	if tail != "" {
		region += "-" + tail
	}
	return base + "_" + region
}

// ToLanguage turns a locale directory name ("pt_BR") into a language code
// ("pt-br").
func ToLanguage(locale string) string { return NormalizeLanguage(locale) }

// baseLanguage returns the part of a language code before its first hyphen.
func baseLanguage(lang string) string {
	base, _, _ := strings.Cut(lang, "-")
	return base
}

// validLanguageCode reports whether s looks like a language code (letters,
// digits, hyphens and underscores; at most 32 bytes), so that header, cookie and
// URL values can be refused before any lookup.
func validLanguageCode(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '@') {
			return false
		}
	}
	return true
}
