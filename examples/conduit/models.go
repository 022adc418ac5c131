package main

import (
	"time"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
)

// User is Conduit's user model: auth's user with a bio and an image.
type User struct {
	auth.AbstractUser
	Bio   string           `orm:"text,blank"`
	Image orm.Null[string] `orm:"max_length=500"`
}

// Follow records that Follower follows Followed.
type Follow struct {
	orm.Model
	Follower orm.FK[User] `orm:"on_delete=cascade,related_name=following"`
	Followed orm.FK[User] `orm:"on_delete=cascade,related_name=followers"`
}

// Meta makes a follow unique.
func (Follow) Meta() orm.Meta {
	return orm.Meta{UniqueTogether: [][]string{{"follower", "followed"}}}
}

// Tag is an article tag.
type Tag struct {
	orm.Model
	Name string `orm:"unique,max_length=100"`
}

// Article is a post.
type Article struct {
	orm.Model
	Slug        string       `orm:"unique,max_length=255"`
	Title       string       `orm:"max_length=255"`
	Description string       `orm:"text"`
	Body        string       `orm:"text"`
	Author      orm.FK[User] `orm:"on_delete=cascade,related_name=articles"`
	Tags        orm.M2M[Tag] `orm:"related_name=articles"`
	Created     time.Time    `orm:"auto_now_add,index"`
	Updated     time.Time    `orm:"auto_now"`
}

// Favorite records that User favourited Article.
type Favorite struct {
	orm.Model
	User    orm.FK[User]    `orm:"on_delete=cascade,related_name=favorites"`
	Article orm.FK[Article] `orm:"on_delete=cascade,related_name=favorites"`
}

// Meta makes a favourite unique.
func (Favorite) Meta() orm.Meta {
	return orm.Meta{UniqueTogether: [][]string{{"user", "article"}}}
}

// Comment is a comment on an article.
type Comment struct {
	orm.Model
	Article orm.FK[Article] `orm:"on_delete=cascade,related_name=comments"`
	Author  orm.FK[User]    `orm:"on_delete=cascade,related_name=comments"`
	Body    string          `orm:"text"`
	Created time.Time       `orm:"auto_now_add"`
	Updated time.Time       `orm:"auto_now"`
}
