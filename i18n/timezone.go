package i18n

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

// TimeZoneSessionKey is the session key the middleware reads the visitor's time
// zone from (an IANA name such as "Europe/Paris"); SetTimeZone stores it.
const TimeZoneSessionKey = "_timezone"

type tzKey struct{}

// WithTimeZone returns a copy of ctx in which loc is the current time zone: the
// zone times are shown in (templates) and read in (forms) for this request.
func WithTimeZone(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, tzKey{}, loc)
}

// TimeZoneFrom returns the current time zone of ctx, or nil when none was
// activated.
func TimeZoneFrom(ctx context.Context) *time.Location {
	if ctx == nil {
		return nil
	}
	loc, _ := ctx.Value(tzKey{}).(*time.Location)
	return loc
}

// LoadTimeZone loads an IANA time zone by name, refusing names that are not ones
// (so a cookie or form value never reaches the file system as a path).
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" || len(name) > 64 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("i18n: %q is not a time zone name", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+') {
			return nil, fmt.Errorf("i18n: %q is not a time zone name", name)
		}
	}
	if name == "Local" {
		return nil, fmt.Errorf("i18n: the server's \"Local\" zone is not a time zone name; use an IANA name")
	}
	return time.LoadLocation(name)
}

// SetTimeZone stores the visitor's time zone in the session, for the middleware
// to activate on their next requests (Django leaves this to the project; here it
// is one call from a preferences view). The name must be an IANA zone.
func SetTimeZone(r *http.Request, name string) error {
	if _, err := LoadTimeZone(name); err != nil {
		return err
	}
	return session.From(r).Set(TimeZoneSessionKey, name)
}

// TimeZone implements the template battery's TimeZoneProvider: with USE_TZ, the
// request's current time zone (else TIME_ZONE); without it nil, so times are shown
// in their own location.
func (l *Locale) TimeZone(r *http.Request) *time.Location {
	l.mu.RLock()
	useTZ, def := l.cfg.UseTZ, l.tz
	l.mu.RUnlock()
	if !useTZ {
		return nil
	}
	if r != nil {
		if loc := TimeZoneFrom(r.Context()); loc != nil {
			return loc
		}
	}
	return def
}

// DefaultTimeZone returns the TIME_ZONE setting's zone (UTC by default).
func (l *Locale) DefaultTimeZone() *time.Location {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.tz == nil {
		return time.UTC
	}
	return l.tz
}

// requestTimeZone picks the request's zone: the session's, else TIME_ZONE.
func (l *Locale) requestTimeZone(r *http.Request, def *time.Location) *time.Location {
	if s := session.From(r); s != nil {
		if name, ok := session.Value[string](s, TimeZoneSessionKey); ok {
			if loc, err := LoadTimeZone(name); err == nil {
				return loc
			}
		}
	}
	return def
}

