package template

// Slugify is Django's django.utils.text.slugify, the function behind the slugify
// filter: NFKD-normalise, drop what is not ASCII, keep letters, digits, underscores
// and hyphens, turn runs of spaces and hyphens into one hyphen, lower-case, and trim
// hyphens and underscores at the ends. "Ünïcode title!" becomes "unicode-title".
func Slugify(s string) string { return slugify(s) }
