package views

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/forms/modelform"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
)

// Create shows a form for a new object and saves it, Django's CreateView:
//
//	g.Any("/new/", auth.LoginRequired(views.Create[Article]{
//		Fields:     []string{"title", "body"},
//		BeforeSave: func(c *galvani.Ctx, a *Article) error { a.Author.SetID(auth.UserFrom(c.Request).ID); return nil },
//		SuccessURL: "/articles/{slug}/",
//	}.Handle))
//
// GET shows the form (a model form of Fields, checking the model's unique fields);
// POST binds it, and when it is valid runs BeforeSave, saves the object, adds
// SuccessMessage and redirects (303) to the success URL. An invalid form is shown
// again with its errors, and so is one whose BeforeSave or Save returns a
// *forms.Error (a problem only the database can see, such as a taken slug). The
// template ("<app>/<model>_form.html") gets form.
type Create[T any] struct {
	// DB is the database to write; nil means the request's (orm.DBFrom).
	DB *orm.DB
	// Template is the template to render; default "<app>/<model>_form.html".
	Template string
	// Fields are the model fields the form edits (Django's fields). They are
	// required unless Form is set: like Django, the view never guesses, so a field
	// added to the model later (is_staff...) is not editable by accident.
	Fields []string
	// Form, when set, makes the form instead (Django's get_form), for obj. Set its
	// Data to *obj to start from the object.
	Form func(c *galvani.Ctx, obj *T) (*forms.Form[T], error)
	// Initial, when set, fills in the new object before the form is made, so the
	// form shows those values (Django's get_initial).
	Initial func(c *galvani.Ctx, obj *T) error
	// BeforeSave, when set, runs on the valid object just before it is saved: set
	// the fields the form does not edit (the author from the request).
	BeforeSave func(c *galvani.Ctx, obj *T) error
	// Save, when set, saves the object instead of db.Create.
	Save func(c *galvani.Ctx, db *orm.DB, obj *T) error
	// SuccessURL is where to go after saving, with {field} placeholders filled
	// from the saved object ("/articles/{slug}/", values path-escaped).
	SuccessURL string
	// Success, when set, computes the URL instead (Django's get_success_url).
	// With neither, the model's AbsoluteURL method is used.
	Success func(c *galvani.Ctx, obj *T) (string, error)
	// SuccessMessage is added as a success message after saving, with {field}
	// placeholders filled from the object ("Published {title}."); empty means none.
	SuccessMessage string
	// Data, when set, adds to or changes the template's data.
	Data func(c *galvani.Ctx, form *forms.Form[T], data Data) error
	// Render, when set, answers instead of rendering Template.
	Render func(c *galvani.Ctx, data Data) error
}

// Handle answers GET (the form) and POST (saving it).
func (v Create[T]) Handle(c *galvani.Ctx) error {
	if done, err := allowMethods(c, http.MethodGet, http.MethodPost); done || err != nil {
		return err
	}
	info, err := modelOf[T]()
	if err != nil {
		return err
	}
	db, err := database(c, v.DB)
	if err != nil {
		return err
	}
	obj := new(T)
	if v.Initial != nil {
		if err := v.Initial(c, obj); err != nil {
			return err
		}
	}
	e := editor[T]{db: db, info: info, template: v.Template, fields: v.Fields, form: v.Form, beforeSave: v.BeforeSave,
		save: v.Save, successURL: v.SuccessURL, success: v.Success, successMessage: v.SuccessMessage, data: v.Data, render: v.Render, create: true}
	return e.serve(c, obj, nil)
}

