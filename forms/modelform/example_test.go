package modelform_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/galvani-web/galvani/forms/modelform"
	"github.com/galvani-web/galvani/orm"
)

type Label struct {
	orm.Model
	Name string `orm:"max_length=30,unique,help_text=Lower case."`
	Note string `orm:"text,blank"`
}

func ExampleNew() {
	orm.RegisterModels("example", Label{})
	form, err := modelform.New[Label](context.Background(), nil, modelform.Options{}) // with DB: set, unique fields are checked
	if err != nil {
		panic(err)
	}
	err = form.BindData(context.Background(), url.Values{"name": {"this name is much longer than thirty characters"}}, nil)
	fmt.Println(err)
	fmt.Println(form.BoundField("note").Widget())
	// Output:
	// forms: invalid input: name: Ensure this value has at most 30 characters (it has 47).
	// <textarea name="note" cols="40" rows="10" id="id_note">
	// </textarea>
}
