package i18n

import "fmt"

// Catalog holds the translations of one language from one .mo (or .po) file: a
// map from message key to its forms, and the plural rule of its header.
type Catalog struct {
	messages map[string][]string
	plural   *PluralRule
	header   string
}

func newCatalog() *Catalog { return &Catalog{messages: map[string][]string{}} }

// NewCatalog builds a catalog from a parsed .po file, keeping what compilemessages
// would keep (no fuzzy, obsolete or untranslated entries).
func NewCatalog(name string, f *PO) (*Catalog, error) {
	c := newCatalog()
	for _, m := range f.Messages {
		if m.Obsolete || m.Fuzzy() || len(m.Str) == 0 || m.Str[0] == "" {
			continue
		}
		c.messages[m.Key()] = m.Str
	}
	if err := c.readHeader(); err != nil {
		line := 0
		if h := f.Header(); h != nil {
			line = h.Line
		}
		return nil, &SyntaxError{File: name, Line: line, Msg: err.Error()}
	}
	return c, nil
}

func (c *Catalog) readHeader() error {
	if h, ok := c.messages[""]; ok && len(h) > 0 {
		c.header = h[0]
	}
	pf := headerField(c.header, "Plural-Forms")
	if pf == "" {
		return nil
	}
	r, err := ParsePluralForms(pf)
	if err != nil {
		return err
	}
	c.plural = r
	for k, forms := range c.messages {
		if len(forms) > r.N && k != "" {
			return fmt.Errorf("message %q has %d plural forms but Plural-Forms says nplurals=%d", truncate(k), len(forms), r.N)
		}
	}
	return nil
}

// Len returns the number of translated messages, the header not counted.
func (c *Catalog) Len() int {
	if _, ok := c.messages[""]; ok {
		return len(c.messages) - 1
	}
	return len(c.messages)
}

// Plural returns the catalog's plural rule (English's n != 1 when the header has
// none).
func (c *Catalog) Plural() *PluralRule {
	if c.plural == nil {
		return germanic
	}
	return c.plural
}

// HeaderField returns a field of the catalog's header entry.
func (c *Catalog) HeaderField(name string) string { return headerField(c.header, name) }

// lookup finds the translation of key; for a plural lookup it picks the form for n.
func (c *Catalog) lookup(key string, plural bool, n int64) (string, bool) {
	forms, ok := c.messages[key]
	if !ok || key == "" {
		return "", false
	}
	if !plural {
		return forms[0], true
	}
	i := c.Plural().Index(n)
	if i >= len(forms) || forms[i] == "" {
		return "", false
	}
	return forms[i], true
}
