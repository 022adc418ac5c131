package template

import (
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/galvani-web/galvani/formats"
)

// L10n is how a render localizes values (Django's USE_L10N): the active
// language's formats and whether to use them.
type L10n struct {
	// Locale is the active language's formats and names (the i18n battery sets
	// it from the request's language). Month and day names come from it even
	// when Localize is off, as Django translates them; nil means English.
	Locale *formats.Locale
	// Localize makes {{ value }} and the date, time and floatformat filters use
	// Locale's formats: its decimal separator and named date formats
	// (Django's USE_L10N). {% localize on|off %} overrides it for a block.
	Localize bool
	// Grouping adds Locale's thousand separators to localized numbers (Django's
	// USE_THOUSAND_SEPARATOR).
	Grouping bool
}

// LocalizationProvider is implemented by the installed app that chooses the
// language of a request (the i18n battery): Setup uses it for the engine's
// Localization.
type LocalizationProvider interface {
	Localization(r *http.Request) L10n
}

// Localization sets how the engine localizes a render: fn gets the request being
// answered (nil outside one, as for Template.Render) and returns the locale and
// the switches. Without it nothing is localized and names are English, as in
// Django with USE_L10N off and no translation.
func Localization(fn func(r *http.Request) L10n) Option {
	return func(e *Engine) { e.localization = fn }
}

// The states of {% localize %}: none (the L10n settings decide), on and off.
const (
	l10nDefault int8 = iota
	l10nOn
	l10nOff
)

// names returns the locale whose month and day names the render prints.
func (c *Context) names() *formats.Locale {
	if c.L10n.Locale != nil {
		return c.L10n.Locale
	}
	return formats.English
}

// localizing reports whether values are written in the locale's formats.
func (c *Context) localizing() bool {
	switch c.useL10n {
	case l10nOn:
		return true
	case l10nOff:
		return false
	}
	return c.L10n.Localize
}

// formatLocale returns the locale whose formats the render uses when localize
// is true, nil otherwise (Django's default settings apply). {{ value }} passes
// localizing(), which {% localize %} changes; filters pass L10n.Localize, as in
// Django 3.2, where the date, time and floatformat filters follow the settings
// only.
func (c *Context) formatLocale(localize bool) *formats.Locale {
	if !localize {
		return nil
	}
	return c.names()
}

// appendNumber appends a number printed in plain digits ("-1234.5") in the
// render's locale when localize is true, with thousand separators when grouping
// is on or force says so (floatformat's g).
func (c *Context) appendNumber(b []byte, plain []byte, force, localize bool) []byte {
	loc := c.formatLocale(localize)
	if loc == nil {
		return append(b, plain...)
	}
	return loc.AppendNumber(b, string(plain), c.L10n.Grouping || force)
}

// localizeNumber is s, a number in plain digits, as the filters write it: in the
// locale's way when the settings localize, with thousand separators when
// grouping is on or force says so; s itself otherwise, without copying.
func (c *Context) localizeNumber(s string, force bool) string {
	loc := c.formatLocale(c.L10n.Localize)
	if loc == nil {
		return s
	}
	return string(loc.AppendNumber(make([]byte, 0, len(s)+len(s)/2), s, c.L10n.Grouping || force))
}

// appendFloat appends a float as {{ value }} shows it: in the locale's way when
// the render localizes, as str() does under {% localize off %}.
func (c *Context) appendFloat(b []byte, f float64) []byte {
	switch {
	case c.useL10n == l10nOff:
		return appendPyFloat(b, f)
	case c.localizing():
		var buf [32]byte
		return c.appendNumber(b, appendPlainFloat(buf[:0], f), false, true)
	}
	return appendPlainFloat(b, f)
}

// appendInt appends an int as {{ value }} shows it.
func (c *Context) appendInt(b []byte, i int64) []byte {
	if c.L10n.Grouping && c.localizing() {
		var buf [24]byte
		return c.appendNumber(b, strconv.AppendInt(buf[:0], i, 10), false, true)
	}
	return strconv.AppendInt(b, i, 10)
}