// Update shows a form for an existing object and saves it, Django's UpdateView.
// The object is found as Detail finds it (a "pk", "id" or "slug" path parameter,
// Query, Object); the form starts from its values, and saving writes the object
// with db.Save. The template ("<app>/<model>_form.html", as for Create) gets
// form, object and <model>.
type Update[T any] struct {
	// DB is the database; nil means the request's (orm.DBFrom).
	DB *orm.DB
	// Template is the template to render; default "<app>/<model>_form.html".
	Template string
	// Query, PKParam, SlugParam, SlugField and Object find the object, as in Detail.
	Query     func(c *galvani.Ctx, q orm.QuerySet[T]) (orm.QuerySet[T], error)
	PKParam   string
	SlugParam string
	SlugField string
	Object    func(c *galvani.Ctx, q orm.QuerySet[T]) (*T, error)
	// Fields, Form, BeforeSave, Save, SuccessURL, Success, SuccessMessage, Data and
	// Render are as in Create; Save defaults to db.Save.
	Fields         []string
	Form           func(c *galvani.Ctx, obj *T) (*forms.Form[T], error)
	BeforeSave     func(c *galvani.Ctx, obj *T) error
	Save           func(c *galvani.Ctx, db *orm.DB, obj *T) error
	SuccessURL     string
	Success        func(c *galvani.Ctx, obj *T) (string, error)
	SuccessMessage string
	// ContextName is the object's name in the template besides object.
	ContextName string
	Data        func(c *galvani.Ctx, form *forms.Form[T], data Data) error
	Render      func(c *galvani.Ctx, data Data) error
}

// Handle answers GET (the form) and POST (saving it).
func (v Update[T]) Handle(c *galvani.Ctx) error {
	if done, err := allowMethods(c, http.MethodGet, http.MethodPost); done || err != nil {
		return err
	}
	l := lookup[T]{db: v.DB, query: v.Query, pkParam: v.PKParam, slugParam: v.SlugParam, slugField: v.SlugField, object: v.Object}
	info, db, obj, err := l.find(c)
	if err != nil {
		return err
	}
	e := editor[T]{db: db, info: info, template: v.Template, fields: v.Fields, form: v.Form, beforeSave: v.BeforeSave,
		save: v.Save, successURL: v.SuccessURL, success: v.Success, successMessage: v.SuccessMessage, data: v.Data, render: v.Render}
	return e.serve(c, obj, Data{"object": obj, contextName(info, v.ContextName): obj})
}

// editor is the form handling Create and Update share.
type editor[T any] struct {
	db                   *orm.DB
	info                 *orm.ModelInfo
	template, successURL string
	successMessage       string
	fields               []string
	form                 func(*galvani.Ctx, *T) (*forms.Form[T], error)
	beforeSave           func(*galvani.Ctx, *T) error
	save                 func(*galvani.Ctx, *orm.DB, *T) error
	success              func(*galvani.Ctx, *T) (string, error)
	data                 func(*galvani.Ctx, *forms.Form[T], Data) error
	render               func(*galvani.Ctx, Data) error
	create               bool
}

// makeForm returns the form, and the model form it is when the view made it from
// Fields (nil for a Form hook's).
func (e editor[T]) makeForm(c *galvani.Ctx, obj *T) (*forms.Form[T], *modelform.Form[T], error) {
	if e.form != nil {
		f, err := e.form(c, obj)
		return f, nil, err
	}
	if len(e.fields) == 0 {
		return nil, nil, fmt.Errorf("views: the %s form needs Fields (the model fields it edits) or a Form hook: the view does not guess them, so a field added to the model later is never editable by accident", e.info.Name)
	}
	mf, err := modelform.New(c.Context(), obj, modelform.Options{Fields: e.fields, DB: e.db})
	if err != nil {
		return nil, nil, fmt.Errorf("views: %w", err)
	}
	return mf.Form, mf, nil
}

func (e editor[T]) serve(c *galvani.Ctx, obj *T, data Data) error {
	form, mf, err := e.makeForm(c, obj)
	if err != nil {
		return err
	}
	if c.Request.Method == http.MethodPost {
		if err := form.Bind(c.Request); err == nil {
			saved := &form.Data
			err = e.commit(c, saved, mf)
			if err == nil {
				target, err := successURL(c, e.info, saved, e.success, e.successURL)
				if err != nil {
					return err
				}
				return succeed(c, e.info, saved, e.successMessage, target)
			}
			if !formError(form, err) {
				return err
			}
		} else if !isInvalid(err) {
			return err
		}
	}
	if data == nil {
		data = Data{}
	}
	data["form"] = form
	if e.data != nil {
		if err := e.data(c, form, data); err != nil {
			return err
		}
	}
	return render(c, e.render, templateName(e.info, e.template, "_form"), data)
}

