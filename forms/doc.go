// Package forms builds HTML forms from Go structs: it decodes and validates submitted
// data, reports errors in the user's language, and renders the form back — with the
// user's input and the errors, escaped — as template.SafeString.
//
// A form is a struct; its exported fields are the form's fields, described by tags:
//
//	type Signup struct {
//		Username string    `form:",required,min_length=3,max_length=30" help:"Letters, digits and _ only." regex:"[A-Za-z0-9_]+"`
//		Email    string    `form:",kind=email,required"`
//		Password string    `form:",required,min_length=10,widget=password"`
//		Age      *int      `form:",min=13,max=130"`
//		Plan     string    `form:",required" choices:"free=Free|pro=Pro (9.90 a month)"`
//		Terms    bool      `form:",required" label:"I accept the terms"`
//	}
//
// The `form` tag is the input name (empty: the Go name in snake_case; "-" skips the
// field) followed by options: required, disabled, nostrip, kind=K, widget=W,
// min_length=N, max_length=N, min=X, max=X (numbers; ISO dates for time fields),
// max_digits=N, decimal_places=N, min_choices=N, max_choices=N, max_size=BYTES,
// max_width=N, max_height=N, max_pixels=N (images).
// Free text has its own tags: label, help, placeholder, regex (the whole value must
// match), choices ("value=Label|value2=Label 2"), accept ("image/png,image/*"),
// messages ("required=Tell us your name|max_length=At most {max} letters").
//
// Kinds (kind=) and the Go types they fit; without kind= the Go type decides:
//
//	text, email, url, slug   string, *string, or any encoding.TextUnmarshaler
//	integer                  int…, uint…, pointers to them
//	decimal                  string (canonical decimal text) or *big.Rat: exact, never float
//	float                    float64, float32
//	date, time, datetime     time.Time, *time.Time
//	choice                   string or an integer type, with choices
//	multiple                 []string or []int…, with choices
//	boolean                  bool
//	file, image              *uploads.File, []*uploads.File, or a StoredFile (orm.File)
//
// File and image fields check uploads by their content, never by the name or the
// client's Content-Type: size, type sniffed from the bytes (accept), file names
// no browser sends (path separators, control and text-direction characters);
// images are decoded within limits and refused when data follows their end. A
// StoredFile field keeps its current file when nothing is sent, and renders as
// a ClearableFileInput.
//
// Widgets (widget=): text, textarea, password, hidden, email, url, number, date,
// time, datetime, select, radio, select-multiple, checkbox, checkbox-multiple, file,
// clearable-file.
// Any Widget implementation can be set on Field.Widget.
//
// Validation runs field by field: decoding and the tag rules, then the optional
// method Clean<GoName>() error (or Clean<GoName>(context.Context) error) on *T, which
// sees the decoded value in the struct and may change it. When every field is valid,
// the optional method Clean() error (or Clean(ctx)) checks the whole form. These
// methods reject input by returning *Error values (Errorf, FieldError, or several
// joined with errors.Join); any other error is a server failure that Bind returns
// as it is.
//
// In a handler:
//
//	func signup(c *galvani.Ctx) error {
//		form := forms.New[Signup]()
//		if c.Request.Method == "POST" {
//			err := form.Bind(c.Request)
//			if err == nil {
//				// form.Data holds the cleaned values
//				return c.Redirect(303, "/welcome/")
//			}
//			var invalid *forms.ValidationError
//			if !errors.As(err, &invalid) {
//				return err // 400/413/415 for an unreadable body, 500 for a server failure
//			}
//		}
//		return c.Render(200, "signup.html", map[string]any{"form": form})
//	}
//
// and in the template {{ form.as_div }}, or field by field with form.inputs:
// {{ form.inputs.email.label_tag }} {{ form.inputs.email.widget }}
// {{ form.inputs.email.error_list }}.
//
// FormSet binds several forms of one type with a management form, as Django's
// formsets do.
package forms
