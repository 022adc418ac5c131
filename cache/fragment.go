package cache

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/template"
)

// Library returns the {% load cache %} template library, with Django's fragment
// caching tag:
//
//	{% load cache %}
//	{% cache 500 sidebar request.user.username %} ... {% endcache %}
//	{% cache timeout "menu" lang using="localcache" %} ... {% endcache %}
//
// The first argument is the TTL in seconds (a number or a variable; None for no
// expiry), the second the fragment's name, and the rest are values the fragment
// varies on; using= picks a cache other than "default". The rendered body is kept
// under a key made from the name and the values, so a fragment shown per user is
// cached per user.
//
// The caches come from the request being rendered (install App); cs is used for
// renders outside a request, and may be nil, in which case such renders are not
// cached. A failing cache backend makes the tag render its body uncached.
func Library(cs *Caches) *template.Library {
	lib := template.NewLibrary()
	lib.Tag("cache", func(p *template.Parser, t *template.Token) (template.Node, error) {
		return parseCacheTag(p, t, cs)
	})
	return lib
}

type fragmentNode struct {
	ttl      *template.Expr
	name     string
	vary     []*template.Expr
	using    *template.Expr
	body     template.NodeList
	fallback *Caches
}

func parseCacheTag(p *template.Parser, t *template.Token, cs *Caches) (template.Node, error) {
	bits := t.SplitContents()
	if len(bits) < 3 {
		return nil, fmt.Errorf("'cache' tag requires at least 2 arguments: a timeout and a fragment name")
	}
	n := &fragmentNode{fallback: cs}
	var err error
	if n.ttl, err = p.CompileExpr(bits[1]); err != nil {
		return nil, err
	}
	n.name = bits[2]
	if len(n.name) > 200 {
		return nil, fmt.Errorf("'cache' tag: fragment name longer than 200 characters")
	}
	rest := bits[3:]
	if len(rest) > 0 && strings.HasPrefix(rest[len(rest)-1], "using=") {
		if n.using, err = p.CompileExpr(strings.TrimPrefix(rest[len(rest)-1], "using=")); err != nil {
			return nil, err
		}
		rest = rest[:len(rest)-1]
	}
	for _, b := range rest {
		e, err := p.CompileExpr(b)
		if err != nil {
			return nil, err
		}
		n.vary = append(n.vary, e)
	}
	if n.body, _, err = p.Parse("endcache"); err != nil {
		return nil, err
	}
	return n, nil
}

// Render implements template.Node.
func (n *fragmentNode) Render(c *template.Context) error {
	ttl, err := n.timeout(c)
	if err != nil {
		return err
	}
	name := "default"
	if n.using != nil {
		v, err := n.using.Resolve(c)
		if err != nil {
			return err
		}
		name = fmt.Sprint(v)
	}
	cs := n.fallback
	ctx := context.Background()
	if c.Request != nil {
		ctx = c.Request.Context()
		if rc := CachesFrom(ctx); rc != nil {
			cs = rc
		}
	}
	if cs == nil {
		return n.body.Render(c)
	}
	ch, err := cs.Get(name)
	if err != nil {
		return err
	}
	parts := make([]string, 0, len(n.vary)+1)
	parts = append(parts, n.name)
	for _, e := range n.vary {
		v, err := e.Resolve(c)
		if err != nil {
			return err
		}
		parts = append(parts, fmt.Sprint(v))
	}
	key := "template.cache." + HashKey(parts...)[:40]
	if b, ok, err := ch.Get(ctx, key); err == nil && ok {
		c.Write(string(b))
		return nil
	}
	out, err := n.body.RenderString(c)
	if err != nil {
		return err
	}
	c.Write(out)
	ch.Set(ctx, key, []byte(out), ttl) // a failing backend leaves the page uncached
	return nil
}

// timeout resolves the TTL argument: seconds, or None for no expiry.
func (n *fragmentNode) timeout(c *template.Context) (time.Duration, error) {
	v, err := n.ttl.Resolve(c)
	if err != nil {
		return 0, err
	}
	var secs float64
	switch x := v.(type) {
	case nil:
		return Forever, nil
	case int:
		secs = float64(x)
	case int64:
		secs = float64(x)
	case float64:
		secs = x
	case string:
		if x == "None" || x == "" {
			return Forever, nil
		}
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, fmt.Errorf("'cache' tag got a non-integer timeout value: %q", x)
		}
		secs = f
	default:
		f, err := strconv.ParseFloat(fmt.Sprint(x), 64)
		if err != nil {
			return 0, fmt.Errorf("'cache' tag got a non-integer timeout value: %v", x)
		}
		secs = f
	}
	if math.IsNaN(secs) || secs > float64(math.MaxInt64/int64(time.Second)) {
		return 0, fmt.Errorf("'cache' tag got an out-of-range timeout: %v", v)
	}
	if secs <= 0 {
		return -2, nil // already expired: rendered, not kept
	}
	return time.Duration(secs * float64(time.Second)), nil
}