// commit saves obj; for a model form (mf not nil) it then sets the object's
// many-to-many relations, in the same transaction.
func (e editor[T]) commit(c *galvani.Ctx, obj *T, mf *modelform.Form[T]) error {
	if e.beforeSave != nil {
		if err := e.beforeSave(c, obj); err != nil {
			return err
		}
	}
	write := func(ctx context.Context, db *orm.DB) error {
		switch {
		case e.save != nil:
			return e.save(c, db, obj)
		case e.create:
			return db.Create(ctx, obj)
		}
		return db.Save(ctx, obj)
	}
	if mf == nil {
		return write(c.Context(), e.db)
	}
	return e.db.Atomic(c.Context(), func(ctx context.Context, tx *orm.DB) error {
		if err := write(ctx, tx); err != nil {
			return err
		}
		return mf.SaveM2M(ctx)
	})
}

// isInvalid reports whether err from Bind is invalid input (shown in the form)
// rather than an unreadable request or a server failure.
func isInvalid(err error) bool {
	var ve *forms.ValidationError
	return errors.As(err, &ve)
}

// Delete asks for confirmation and deletes an object, Django's DeleteView: GET
// renders "<app>/<model>_confirm_delete.html" with object and <model>; POST
// deletes it (with its on_delete cascades), adds SuccessMessage and redirects
// (303) to the success URL. The object is found as Detail finds it. A delete
// prevented by a protected relation answers 409 Conflict with the reason.
type Delete[T any] struct {
	// DB is the database; nil means the request's (orm.DBFrom).
	DB *orm.DB
	// Template is the template to render; default
	// "<app>/<model>_confirm_delete.html".
	Template string
	// Query, PKParam, SlugParam, SlugField and Object find the object, as in Detail.
	Query     func(c *galvani.Ctx, q orm.QuerySet[T]) (orm.QuerySet[T], error)
	PKParam   string
	SlugParam string
	SlugField string
	Object    func(c *galvani.Ctx, q orm.QuerySet[T]) (*T, error)
	// Delete, when set, deletes instead of db.Delete.
	Delete func(c *galvani.Ctx, db *orm.DB, obj *T) error
	// SuccessURL (with {field} placeholders filled from the deleted object),
	// Success and SuccessMessage are as in Create. Delete needs SuccessURL or
	// Success: the object's own URL is gone.
	SuccessURL     string
	Success        func(c *galvani.Ctx, obj *T) (string, error)
	SuccessMessage string
	// ContextName, Data and Render are as in Detail.
	ContextName string
	Data        func(c *galvani.Ctx, obj *T, data Data) error
	Render      func(c *galvani.Ctx, data Data) error
}

// Handle answers GET (the confirmation page) and POST (deleting).
func (v Delete[T]) Handle(c *galvani.Ctx) error {
	if done, err := allowMethods(c, http.MethodGet, http.MethodPost); done || err != nil {
		return err
	}
	l := lookup[T]{db: v.DB, query: v.Query, pkParam: v.PKParam, slugParam: v.SlugParam, slugField: v.SlugField, object: v.Object}
	info, db, obj, err := l.find(c)
	if err != nil {
		return err
	}
	if c.Request.Method == http.MethodPost {
		if v.SuccessURL == "" && v.Success == nil {
			return fmt.Errorf("views: deleting a %s needs SuccessURL or Success on the view", info.Name)
		}
		target, err := successURL(c, info, obj, v.Success, v.SuccessURL)
		if err != nil {
			return err
		}
		if v.Delete != nil {
			err = v.Delete(c, db, obj)
		} else {
			_, err = db.Delete(c.Context(), obj)
		}
		if errors.Is(err, orm.ErrProtected) {
			return galvani.Errorf(http.StatusConflict, "This %s cannot be deleted: other objects refer to it.", info.ModelName).Wrap(err)
		}
		if err != nil {
			return err
		}
		return succeed(c, info, obj, v.SuccessMessage, target)
	}
	data := Data{"object": obj, contextName(info, v.ContextName): obj}
	if v.Data != nil {
		if err := v.Data(c, obj, data); err != nil {
			return err
		}
	}
	return render(c, v.Render, templateName(info, v.Template, "_confirm_delete"), data)
}

