package i18n

import (
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// GetLanguageInfo describes the language with the given code, with names from the
// CLDR data in golang.org/x/text (English, and the language's own name). An unknown
// or malformed code gives a LanguageInfo with only Code set.
func GetLanguageInfo(code string) LanguageInfo {
	code = NormalizeLanguage(code)
	li := LanguageInfo{Code: code, Bidi: isBidi(code)}
	if !validLanguageCode(code) {
		return li
	}
	tag, err := language.Parse(code)
	if err != nil {
		// Try the base language: Django falls back to it too.
		if tag, err = language.Parse(baseLanguage(code)); err != nil {
			return li
		}
	}
	li.Name = display.English.Tags().Name(tag)
	li.NameLocal = display.Self.Name(tag)
	if li.Name == "" {
		li.NameLocal = ""
	}
	return li
}

// isBidi reports whether a language is written right to left.
func isBidi(code string) bool {
	switch baseLanguage(NormalizeLanguage(code)) {
	case "ar", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "ug", "ur", "yi":
		return true
	}
	return false
}
