// Package auth is Galvani's authentication app: password hashing compatible with
// Django's encoded format, password validators, and (as the app grows) users, groups,
// permissions and the login flows.
//
// Hashing:
//
//	encoded, err := auth.MakePassword("s3cret-horse") // argon2$argon2id$v=19$...
//	if auth.CheckPassword(input, encoded) && auth.NeedsRehash(encoded) {
//		encoded, _ = auth.MakePassword(input) // upgrade on login
//	}
package auth