// Form shows a form that is not a model's and acts on it when valid, Django's
// FormView:
//
//	g.Any("/contact/", views.Form[ContactForm]{
//		Template:       "pages/contact.html",
//		Valid:          func(c *galvani.Ctx, f *forms.Form[ContactForm]) error { return sendMail(c, f.Data) },
//		SuccessURL:     "/thanks/",
//		SuccessMessage: "Thanks, we will answer soon.",
//	}.Handle)
//
// GET shows the form; POST binds it, and when it is valid calls Valid, adds
// SuccessMessage and redirects (303). An invalid form, or one Valid rejects with a
// *forms.Error, is shown again with its errors. The template gets form.
type Form[F any] struct {
	// Template is the template to render (required unless Render is set).
	Template string
	// New, when set, makes the form instead of forms.New[F]() (Django's get_form).
	New func(c *galvani.Ctx) (*forms.Form[F], error)
	// Initial, when set, fills in the form's Data before it is shown or bound.
	Initial func(c *galvani.Ctx, form *forms.Form[F]) error
	// Valid acts on the valid form (form_valid); it is required.
	Valid func(c *galvani.Ctx, form *forms.Form[F]) error
	// SuccessURL is where to go after Valid; Success computes it instead.
	SuccessURL string
	Success    func(c *galvani.Ctx, form *forms.Form[F]) (string, error)
	// SuccessMessage is added as a success message after Valid.
	SuccessMessage string
	// Data, when set, adds to or changes the template's data.
	Data func(c *galvani.Ctx, form *forms.Form[F], data Data) error
	// Render, when set, answers instead of rendering Template.
	Render func(c *galvani.Ctx, data Data) error
}

// Handle answers GET (the form) and POST (acting on it).
func (v Form[F]) Handle(c *galvani.Ctx) error {
	if done, err := allowMethods(c, http.MethodGet, http.MethodPost); done || err != nil {
		return err
	}
	if v.Valid == nil {
		return errors.New("views: Form needs a Valid hook: what to do with the valid form")
	}
	var form *forms.Form[F]
	if v.New != nil {
		var err error
		if form, err = v.New(c); err != nil {
			return err
		}
	} else {
		form = forms.New[F]()
	}
	if v.Initial != nil {
		if err := v.Initial(c, form); err != nil {
			return err
		}
	}
	if c.Request.Method == http.MethodPost {
		if err := form.Bind(c.Request); err == nil {
			err = v.Valid(c, form)
			if err == nil {
				target := v.SuccessURL
				if v.Success != nil {
					if target, err = v.Success(c, form); err != nil {
						return err
					}
				}
				if target == "" {
					return errors.New("views: Form needs SuccessURL or Success")
				}
				if v.SuccessMessage != "" {
					if err := messages.Success(c.Request, v.SuccessMessage); err != nil {
						return fmt.Errorf("views: SuccessMessage: %w", err)
					}
				}
				return c.Redirect(http.StatusSeeOther, target)
			}
			if !formError(form, err) {
				return err
			}
		} else if !isInvalid(err) {
			return err
		}
	}
	data := Data{"form": form}
	if v.Data != nil {
		if err := v.Data(c, form, data); err != nil {
			return err
		}
	}
	if v.Template == "" && v.Render == nil {
		return errors.New("views: Form needs a Template (or a Render hook)")
	}
	return render(c, v.Render, v.Template, data)
}
