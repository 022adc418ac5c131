package i18n_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/galvani-web/galvani/i18n"
)

func Example() {
	locale := fstest.MapFS{
		"fr/LC_MESSAGES/galvani.po": {Data: []byte(`msgid ""
msgstr "Plural-Forms: nplurals=2; plural=(n > 1);\n"

msgid "Hello"
msgstr "Bonjour"

msgid "%d apple"
msgid_plural "%d apples"
msgstr[0] "%d pomme"
msgstr[1] "%d pommes"
`)},
	}
	b := i18n.NewBundle("en")
	if err := b.LoadFS(locale, i18n.DefaultDomain); err != nil {
		panic(err)
	}
	ctx := b.Activate(context.Background(), "fr")
	fmt.Println(i18n.Gettext(ctx, "Hello"))
	fmt.Printf(i18n.NGettext(ctx, "%d apple", "%d apples", 0)+"\n", 0)
	fmt.Printf(i18n.NGettext(ctx, "%d apple", "%d apples", 3)+"\n", 3)
	// Output:
	// Bonjour
	// 0 pomme
	// 3 pommes
}
