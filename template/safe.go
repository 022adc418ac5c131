package template

import "reflect"

// SafeString is text already escaped for HTML (or trusted): autoescaping leaves it as
// it is. Other batteries (forms, messages) return it for the HTML they build.
type SafeString string

// lazyText is the value of a _("...") literal. Django holds it as a lazy translation
// proxy: it prints as the (safe) text, but it is not a string to int(), float() or
// the filters that check whether their input is safe.
type lazyText string

var lazyTextType = reflect.TypeFor[lazyText]()
