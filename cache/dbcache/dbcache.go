// Package dbcache keeps a cache in a database table (Django's DatabaseCache), for
// sites that have a database but no Redis or memcached. Importing it adds the db://
// scheme to cache URLs:
//
//	CACHE_URL=db://                       the default table, galvani_cache
//	CACHE_URL_REPORTS=db://report_cache?database=replica&max_entries=100000
//
// Install its app so that `migrate` creates the tables (the default one by its
// migration, every other table a cache URL names like Django's createcachetable):
//
//	app := galvani.New(settings, cache.App, dbcache.App, migrate.App)
//
// Keys are stored as the SHA-256 of the full key, so any key works the same on every
// database whatever its collation (MySQL's case-insensitive ones included).
// Expired rows are removed now and then when values are set, and when max_entries is
// exceeded the rows closest to expiring go first.
package dbcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/cache/dbcache/migrations"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

// DefaultTable is the table of a db:// URL that names none; its migration ships with App.
const DefaultTable = "galvani_cache"

// Entry is a row of a cache table. Key is the hex SHA-256 of the full cache key;
// Expires is in Unix milliseconds (math.MaxInt64 for no expiry).
type Entry struct {
	Key     string `orm:"pk,max_length=64,column=cache_key"`
	Value   []byte `orm:"column=value"`
	Expires int64  `orm:"index,column=expires"`
}

// Meta implements orm.MetaProvider: the table is DefaultTable.
func (Entry) Meta() orm.Meta { return orm.Meta{Table: DefaultTable} }

// App is the database cache as an installable app: the Entry model and its
// migration (app label "dbcache"), and a post-migrate step creating the other
// tables the project's cache URLs name.
var App galvani.AppConfig = app{}

type app struct{}

func (app) Label() string { return "dbcache" }

// Models implements orm.ModelsProvider.
func (app) Models() []any { return []any{Entry{}} }

// Migrations implements migrate.MigrationsProvider.
func (app) Migrations() []*migrate.Migration { return migrations.All }

// MigrationsDir implements migrate.MigrationsDirProvider.
func (app) MigrationsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "migrations")
}

// PostMigrateApp implements migrate.PostMigrateAppHook: it creates, when missing,
// every cache table other than DefaultTable named by a db:// URL of the project on
// the database being migrated (Django's createcachetable).
func (app) PostMigrateApp(ctx context.Context, a *galvani.App, db *orm.DB, _ map[string]time.Time, out io.Writer) error {
	s := &a.Settings
	urls := map[string]string{"default": s.CacheURL}
	for n, u := range s.Caches {
		urls[n] = u
	}
	for name, raw := range urls {
		if !strings.HasPrefix(raw, "db://") {
			continue
		}
		u, err := cache.ParseURL(raw)
		if err != nil {
			return fmt.Errorf("dbcache: cache %q: %w", name, err)
		}
		table, dbName, err := location(u)
		if err != nil {
			return fmt.Errorf("dbcache: cache %q: %w", name, err)
		}
		if table == DefaultTable || dbName != db.Name() {
			continue
		}
		created, err := CreateTable(ctx, db, table)
		if err != nil {
			return fmt.Errorf("dbcache: cache %q: %w", name, err)
		}
		if created {
			fmt.Fprintf(out, "Created cache table %s for cache %q.\n", table, name)
		}
	}
	return nil
}

// location returns the table and the database name of a db:// URL, taking the
// database option out of its params.
func location(u *cache.URL) (table, database string, err error) {
	table = u.Location
	if table == "" {
		table = DefaultTable
	}
	if !validTable(table) {
		return "", "", fmt.Errorf("cache table name %q must be 1 to 63 letters, digits and underscores, not starting with a digit", table)
	}
	if u.Path != "" && u.Path != "/" {
		return "", "", fmt.Errorf("a db:// cache URL has no path (db://table?database=name)")
	}
	database = "default"
	if vs, ok := u.Params["database"]; ok {
		delete(u.Params, "database")
		if len(vs) != 1 || vs[0] == "" {
			return "", "", errors.New("option database given more than once or empty")
		}
		database = vs[0]
	}
	return table, database, nil
}

