package views

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
)

// ErrNoDatabase is returned by a view that has no DB field set when the request
// carries no database either.
var ErrNoDatabase = errors.New("views: no database: set the view's DB field, or install the orm (orm.Install or orm.Middleware) so requests carry one")

// AbsoluteURLer is implemented by models that know their own URL, like Django's
// get_absolute_url. The editing views redirect to it after saving when no
// SuccessURL or Success is set.
type AbsoluteURLer interface {
	AbsoluteURL(app *galvani.App) (string, error)
}

// Data is what a view hands its template, by variable name.
type Data = map[string]any

// allowMethods answers methods outside allowed: OPTIONS with the Allow header (done
// is true, the response is written), anything else with 405. GET allows HEAD.
func allowMethods(c *galvani.Ctx, allowed ...string) (done bool, err error) {
	m := c.Request.Method
	for _, a := range allowed {
		if m == a || m == http.MethodHead && a == http.MethodGet {
			return false, nil
		}
	}
	list := strings.Join(allowed, ", ")
	if allowed[0] == http.MethodGet {
		list = "GET, HEAD" + strings.TrimPrefix(list, "GET")
	}
	list += ", OPTIONS"
	c.SetHeader("Allow", list)
	if m == http.MethodOptions {
		c.SetHeader("Content-Length", "0")
		return true, c.NoContent(http.StatusOK)
	}
	return false, galvani.Errorf(http.StatusMethodNotAllowed, "Method %s is not allowed here; allowed: %s", m, list)
}

// database returns the view's database: its own, or the request's.
func database(c *galvani.Ctx, db *orm.DB) (*orm.DB, error) {
	if db != nil {
		return db, nil
	}
	if d := orm.DBFrom(c.Request); d != nil {
		return d, nil
	}
	return nil, ErrNoDatabase
}

// modelOf returns T's model metadata.
func modelOf[T any]() (*orm.ModelInfo, error) {
	info, err := orm.InfoOf[T]()
	if err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	return info, nil
}

// templateName is Django's default template name: "<app>/<model><suffix>.html".
func templateName(info *orm.ModelInfo, set, suffix string) string {
	if set != "" {
		return set
	}
	return info.App + "/" + info.ModelName + suffix + ".html"
}

// contextName is the model's name in the template: ContextName or the lower-case
// model name.
func contextName(info *orm.ModelInfo, set string) string {
	if set != "" {
		return set
	}
	return info.ModelName
}

// render calls the view's Render hook, or renders the template with status 200.
func render(c *galvani.Ctx, hook func(*galvani.Ctx, Data) error, template string, data Data) error {
	if hook != nil {
		return hook(c, data)
	}
	return c.Render(http.StatusOK, template, data)
}

// fieldText returns the text of field name (a lookup or Go name, or "pk") of the
// model object obj, as placeholders show it: a relation as its key, a NULL as "".
func fieldText(info *orm.ModelInfo, obj any, name string) (string, error) {
	f, ok := info.Field(name)
	if name == "pk" {
		f, ok = info.PK, true
	}
	if !ok {
		return "", fmt.Errorf("views: {%s}: %s has no field %q (fields: %s)", name, info.Name, name, strings.Join(info.FieldNames(), ", "))
	}
	v := reflect.ValueOf(obj).Elem().FieldByName(f.GoName)
	if !v.IsValid() {
		return "", fmt.Errorf("views: {%s}: %s.%s is not a struct field", name, info.Name, f.GoName)
	}
	x := v.Interface()
	switch t := x.(type) {
	case interface{ Key() any }:
		if k := t.Key(); k != nil {
			return fmt.Sprint(k), nil
		}
		return "", nil
	case driver.Valuer:
		dv, err := t.Value()
		if err != nil || dv == nil {
			return "", err
		}
		return fmt.Sprint(dv), nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", nil
		}
		return fmt.Sprint(v.Elem().Interface()), nil
	}
	return fmt.Sprint(x), nil
}

// interpolate fills {field} placeholders of s with the object's fields; "{{" and
// "}}" are literal braces. In a URL (escape true) each value is path-escaped, so a
// title with "/" or "?" cannot change where the URL points.
func interpolate(s string, info *orm.ModelInfo, obj any, escape bool) (string, error) {
	if !strings.ContainsAny(s, "{}") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{', c == '}' && i+1 < len(s) && s[i+1] == '}':
			b.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("views: %q has an unclosed {", s)
			}
			text, err := fieldText(info, obj, s[i+1:i+end])
			if err != nil {
				return "", err
			}
			if escape {
				text = url.PathEscape(text)
			}
			b.WriteString(text)
			i += end
		case c == '}':
			return "", fmt.Errorf("views: %q has a } without {", s)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// successURL is where an editing view sends the browser after it saved (or deleted)
// obj: the Success hook's answer, SuccessURL with the object's fields filled in, or
// the model's AbsoluteURL.
func successURL[T any](c *galvani.Ctx, info *orm.ModelInfo, obj *T, hook func(*galvani.Ctx, *T) (string, error), pattern string) (string, error) {
	switch {
	case hook != nil:
		return hook(c, obj)
	case pattern != "":
		return interpolate(pattern, info, obj, true)
	}
	if a, ok := any(obj).(AbsoluteURLer); ok {
		return a.AbsoluteURL(c.App())
	}
	return "", fmt.Errorf("views: no success URL for %s: set SuccessURL or Success on the view, or give %s an AbsoluteURL(*galvani.App) (string, error) method", info.Name, info.Name)
}

// succeed adds the success message (if any) and redirects with 303 See Other.
func succeed(c *galvani.Ctx, info *orm.ModelInfo, obj any, message, target string) error {
	if message != "" {
		text, err := interpolate(message, info, obj, false)
		if err != nil {
			return err
		}
		if err := messages.Success(c.Request, text); err != nil {
			return fmt.Errorf("views: SuccessMessage: %w", err)
		}
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// formError reports whether err is a validation problem for the form (a
// *forms.Error, several joined, or a *forms.ValidationError) and adds it to the
// form, so the form is shown again with the message instead of failing the request.
func formError[T any](form *forms.Form[T], err error) bool {
	var ve *forms.ValidationError
	if errors.As(err, &ve) {
		for field, msgs := range ve.Fields {
			for _, m := range msgs {
				form.AddError(field, m)
			}
		}
		for _, m := range ve.NonField {
			form.AddError("", m)
		}
		return true
	}
	var list []*forms.Error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			fe, ok := e.(*forms.Error)
			if !ok {
				return false
			}
			list = append(list, fe)
		}
	} else if fe, ok := err.(*forms.Error); ok {
		list = append(list, fe)
	}
	if len(list) == 0 {
		return false
	}
	for _, fe := range list {
		form.AddError(fe.Field, strings.TrimPrefix(fe.Error(), fe.Field+": "))
	}
	return true
}
