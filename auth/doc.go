// Package auth is Galvani's authentication app, Django's django.contrib.auth:
//
//   - models: User (or a project's own type embedding AbstractUser), Group and
//     Permission, with migrations, and add/change/delete/view permissions created
//     for every model after migrate (SyncPermissions);
//   - password hashing in Django's encoded format (Argon2id by default, PBKDF2,
//     bcrypt, scrypt), upgraded at login when parameters change, and validators;
//   - authentication through pluggable backends (ModelBackend by username or
//     e-mail), Login with session-key rotation, Logout, and a middleware that puts
//     the user on every request (UserFrom, CurrentUser) and in templates;
//   - permissions through groups (HasPerm), with a hook for object-level rules;
//     LoginRequired, PermissionRequired and UserPassesTest for handlers, and
//     RequireLogin, RequirePermission and RequireTest for net/http;
//   - the login, logout, password change and password reset pages, with
//     overridable templates under registration/, safe "next" redirects and
//     throttled login attempts;
//   - the createsuperuser and changepassword commands.
//
// Install it under a prefix; the session middleware and templates are required:
//
//	app := galvani.New(settings, security.App, galvani.Include("/accounts/", auth.App), migrate.App)
//	app.Use(session.Middleware(&app.Settings), orm.Middleware(db))
//	template.Setup(app)
//	app.Get("/account/", auth.LoginRequired(account))
//
// Hashing on its own:
//
//	encoded, err := auth.MakePassword("s3cret-horse") // argon2$argon2id$v=19$...
//	if auth.CheckPassword(input, encoded) && auth.NeedsRehash(encoded) {
//		encoded, _ = auth.MakePassword(input) // upgrade on login
//	}
//
// See docs/auth.md for the guide.
package auth