// TZTemplateLibrary returns the "tz" template library ({% load tz %}), Django's:
// the localtime, utc and timezone filters, {% localtime on|off %},
// {% timezone zone %} and {% get_current_timezone as var %}. defaultZone is what
// {% timezone None %} selects.
func TZTemplateLibrary(defaultZone *time.Location) *template.Library {
	if defaultZone == nil {
		defaultZone = time.UTC
	}
	l := template.NewLibrary()
	l.FilterContext("localtime", func(c *template.Context, v, _ any) (any, error) {
		t, ok := v.(time.Time)
		if !ok {
			return "", nil
		}
		loc := c.Location
		if loc == nil { // inside {% localtime off %}: the zone it put aside
			if z, ok := c.Get(savedZoneKey); ok {
				loc, _ = z.(*time.Location)
			}
		}
		if loc == nil {
			loc = defaultZone
		}
		return t.In(loc), nil
	}, template.NoArg())
	l.FilterContext("utc", func(c *template.Context, v, _ any) (any, error) {
		t, ok := v.(time.Time)
		if !ok {
			return "", nil
		}
		return t.In(template.PinZone(utcAware)), nil
	}, template.NoArg())
	l.FilterContext("timezone", func(c *template.Context, v, arg any) (any, error) {
		t, ok := v.(time.Time)
		if !ok {
			return "", nil
		}
		loc, err := zoneArg(arg)
		if err != nil || loc == nil {
			return "", nil // Django: an unknown zone gives ""
		}
		return t.In(template.PinZone(loc)), nil
	}, template.ArgRequired())
	l.Tag("localtime", func(p *template.Parser, t *template.Token) (template.Node, error) {
		bits := t.SplitContents()
		on := true
		if len(bits) > 2 || len(bits) == 2 && bits[1] != "on" && bits[1] != "off" {
			return nil, fmt.Errorf("%s argument should be 'on' or 'off'", bits[0])
		}
		if len(bits) == 2 {
			on = bits[1] == "on"
		}
		body, _, err := p.Parse("endlocaltime")
		if err != nil {
			return nil, err
		}
		return &localtimeNode{on: on, body: body, def: defaultZone}, nil
	})
	l.Tag("timezone", func(p *template.Parser, t *template.Token) (template.Node, error) {
		bits := t.SplitContents()
		if len(bits) != 2 {
			return nil, fmt.Errorf("'%s' takes one argument (timezone)", bits[0])
		}
		e, err := p.CompileExpr(bits[1])
		if err != nil {
			return nil, err
		}
		body, _, err := p.Parse("endtimezone")
		if err != nil {
			return nil, err
		}
		return &timezoneNode{zone: e, body: body, def: defaultZone}, nil
	})
	l.Tag("get_current_timezone", func(p *template.Parser, t *template.Token) (template.Node, error) {
		args := strings.Fields(t.Contents)
		if len(args) != 3 || args[1] != "as" {
			return nil, fmt.Errorf("'get_current_timezone' requires 'as variable' (got %s)", pyList(args))
		}
		return &setVarNode{name: args[2], fn: func(c *template.Context) any {
			if c.Location != nil {
				return c.Location.String()
			}
			return defaultZone.String()
		}}, nil
	})
	return l
}

// utcAware is UTC as an aware zone: time.UTC stands for naive times in the
// template engine's Python conventions.
var utcAware = time.FixedZone("UTC", 0)

func zoneArg(arg any) (*time.Location, error) {
	switch z := arg.(type) {
	case *time.Location:
		return z, nil
	case nil:
		return nil, nil
	default:
		return LoadTimeZone(stringOf(z))
	}
}

type localtimeNode struct {
	on   bool
	body template.NodeList
	def  *time.Location
}

// savedZoneKey binds, inside {% localtime off %}, the zone it put aside, for a
// nested {% localtime on %} and the localtime filter.
const savedZoneKey = "galvani_tz_saved_zone"

func (n *localtimeNode) Render(c *template.Context) error {
	saved := c.Location
	if n.on {
		if c.Location == nil {
			if z, ok := c.Get(savedZoneKey); ok {
				c.Location, _ = z.(*time.Location)
			}
			if c.Location == nil {
				c.Location = n.def
			}
		}
	} else if saved != nil {
		c.Push()
		c.Set(savedZoneKey, saved)
		c.Location = nil
		defer c.Pop()
	}
	err := n.body.Render(c)
	c.Location = saved
	return err
}

type timezoneNode struct {
	zone *template.Expr
	body template.NodeList
	def  *time.Location
}

func (n *timezoneNode) Render(c *template.Context) error {
	v, err := n.zone.Resolve(c)
	if err != nil {
		return err
	}
	loc := n.def
	if v != nil {
		if s, ok := v.(string); !ok || s != "" {
			z, err := zoneArg(v)
			if err != nil {
				return err
			}
			if z != nil {
				loc = z
			}
		}
	}
	saved := c.Location
	c.Location = loc
	err = n.body.Render(c)
	c.Location = saved
	return err
}