func validTable(t string) bool {
	if t == "" || len(t) > 63 || (t[0] >= '0' && t[0] <= '9') {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func init() {
	cache.RegisterScheme("db", openURL)
}

// openURL opens a db:// URL on the project's database it names.
func openURL(ctx context.Context, u *cache.URL, s *galvani.Settings) (cache.Backend, error) {
	table, dbName, err := location(u)
	if err != nil {
		return nil, err
	}
	maxEntries := 0
	if vs, ok := u.Params["max_entries"]; ok {
		delete(u.Params, "max_entries")
		n, err := strconv.Atoi(strings.Join(vs, ","))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("max_entries=%q is not a positive integer", strings.Join(vs, ","))
		}
		maxEntries = n
	}
	if s == nil {
		return nil, errors.New("a db:// cache needs the project's settings for its database: open it with cache.OpenAll or cache.For")
	}
	dbURL, ok := s.Database(dbName)
	if !ok {
		return nil, fmt.Errorf("no database called %q in the settings", dbName)
	}
	db, err := orm.OpenNamed(ctx, dbName, dbURL)
	if err != nil {
		return nil, err
	}
	b, err := New(db, table)
	if err != nil {
		db.Close()
		return nil, err
	}
	b.MaxEntries, b.ownDB = maxEntries, true
	return b, nil
}

// Backend is a cache.Backend on a database table.
type Backend struct {
	db    *orm.DB
	table string // quoted
	mysql bool
	ownDB bool
	// MaxEntries bounds the rows; 0 means no bound beyond expiry.
	MaxEntries int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	noAutoCull bool // tests cull by hand
}

var _ cache.Backend = (*Backend)(nil)

// New returns a backend on table (which CreateTable or the migration made) in db.
func New(db *orm.DB, table string) (*Backend, error) {
	if !validTable(table) {
		return nil, fmt.Errorf("dbcache: table name %q must be 1 to 63 letters, digits and underscores", table)
	}
	return &Backend{db: db, table: db.Dialect().QuoteIdent(table), mysql: db.Dialect().Name() == "mysql"}, nil
}

// CreateTable creates a cache table when it does not exist and reports whether it
// did. The table has the shape of Entry, under another name.
func CreateTable(ctx context.Context, db *orm.DB, table string) (bool, error) {
	if !validTable(table) {
		return false, fmt.Errorf("dbcache: table name %q must be 1 to 63 letters, digits and underscores", table)
	}
	d := db.Dialect()
	q := d.QuoteIdent(table)
	if rows, err := db.Query(ctx, "SELECT 1 FROM "+q+" WHERE 1 = 0"); err == nil {
		rows.Close()
		return false, nil
	}
	idx := d.QuoteIdent(table + "_expires")
	var stmts []string
	switch d.Name() {
	case "postgres":
		stmts = []string{
			"CREATE TABLE IF NOT EXISTS " + q + ` ("cache_key" varchar(64) NOT NULL PRIMARY KEY, "value" bytea NOT NULL, "expires" bigint NOT NULL)`,
			"CREATE INDEX IF NOT EXISTS " + idx + " ON " + q + ` ("expires")`,
		}
	case "mysql":
		stmts = []string{"CREATE TABLE IF NOT EXISTS " + q + " (`cache_key` varchar(64) NOT NULL PRIMARY KEY, `value` longblob NOT NULL, `expires` bigint NOT NULL, INDEX " + idx + " (`expires`))"}
	default:
		stmts = []string{
			"CREATE TABLE IF NOT EXISTS " + q + ` ("cache_key" varchar(64) NOT NULL PRIMARY KEY, "value" blob NOT NULL, "expires" bigint NOT NULL)`,
			"CREATE INDEX IF NOT EXISTS " + idx + " ON " + q + ` ("expires")`,
		}
	}
	for _, s := range stmts {
		if _, err := db.Exec(ctx, s); err != nil {
			return false, fmt.Errorf("dbcache: creating %s: %w", table, err)
		}
	}
	return true, nil
}

func (b *Backend) now() int64 {
	if b.Now != nil {
		return b.Now().UnixMilli()
	}
	return time.Now().UnixMilli()
}

func (b *Backend) expires(ttl time.Duration) int64 {
	if ttl <= 0 {
		return math.MaxInt64
	}
	e := b.now() + ttl.Milliseconds()
	if e < 0 {
		return math.MaxInt64
	}
	return e
}

// hashKey is the stored form of a full key.
func hashKey(k string) string {
	s := sha256.Sum256([]byte(k))
	return hex.EncodeToString(s[:])
}

func dbErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cache: database: %w", err)
}

