package i18n

import (
	"sort"
	"strings"
)

// pluralForms are gettext's Plural-Forms for the languages whose rule is not
// English's, by base language (or full locale where a region differs).
var pluralForms = map[string]string{
	"ja": "nplurals=1; plural=0;", "zh": "nplurals=1; plural=0;", "ko": "nplurals=1; plural=0;",
	"vi": "nplurals=1; plural=0;", "th": "nplurals=1; plural=0;", "id": "nplurals=1; plural=0;",
	"ms": "nplurals=1; plural=0;", "lo": "nplurals=1; plural=0;", "my": "nplurals=1; plural=0;",
	"fr": "nplurals=2; plural=(n > 1);", "pt_BR": "nplurals=2; plural=(n > 1);",
	"oc": "nplurals=2; plural=(n > 1);", "br": "nplurals=2; plural=(n > 1);",
	"ru": slavic, "uk": slavic, "be": slavic, "sr": slavic, "hr": slavic, "bs": slavic,
	"pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
	"cs": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
	"sk": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
	"lt": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2);",
	"lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
	"ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2);",
	"sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
	"ga": "nplurals=3; plural=n==1 ? 0 : n==2 ? 1 : 2;",
	"ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;",
}

const slavic = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"

// PluralFormsFor returns the Plural-Forms header gettext uses for a locale ("pl",
// "pt_BR"); English's "n != 1" for languages not in its table.
func PluralFormsFor(locale string) string {
	if pf, ok := pluralForms[locale]; ok {
		return pf
	}
	if pf, ok := pluralForms[baseLanguage(NormalizeLanguage(locale))]; ok {
		return pf
	}
	return "nplurals=2; plural=(n != 1);"
}

// NewPO returns a catalog for locale holding the messages, with a header naming the
// language and its plural rule, and no dates (so that extracting twice writes the
// same file).
func NewPO(locale string, msgs []*Message) *PO {
	header := &Message{
		Comments: []string{"Translations for this project.", ""},
		Str: []string{"Project-Id-Version: \n" +
			"Language: " + locale + "\n" +
			"MIME-Version: 1.0\n" +
			"Content-Type: text/plain; charset=UTF-8\n" +
			"Content-Transfer-Encoding: 8bit\n" +
			"Plural-Forms: " + PluralFormsFor(locale) + "\n"},
	}
	f := &PO{Messages: []*Message{header}}
	return Merge(f, msgs)
}

// Merge updates the catalog old with freshly extracted messages, as msgmerge does:
// a message still in the source keeps its translation, translator comments and
// flags, and gets the new references and extracted comments; a new message is
// added untranslated; a translated message no longer in the source is kept as an
// obsolete ("#~") entry, so its translation is not lost; an obsolete entry that
// comes back is revived. Entries come out in the order of msgs, the header first
// and obsolete entries last.
func Merge(old *PO, msgs []*Message) *PO {
	nforms := 2
	if pf := old.HeaderField("Plural-Forms"); pf != "" {
		if r, err := ParsePluralForms(pf); err == nil {
			nforms = r.N
		}
	}
	prev := map[string]*Message{}
	for _, m := range old.Messages {
		if m.ID == "" && !m.HasContext {
			continue
		}
		if p, dup := prev[m.Key()]; dup && !p.Obsolete {
			continue // a live entry wins over an obsolete one
		}
		prev[m.Key()] = m
	}
	out := &PO{Name: old.Name}
	if h := old.Header(); h != nil {
		out.Messages = append(out.Messages, h)
	}
	used := map[string]bool{}
	for _, m := range msgs {
		k := m.Key()
		if used[k] {
			continue
		}
		used[k] = true
		n := &Message{Context: m.Context, HasContext: m.HasContext, ID: m.ID, IDPlural: m.IDPlural,
			Extracted: m.Extracted, References: m.References}
		if p := prev[k]; p != nil {
			n.Comments = p.Comments
			n.Flags = mergeFlags(p.Flags, m.Flags)
			n.Str = p.Str
			n.Previous = nil
			if (p.IDPlural != "") != (m.IDPlural != "") || p.IDPlural != m.IDPlural && p.IDPlural != "" {
				// The plural changed: keep the translation, ask for a review.
				if !contains(n.Flags, "fuzzy") && p.Translated() {
					n.Flags = append([]string{"fuzzy"}, n.Flags...)
				}
			}
		} else {
			n.Flags = append([]string(nil), m.Flags...)
		}
		n.Str = shapeForms(n.Str, m.IDPlural != "", nforms)
		out.Messages = append(out.Messages, n)
	}
	var obsolete []*Message
	for k, p := range prev {
		if used[k] || !anyTranslated(p.Str) {
			continue
		}
		o := *p
		o.Obsolete, o.References, o.Extracted = true, nil, nil
		obsolete = append(obsolete, &o)
	}
	sort.Slice(obsolete, func(i, j int) bool { return obsolete[i].Key() < obsolete[j].Key() })
	out.Messages = append(out.Messages, obsolete...)
	return out
}

func anyTranslated(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return true
		}
	}
	return false
}

// mergeFlags keeps the translator's flags (fuzzy...) and the extractor's format
// flags.
func mergeFlags(old, extracted []string) []string {
	var out []string
	for _, f := range old {
		if !strings.HasSuffix(f, "-format") || contains(extracted, f) {
			out = append(out, f)
		}
	}
	for _, f := range extracted {
		if !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// shapeForms gives a message the number of msgstr it needs: one, or nforms for a
// plural message (existing translations are kept).
func shapeForms(str []string, plural bool, nforms int) []string {
	if !plural {
		if len(str) == 0 {
			return []string{""}
		}
		return str[:1]
	}
	out := make([]string, max(nforms, 1))
	copy(out, str)
	return out
}
