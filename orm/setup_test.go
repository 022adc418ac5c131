package orm

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/internal/testdb"
)

// Test models (app "ormtest"). Author -> Article -> Comment -> Like is the
// three-level cascade; Publisher/Book protect; Group/Membership is a through M2M.
type Author struct {
	Model
	Name  string  `orm:"max_length=100"`
	Email string  `orm:"unique,max_length=120"`
	Karma int64   `orm:"default=0"`
	Bio   *string `orm:"text"`

	Articles Reverse[Article] `orm:"related_name=articles"`
}

type Tag struct {
	Model
	Name     string `orm:"unique,max_length=50"`
	Articles Reverse[Article]
}

type Article struct {
	Model
	Title     string          `orm:"max_length=200"`
	Slug      string          `orm:"unique,max_length=100"`
	Body      string          `orm:"text"`
	Views     int64           `orm:"index"`
	Rating    float64         `orm:"default=0"`
	Published time.Time       `orm:"index"`
	Day       Null[time.Time] `orm:"date"`
	Author    FK[Author]      `orm:"on_delete=cascade,related_name=articles"`
	Editor    FK[Author]      `orm:"null,on_delete=set_null,related_name=edited"`
	Tags      M2M[Tag]        `orm:"related_name=articles"`
	Price     Decimal         `orm:"max_digits=10,decimal_places=2"`
	Status    string          `orm:"max_length=10,choices=draft:Draft|published:Published,default=draft"`
	Extra     map[string]any
	Code      UUID
	Blob      []byte
	Updated   time.Time `orm:"auto_now"`
	Comments  Reverse[Comment]
}

func (Article) Meta() Meta {
	return Meta{Indexes: []Index{{Fields: []string{"author", "published"}}}}
}

type Comment struct {
	Model
	Article FK[Article] `orm:"on_delete=cascade,related_name=comments"`
	Text    string      `orm:"text"`
}

type Like struct {
	Model
	Comment FK[Comment] `orm:"on_delete=cascade,related_name=likes"`
	Who     string      `orm:"max_length=50"`
}

type Publisher struct {
	Model
	Name string `orm:"max_length=50"`
}

type Book struct {
	Model
	Publisher FK[Publisher] `orm:"on_delete=protect,related_name=books"`
	Title     string        `orm:"max_length=50"`
}

type Counter struct {
	Model
	Name string `orm:"unique,max_length=20"`
	N    int64
}

type Group struct {
	Model
	Name    string      `orm:"max_length=50"`
	Members M2M[Author] `orm:"through=Membership,related_name=groups"`
}

func (Group) Meta() Meta { return Meta{Table: "ormtest_groups", Ordering: []string{"name"}} }

type Membership struct {
	Model
	Group  FK[Group]  `orm:"on_delete=cascade,related_name=memberships"`
	Author FK[Author] `orm:"on_delete=cascade,related_name=memberships"`
	Role   string     `orm:"max_length=20"`
}

func (Membership) Meta() Meta {
	return Meta{UniqueTogether: [][]string{{"group", "author"}}}
}

// Hooked counts its hooks.
type Hooked struct {
	Model
	Name  string `orm:"max_length=20"`
	saves int
}

func (h *Hooked) BeforeSave(ctx context.Context, db *DB) error {
	h.saves++
	if h.Name == "forbidden" {
		return errForbidden
	}
	return nil
}

type Placement struct {
	Model
	Pub  FK[Publisher] `orm:"null,on_delete=set_default,default=999999,related_name=placements"`
	Note string        `orm:"max_length=20"`
}

type Keyed struct {
	Code  string `orm:"pk,max_length=20"`
	Label string `orm:"max_length=20"`
}

// Mood is a named string type stored as varchar.
type Mood string

type prefs struct {
	Theme string
	Size  int
}

type Profile struct {
	Model
	Author OneToOne[Author] `orm:"on_delete=restrict,related_name=profile"`
	Prefs  prefs            `orm:"json"`
	Level  *int32
	Nick   Null[string] `orm:"max_length=20"`
	Mood   Mood         `orm:"max_length=10,default=calm"`
	Seen   *time.Time
}

type Audit struct {
	Model
	Author FK[Author] `orm:"on_delete=do_nothing,related_name=audits"`
	Note   string     `orm:"max_length=20"`
}

var allModels = []any{Author{}, Tag{}, Article{}, Comment{}, Like{}, Publisher{}, Book{}, Counter{}, Group{}, Membership{}, Hooked{}, Placement{}, Keyed{}, Profile{}, Audit{}}

var registerOnce sync.Once

func registerTestModels(t testing.TB) {
	registerOnce.Do(func() {
		if err := RegisterModels("ormtest", allModels...); err != nil {
			panic(err)
		}
	})
}