// appendLocalized appends v the way Django's localize() prints a value on its own
// ({{ value }}, {% firstof %}, {% cycle %}): numbers without exponents and with
// the locale's separators, Decimals in fixed point, datetimes, dates and times in
// the locale's DATETIME_FORMAT, DATE_FORMAT and TIME_FORMAT, everything else as
// str(). Under {% localize off %} numbers are str() and dates use the default
// formats.
func (c *Context) appendLocalized(b []byte, v reflect.Value) []byte {
	v = unwrapIface(v)
	if !v.IsValid() {
		return append(b, "None"...)
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if !hasStringMethod(v) {
			return c.appendFloat(b, v.Float())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !hasStringMethod(v) {
			return c.appendInt(b, v.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if !hasStringMethod(v) && c.L10n.Grouping && c.localizing() {
			var buf [24]byte
			return c.appendNumber(b, strconv.AppendUint(buf[:0], v.Uint(), 10), false, true)
		}
	case reflect.String:
		return append(b, v.String()...)
	}
	switch v.Type() {
	case timeType:
		return append(b, formatDate(c.names(), v.Interface().(time.Time), c.getFormat("DATETIME_FORMAT", "", c.localizing()))...)
	case pyDateType:
		return append(b, formatDate(c.names(), v.Interface().(pyDate).t, c.getFormat("DATE_FORMAT", "", c.localizing()))...)
	case pyClockType:
		return append(b, formatDate(c.names(), v.Interface().(pyClock).t, c.getFormat("TIME_FORMAT", "", c.localizing()))...)
	}
	if bi, ok := v.Interface().(*big.Int); ok && bi != nil && c.L10n.Grouping && c.localizing() {
		return c.appendNumber(b, bi.Append(nil, 10), false, true)
	}
	if n, ok := asNumber(v); ok && n.kind == numDec {
		if c.useL10n == l10nOff {
			return append(b, n.d.String()...)
		}
		fixed := decimalFixed(n.d.String())
		if c.localizing() {
			return c.appendNumber(b, []byte(fixed), false, true)
		}
		return append(b, fixed...)
	}
	return appendStr(b, v, false)
}

// isLocalizable reports the values Django's localize() changes: numbers (not
// booleans), dates and times.
func isLocalizable(v reflect.Value) bool {
	v = unwrapIface(v)
	if !v.IsValid() {
		return false
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return !hasStringMethod(v)
	}
	switch v.Type() {
	case timeType, pyDateType, pyClockType:
		return true
	}
	n, ok := asNumber(v)
	return ok && n.kind == numDec
}

// localizeWith is the localize (state l10nOn) and unlocalize (l10nOff) filters:
// a number, date or time written as {{ value }} would be inside
// {% localize on %} or {% localize off %}; anything else unchanged.
func localizeWith(state int8) func(c *Context, in, _ any) (any, error) {
	return func(c *Context, in, _ any) (any, error) {
		v := reflect.ValueOf(in)
		if !isLocalizable(v) {
			return in, nil
		}
		saved := c.useL10n
		c.useL10n = state
		s := string(c.appendLocalized(nil, v))
		c.useL10n = saved
		return s, nil
	}
}

// l10nLibrary is Django's l10n library, {% load l10n %}: the localize and
// unlocalize filters and {% localize on|off %}...{% endlocalize %}.
var l10nLibrary = func() *Library {
	l := NewLibrary()
	l.FilterContext("localize", localizeWith(l10nOn), NoArg())
	l.FilterContext("unlocalize", localizeWith(l10nOff), NoArg())
	l.Tag("localize", tagLocalize)
	return l
}()

type localizeNode struct {
	state int8
	body  NodeList
}

// Render implements Node.
func (n *localizeNode) Render(c *Context) error {
	saved := c.useL10n
	c.useL10n = n.state
	err := n.body.Render(c)
	c.useL10n = saved
	return err
}

func tagLocalize(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	n := &localizeNode{state: l10nOn}
	switch {
	case len(bits) > 2:
		return nil, fmt.Errorf("'%s' takes one argument", bits[0])
	case len(bits) == 2:
		switch bits[1] {
		case "on":
		case "off":
			n.state = l10nOff
		default:
			return nil, fmt.Errorf("'%s' argument should be 'on' or 'off'", bits[0])
		}
	}
	body, _, err := p.Parse("endlocalize")
	if err != nil {
		return nil, err
	}
	n.body = body
	return n, nil
}