// Get implements cache.Backend.
func (b *Backend) Get(ctx context.Context, key string) ([]byte, bool, error) {
	rows, err := b.db.Query(ctx, "SELECT value FROM "+b.table+" WHERE cache_key = ? AND expires > ?", hashKey(key), b.now())
	if err != nil {
		return nil, false, dbErr(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, false, dbErr(rows.Err())
	}
	var v []byte
	if err := rows.Scan(&v); err != nil {
		return nil, false, dbErr(err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, true, nil
}

// GetMany implements cache.Backend, 500 keys per query.
func (b *Backend) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		back := make(map[string]string, len(chunk))
		args := make([]any, 0, len(chunk)+1)
		for _, k := range chunk {
			h := hashKey(k)
			back[h] = k
			args = append(args, h)
		}
		args = append(args, b.now())
		q := "SELECT cache_key, value FROM " + b.table + " WHERE cache_key IN (?" + strings.Repeat(", ?", len(chunk)-1) + ") AND expires > ?"
		rows, err := b.db.Query(ctx, q, args...)
		if err != nil {
			return nil, dbErr(err)
		}
		for rows.Next() {
			var h string
			var v []byte
			if err := rows.Scan(&h, &v); err != nil {
				rows.Close()
				return nil, dbErr(err)
			}
			if v == nil {
				v = []byte{}
			}
			out[back[h]] = v
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, dbErr(err)
		}
	}
	return out, nil
}

// upsert is the statement that inserts a row or overwrites the one with its key.
func (b *Backend) upsert() string {
	if b.mysql {
		return "INSERT INTO " + b.table + " (cache_key, value, expires) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value), expires = VALUES(expires)"
	}
	return "INSERT INTO " + b.table + " (cache_key, value, expires) VALUES (?, ?, ?) ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires = excluded.expires"
}

// Set implements cache.Backend.
func (b *Backend) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if value == nil {
		value = []byte{}
	}
	if _, err := b.db.Exec(ctx, b.upsert(), hashKey(key), value, b.expires(ttl)); err != nil {
		return dbErr(err)
	}
	b.maybeCull(ctx)
	return nil
}

// SetMany implements cache.Backend in one transaction.
func (b *Backend) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	exp := b.expires(ttl)
	err := b.db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		for k, v := range items {
			if v == nil {
				v = []byte{}
			}
			if _, err := tx.Exec(ctx, b.upsert(), hashKey(k), v, exp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return dbErr(err)
	}
	b.maybeCull(ctx)
	return nil
}

// Add implements cache.Backend: an insert that overwrites only an expired row.
func (b *Backend) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if value == nil {
		value = []byte{}
	}
	h, exp, now := hashKey(key), b.expires(ttl), b.now()
	var added bool
	if b.mysql {
		// INSERT IGNORE adds a new row; failing that, an expired row is taken over
		// by an UPDATE that re-checks the expiry under the row lock, so of two
		// concurrent Adds only one wins.
		res, err := b.db.Exec(ctx, "INSERT IGNORE INTO "+b.table+" (cache_key, value, expires) VALUES (?, ?, ?)", h, value, exp)
		if err != nil {
			return false, dbErr(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, dbErr(err)
		}
		if n == 0 {
			if res, err = b.db.Exec(ctx, "UPDATE "+b.table+" SET value = ?, expires = ? WHERE cache_key = ? AND expires <= ?", value, exp, h, now); err != nil {
				return false, dbErr(err)
			}
			if n, err = res.RowsAffected(); err != nil {
				return false, dbErr(err)
			}
		}
		added = n > 0
	} else {
		res, err := b.db.Exec(ctx, "INSERT INTO "+b.table+" AS t (cache_key, value, expires) VALUES (?, ?, ?) ON CONFLICT (cache_key) DO UPDATE "+
			"SET value = excluded.value, expires = excluded.expires WHERE t.expires <= ?", h, value, exp, now)
		if err != nil {
			return false, dbErr(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, dbErr(err)
		}
		added = n > 0
	}
	if added {
		b.maybeCull(ctx)
	}
	return added, nil
}

// update runs an UPDATE of the live row of h and reports whether there was one (on
// MySQL too: the orm connects with clientFoundRows, so rows matched count even when
// their values did not change).
func (b *Backend) update(ctx context.Context, set string, h string, args ...any) (bool, error) {
	args = append(args, h, b.now())
	res, err := b.db.Exec(ctx, "UPDATE "+b.table+" SET "+set+" WHERE cache_key = ? AND expires > ?", args...)
	if err != nil {
		return false, dbErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbErr(err)
	}
	return n > 0, nil
}

// Replace implements cache.Backend.
func (b *Backend) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if value == nil {
		value = []byte{}
	}
	return b.update(ctx, "value = ?, expires = ?", hashKey(key), value, b.expires(ttl))
}

// Touch implements cache.Backend.
func (b *Backend) Touch(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return b.update(ctx, "expires = ?", hashKey(key), b.expires(ttl))
}

