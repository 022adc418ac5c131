// Package orm is Galvani's object-relational mapper: models are plain Go structs
// with an embedded Model (or a declared primary key) and `orm:"..."` struct tags,
// queries are lazy, immutable, generic QuerySet[T] values, and the same code runs on
// SQLite, PostgreSQL and MySQL/MariaDB.
//
//	type Article struct {
//		orm.Model
//		Title     string    `orm:"max_length=200"`
//		Slug      string    `orm:"unique"`
//		Body      string    `orm:"text"`
//		Published time.Time `orm:"auto_now_add,index"`
//		Author    orm.FK[User] `orm:"on_delete=cascade,related_name=articles"`
//		Tags      orm.M2M[Tag]
//	}
//
//	reg := orm.NewRegistry()
//	orm.Register[Article](reg, "blog")
//	db, err := orm.Open(ctx, "sqlite:///db.sqlite3")
//	recent, err := orm.Q[Article](db).Filter("title__icontains", "go").OrderBy("-published").Limit(10).All(ctx)
//
// Model metadata (ModelInfo, Field) is computed once per type, cached, and exported
// so that the migration framework can diff it; each Dialect generates the DDL for a
// model (see Dialect.CreateTableSQL).
//
// Every value reaches the database as a bound parameter and every identifier is
// quoted; only Raw takes SQL text, and it takes parameters too.
package orm
