package blog

import (
	"time"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
)

// Article is a blog post.
type Article struct {
	orm.Model
	Title     string    `orm:"max_length=200"`
	Slug      string    `orm:"unique,max_length=200"`
	Body      string    `orm:"text"`
	Published time.Time `orm:"auto_now_add,index"`
	// Author is who wrote it; articles stay when their author's account is deleted.
	Author orm.FK[auth.User] `orm:"null,on_delete=set_null,related_name=articles"`
}

// Meta orders articles newest first.
func (Article) Meta() orm.Meta { return orm.Meta{Ordering: []string{"-published"}} }

// Comment is a reader's comment on an article.
type Comment struct {
	orm.Model
	Article orm.FK[Article] `orm:"on_delete=cascade,related_name=comments"`
	Name    string          `orm:"max_length=80"`
	Body    string          `orm:"text"`
	Created time.Time       `orm:"auto_now_add"`
}

// Meta orders comments oldest first.
func (Comment) Meta() orm.Meta { return orm.Meta{Ordering: []string{"created"}} }