// Delete implements cache.Backend. An expired row is left to culling and reported
// as absent.
func (b *Backend) Delete(ctx context.Context, key string) (bool, error) {
	res, err := b.db.Exec(ctx, "DELETE FROM "+b.table+" WHERE cache_key = ? AND expires > ?", hashKey(key), b.now())
	if err != nil {
		return false, dbErr(err)
	}
	n, err := res.RowsAffected()
	return n > 0, dbErr(err)
}

// DeleteMany implements cache.Backend, 500 keys per statement.
func (b *Backend) DeleteMany(ctx context.Context, keys []string) error {
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = hashKey(k)
		}
		if _, err := b.db.Exec(ctx, "DELETE FROM "+b.table+" WHERE cache_key IN (?"+strings.Repeat(", ?", len(chunk)-1)+")", args...); err != nil {
			return dbErr(err)
		}
	}
	return nil
}

// Incr implements cache.Backend: the row is read and written in one transaction,
// locked (SELECT ... FOR UPDATE on PostgreSQL and MySQL; SQLite's write
// transactions lock the database when they begin), so concurrent increments from
// any number of processes add up.
func (b *Backend) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	h := hashKey(key)
	lock := " FOR UPDATE"
	if b.db.Dialect().Name() == "sqlite" {
		lock = ""
	}
	var n int64
	err := b.db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		rows, err := tx.Query(ctx, "SELECT value FROM "+b.table+" WHERE cache_key = ? AND expires > ?"+lock, h, b.now())
		if err != nil {
			return err
		}
		var v []byte
		found := rows.Next()
		if found {
			err = rows.Scan(&v)
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
		if err != nil {
			return err
		}
		if !found {
			return cache.ErrNotFound
		}
		cur, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return cache.ErrNotInteger
		}
		n = cur + delta
		if (delta > 0 && n < cur) || (delta < 0 && n > cur) {
			return cache.ErrOverflow
		}
		_, err = tx.Exec(ctx, "UPDATE "+b.table+" SET value = ? WHERE cache_key = ?", []byte(strconv.FormatInt(n, 10)), h)
		return err
	})
	if errors.Is(err, cache.ErrNotFound) || errors.Is(err, cache.ErrNotInteger) || errors.Is(err, cache.ErrOverflow) {
		return 0, err
	}
	return n, dbErr(err)
}

// Clear implements cache.Backend: every row of the table.
func (b *Backend) Clear(ctx context.Context) error {
	_, err := b.db.Exec(ctx, "DELETE FROM "+b.table)
	return dbErr(err)
}

// Close implements cache.Backend: it closes the database when the backend opened it
// from a URL.
func (b *Backend) Close() error {
	if b.ownDB {
		return b.db.Close()
	}
	return nil
}

// cullEvery is how often (one write in cullEvery) expired rows are removed.
const cullEvery = 100

// maybeCull now and then removes expired rows and, past MaxEntries, the third of
// the rows closest to expiring (Django's culling).
func (b *Backend) maybeCull(ctx context.Context) {
	if b.noAutoCull || rand.IntN(cullEvery) != 0 {
		return
	}
	b.Cull(context.WithoutCancel(ctx))
}

// Cull removes expired rows and, when there are more than MaxEntries rows, the
// third of them closest to expiring.
func (b *Backend) Cull(ctx context.Context) error {
	if _, err := b.db.Exec(ctx, "DELETE FROM "+b.table+" WHERE expires <= ?", b.now()); err != nil {
		return dbErr(err)
	}
	if b.MaxEntries <= 0 {
		return nil
	}
	rows, err := b.db.Query(ctx, "SELECT COUNT(*) FROM "+b.table)
	if err != nil {
		return dbErr(err)
	}
	var n int64
	if rows.Next() {
		err = rows.Scan(&n)
	}
	rows.Close()
	if err != nil || n <= int64(b.MaxEntries) {
		return dbErr(err)
	}
	// The third of the rows closest to expiring (ties broken by key), deleted by key.
	rows, err = b.db.Query(ctx, "SELECT cache_key FROM "+b.table+" ORDER BY expires, cache_key LIMIT ?", n/3)
	if err != nil {
		return dbErr(err)
	}
	var victims []any
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return dbErr(err)
		}
		victims = append(victims, h)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return dbErr(err)
	}
	for start := 0; start < len(victims); start += 500 {
		chunk := victims[start:min(start+500, len(victims))]
		if _, err := b.db.Exec(ctx, "DELETE FROM "+b.table+" WHERE cache_key IN (?"+strings.Repeat(", ?", len(chunk)-1)+")", chunk...); err != nil {
			return dbErr(err)
		}
	}
	return nil
}
