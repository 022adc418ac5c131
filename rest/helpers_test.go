package rest_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
)

// Tests hash passwords with cheap parameters.
func TestMain(m *testing.M) {
	auth.DefaultHashers = auth.Hashers{auth.PBKDF2Hasher{Iterations: 1000}}
	os.Exit(m.Run())
}

// Author and Post are the models of the test API.
type Author struct {
	orm.Model
	Name string `orm:"max_length=100"`
}

type Post struct {
	orm.Model
	Title     string `orm:"max_length=20"`
	Slug      string `orm:"max_length=50,unique"`
	Body      string `orm:"text,blank"`
	Kind      string `orm:"max_length=10,choices=news:News|blog:Blog,default=news"`
	Views     int32  `orm:"default=0"`
	Published orm.Null[time.Time]
	Author    orm.FK[Author]    `orm:"on_delete=cascade"`
	Owner     orm.FK[auth.User] `orm:"on_delete=cascade,null"`
	Created   time.Time         `orm:"auto_now_add"`
}

var registerOnce sync.Once

func register() {
	registerOnce.Do(func() {
		if err := orm.RegisterApps(auth.App); err != nil {
			panic(err)
		}
		orm.MustRegister[Author]("blog")
		orm.MustRegister[Post]("blog")
	})
}

// env is a project with the auth app, sessions, CSRF and a test API at /api.
type env struct {
	t    *testing.T
	db   *orm.DB
	app  *galvani.App
	api  *rest.API
	c    *galvanitest.Client
	ann  *auth.User // a user with no permissions
	boss *auth.User // a superuser
}

func openDB(t testing.TB) *orm.DB {
	t.Helper()
	register()
	db, err := orm.Open(context.Background(), "sqlite:///"+filepath.Join(t.TempDir(), "rest.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.CreateTables(context.Background(), db, auth.Permission{}, auth.Group{}, auth.User{}, Author{}, Post{}); err != nil {
		t.Fatal(err)
	}
	return db
}

// postSerializer is the test API's serializer of posts.
func postSerializer() *rest.ModelSerializer[Post] {
	return &rest.ModelSerializer[Post]{
		Fields: []string{"id", "title", "slug", "body", "kind", "views", "published", "author", "created", "shout"},
		Nested: map[string]rest.Nested{"author": &rest.ModelSerializer[Author]{Fields: []string{"id", "name"}}},
		Computed: map[string]rest.Computed[Post]{
			"shout": rest.ComputeEach(func(r *rest.Request, p *Post) string { return p.Title + "!" }),
		},
	}
}

func newEnv(t *testing.T, cfg rest.Config, setup func(api *rest.API)) *env {
	t.Helper()
	e := &env{t: t, db: openDB(t)}
	e.api = rest.New(cfg)
	if setup != nil {
		setup(e.api)
	} else {
		e.api.Register("posts", &rest.ViewSet[Post]{
			Serializer: postSerializer(),
			Filters:    rest.Filters{"title": {"exact", "icontains"}, "views": {"gte", "lte", "in"}, "author": {"exact"}, "published": {"isnull", "gte"}},
			Search:     []string{"title", "body"},
			Ordering:   []string{"id", "views", "title"},
		})
	}
	settings := galvani.Settings{SecretKey: "rest-tests-secret-key-0123456789-abcdefghijklmnop", AllowedHosts: []string{galvanitest.DefaultHost}}
	galvani.Section(&settings, "session", session.Config{Store: session.NewMemoryStore()})
	e.app = galvani.New(settings, security.App, session.App, auth.New[auth.User](auth.Options{DB: e.db}), galvani.Include("/api", e.api))
	e.app.Use(session.Middleware(&e.app.Settings), orm.Middleware(e.db))
	e.c = galvanitest.New(t, e.app)
	ctx := context.Background()
	e.ann = &auth.User{AbstractUser: auth.AbstractUser{Username: "ann", IsActive: true}}
	_ = e.ann.SetPassword("ann-password-1")
	e.boss = &auth.User{AbstractUser: auth.AbstractUser{Username: "boss", IsActive: true, IsStaff: true, IsSuperuser: true}}
	_ = e.boss.SetPassword("boss-password-1")
	for _, u := range []*auth.User{e.ann, e.boss} {
		if err := e.db.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// seed creates an author and n posts.
func (e *env) seed(n int) *Author {
	e.t.Helper()
	ctx := context.Background()
	a := &Author{Name: "Ada"}
	if err := e.db.Create(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		p := &Post{Title: "Post " + itoa(i), Slug: "post-" + itoa(i), Body: "body " + itoa(i), Kind: "news", Views: int32(i * 10), Author: orm.To(a)}
		if err := e.db.Create(ctx, p); err != nil {
			e.t.Fatal(err)
		}
	}
	return a
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func jsonHeader() galvanitest.Option { return galvanitest.Header("Accept", "application/json") }

func ormGet(e *env, id int64) (*Post, error) {
	return orm.Q[Post](e.db).Get(context.Background(), "id", id)
}