type backend struct {
	name string
	open func(t testing.TB) *DB
}

var (
	dbMu    sync.Mutex
	openDBs = map[string]*DB{}
)

func backendsList() []backend {
	return []backend{
		{"sqlite", func(t testing.TB) *DB {
			db, err := Open(context.Background(), "sqlite:///"+filepath.Join(t.TempDir(), "test.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			mustCreate(t, db)
			return db
		}},
		{"postgres", func(t testing.TB) *DB {
			u := testdb.PostgresAddr(t)
			return shared(t, "postgres", func() (*DB, error) {
				admin, err := sql.Open("pgx", u.String())
				if err != nil {
					return nil, err
				}
				defer admin.Close()
				var one int
				if admin.QueryRow("SELECT 1 FROM pg_database WHERE datname = '"+testdb.Name("galvani_orm")+"'").Scan(&one) == sql.ErrNoRows {
					if _, err := admin.Exec("CREATE DATABASE " + testdb.Name("galvani_orm")); err != nil {
						return nil, err
					}
				}
				v := *u
				v.Path = "/" + testdb.Name("galvani_orm")
				return Open(context.Background(), v.String())
			})
		}},
		{"mysql", func(t testing.TB) *DB {
			addr := testdb.MySQLAddr(t)
			return shared(t, "mysql", func() (*DB, error) {
				admin, err := Open(context.Background(), "mysql://root@"+addr+"/")
				if err != nil {
					return nil, err
				}
				defer admin.Close()
				if _, err := admin.Exec(context.Background(), "CREATE DATABASE IF NOT EXISTS "+testdb.Name("galvani_orm")+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
					return nil, err
				}
				return Open(context.Background(), "mysql://root@"+addr+"/"+testdb.Name("galvani_orm"))
			})
		}},
	}
}

// shared opens a server database once per test binary and recreates the tables.
func shared(t testing.TB, name string, open func() (*DB, error)) *DB {
	registerTestModels(t)
	dbMu.Lock()
	defer dbMu.Unlock()
	if db, ok := openDBs[name]; ok {
		truncateAll(t, db)
		return db
	}
	db, err := open()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	lockTestDB(t, db)
	if err := DropTables(context.Background(), db, allModels...); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, db)
	openDBs[name] = db
	return db
}

func mustCreate(t testing.TB, db *DB) {
	registerTestModels(t)
	if err := CreateTables(context.Background(), db, allModels...); err != nil {
		t.Fatal(err)
	}
}

func truncateAll(t testing.TB, outer *DB) {
	err := outer.Atomic(context.Background(), func(ctx context.Context, db *DB) error {
		truncateTx(t, ctx, db)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// truncateTx empties the tables in one transaction (one connection, so MySQL's
// session setting applies to every statement).
func truncateTx(t testing.TB, ctx context.Context, db *DB) {
	if db.Dialect().Name() == "mysql" {
		db.Exec(ctx, "SET FOREIGN_KEY_CHECKS = 0")
		defer db.Exec(ctx, "SET FOREIGN_KEY_CHECKS = 1")
	}
	infos, _ := infosOf(allModels)
	for i := len(infos) - 1; i >= 0; i-- {
		m := infos[i]
		for _, f := range m.m2m {
			if f.Rel.throughName == "" {
				if _, err := db.Exec(ctx, "DELETE FROM "+db.Dialect().QuoteIdent(f.Rel.ThroughTable)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, m := range []any{Profile{}, Audit{}, Like{}, Comment{}, Membership{}, Group{}, Article{}, Book{}, Placement{}, Publisher{}, Author{}, Tag{}, Counter{}, Hooked{}, Keyed{}} {
		mi, _ := InfoOfValue(m)
		if _, err := db.Exec(ctx, "DELETE FROM "+db.Dialect().QuoteIdent(mi.Table)); err != nil {
			t.Fatal(err)
		}
	}
}

// eachDB runs fn on every backend as a subtest. Server backends are shared, so the
// subtests run one after the other.
func eachDB(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	for _, b := range backendsList() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			fn(t, db)
		})
	}
}

// heldLocks keeps the connections that hold the test lock open for the life of the
// test binary: two runs of this package's tests (two engineers, or go test run twice)
// then take turns on the shared galvani_orm databases instead of trampling each other.
var heldLocks []*sql.Conn

func lockTestDB(t testing.TB, db *DB) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := "SELECT pg_advisory_lock(73110516)"
	if db.Dialect().Name() == "mysql" {
		q = "SELECT GET_LOCK('" + testdb.Name("galvani_orm_tests") + "', 300)"
	}
	if _, err := conn.ExecContext(ctx, q); err != nil {
		t.Fatalf("test lock: %v", err)
	}
	heldLocks = append(heldLocks, conn)
}
