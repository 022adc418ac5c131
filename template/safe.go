package template

// SafeString is text already escaped for HTML (or trusted): autoescaping leaves it as
// it is. Other batteries (forms, messages) return it for the HTML they build.
type SafeString string
