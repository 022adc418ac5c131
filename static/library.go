package static

import (
	"errors"

	"github.com/galvani-web/galvani/template"
)

// Library returns the template tag library "static" for s, Django's
// {% load static %}:
//
//	{% load static %}
//	<link rel="stylesheet" href="{% static "css/site.css" %}">
//	<img src="{% static logo_path %}" alt="">
//	{% static "js/app.js" as app_js %}<script src="{{ app_js }}"></script>
//	{% get_static_prefix %}css/site.css
//
// {% static %} gives the file's fingerprinted URL (Server.URL): with a manifest,
// the name collectstatic gave it. A name that is not a static file is an error that
// names it, so a typo fails the render instead of leaving a broken link, as with
// Django's manifest storage.
// Installed as an app (Files), the library is registered for every engine
// template.Setup creates; with a Server of your own, register it yourself:
// template.Setup(app, template.Libraries(map[string]*template.Library{"static": files.Library()})).
func (s *Server) Library() *template.Library {
	return newLibrary(func() (*Server, error) { return s, nil })
}

func newLibrary(server func() (*Server, error)) *template.Library {
	lib := template.NewLibrary()
	lib.SimpleTag("static", func(name string) (string, error) {
		s, err := server()
		if err != nil {
			return "", err
		}
		return s.URL(name)
	})
	lib.SimpleTag("get_static_prefix", func() (string, error) {
		s, err := server()
		if err != nil {
			return "", err
		}
		return s.Prefix(), nil
	})
	return lib
}

// errNotReady is the {% static %} error before the Files app is installed.
var errNotReady = errors.New("static: {% static %} needs the static files app installed (galvani.New(settings, ..., static.App)) or a Server's own Library")
