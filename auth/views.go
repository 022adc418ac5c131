package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/i18n"
	"github.com/galvani-web/galvani/session"
)

// Routes implements galvani.RoutesProvider: Django's auth URLs, under the prefix
// the project chooses (galvani.Include("/accounts/", auth.App)):
//
//	login/                        login            (GET, POST)
//	logout/                       logout           (POST only)
//	password_change/              password_change  (GET, POST; login required)
//	password_change/done/         password_change_done
//	password_reset/               password_reset   (GET, POST)
//	password_reset/done/          password_reset_done
//	reset/{uidb64}/{token}/       password_reset_confirm (GET, POST)
//	reset/done/                   password_reset_complete
func (m *Manager) Routes(g *galvani.Group) {
	m.prefix = strings.TrimSuffix(g.Prefix(), "/")
	get, getPost := []string{http.MethodGet}, []string{http.MethodGet, http.MethodPost}
	g.Handle(getPost, "/login/", m.LoginView).Name("login")
	g.Post("/logout/", m.LogoutView).Name("logout")
	g.Handle(getPost, "/password_change/", LoginRequired(m.PasswordChangeView)).Name("password_change")
	g.Handle(get, "/password_change/done/", LoginRequired(m.simple("registration/password_change_done.html"))).Name("password_change_done")
	g.Handle(getPost, "/password_reset/", m.PasswordResetView).Name("password_reset")
	g.Handle(get, "/password_reset/done/", m.simple("registration/password_reset_done.html")).Name("password_reset_done")
	g.Handle(getPost, "/reset/{uidb64}/{token}/", m.PasswordResetConfirmView).Name("password_reset_confirm")
	g.Handle(get, "/reset/done/", m.simple("registration/password_reset_complete.html")).Name("password_reset_complete")
}

// path returns the URL of one of the app's own pages.
func (m *Manager) path(rel string) string { return m.prefix + "/" + rel }

func (m *Manager) simple(name string) galvani.HandlerFunc {
	return func(c *galvani.Ctx) error {
		return c.Render(http.StatusOK, name, map[string]any{"login_url": m.LoginURL()})
	}
}

// Error messages of the views (Django's wording).
const (
	msgInvalidLogin    = "Please enter a correct username and password. Note that both fields may be case-sensitive."
	msgThrottled       = "Too many failed login attempts. Please try again later."
	msgBusy            = "The server is busy. Please try again in a moment."
	msgOldPassword     = "Your old password was entered incorrectly. Please enter it again."
	msgPasswordsDiffer = "The two password fields didn’t match."
	msgRequired        = "This field is required."
)

// tr translates one of the views' messages into the request's language, which the
// i18n battery's middleware activates (the framework's catalogs translate these);
// without it the English text stays.
func tr(r *http.Request, msg string) string { return i18n.Gettext(r.Context(), msg) }

// clientAddr is the throttling key of the client: its IP address (RemoteAddr,
// which a trusted-proxy middleware may have rewritten).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// LoginView shows the login form (registration/login.html) and logs the user in.
//
// Each attempt is reserved on two throttles before the password is checked — the
// account (the user the input names, by username or e-mail, however it is
// spelled; the normalised input for an unknown name) and the client address —
// so a burst of parallel guesses cannot all pass. Over either limit the form
// answers 429 with Retry-After, without hashing anything. The password check
// runs in a slot of the HashLimiter; when none frees up in time the form answers
// 503 with Retry-After and the attempt is not counted. An unknown username, a
// wrong password and an inactive account get the same answer after the same
// queries and hashing work. A success clears the account's count and gives the
// address its attempt back. After login it redirects to the "next" parameter when
// that stays on the site, else to Options.LoginRedirectURL.
func (m *Manager) LoginView(c *galvani.Ctx) error {
	return m.loginPage(c, LoginPage{})
}

// LoginPage describes a login page other than auth's own, for apps that log users
// in with their own template and rules (the admin site: staff only). The page gets
// the same throttling, hashing bounds and safe redirects as LoginView.
type LoginPage struct {
	// Template is rendered with the data LoginView gives registration/login.html
	// (username, error, errors, next, login_url) plus Data's. Default
	// registration/login.html.
	Template string
	// Allow, when set, refuses users it returns false for: they get Refused as the
	// error, after the same work as a wrong password (the attempt stays counted).
	Allow func(u *AbstractUser) bool
	// Refused is the error shown for a wrong password or a refused user; default
	// auth's "Please enter a correct username and password..." message.
	Refused string
	// RedirectURL is where a login goes without a safe next; default
	// Options.LoginRedirectURL.
	RedirectURL string
	// Data adds template data.
	Data func(c *galvani.Ctx) map[string]any
}

// LoginViewFor returns a login handler rendering page, with LoginView's
// throttling and checks.
func (m *Manager) LoginViewFor(page LoginPage) galvani.HandlerFunc {
	return func(c *galvani.Ctx) error { return m.loginPage(c, page) }
}

func (m *Manager) loginPage(c *galvani.Ctx, page LoginPage) error {
	tpl := page.Template
	if tpl == "" {
		tpl = "registration/login.html"
	}
	refused := page.Refused
	if refused == "" {
		refused = msgInvalidLogin
	}
	redirect := page.RedirectURL
	if redirect == "" {
		redirect = m.opts.LoginRedirectURL
	}
	r := c.Request
	next := c.Query("next")
	data := map[string]any{"username": "", "login_url": m.path("login/")}
	if page.Data != nil {
		for k, v := range page.Data(c) {
			data[k] = v
		}
	}
	if r.Method == http.MethodPost {
		form, err := c.Form()
		if err != nil {
			return err
		}
		username, password := strings.TrimSpace(form.Get("username")), form.Get("password")
		next = form.Get("next")
		data["username"] = username
		errs := map[string]string{}
		if username == "" {
			errs["username"] = tr(r, msgRequired)
		}
		if password == "" {
			errs["password"] = tr(r, msgRequired)
		}
		if len(errs) > 0 {
			data["errors"] = errs
			data["next"] = safeNext(next)
			return c.Render(http.StatusOK, tpl, data)
		}
		ctx := r.Context()
		acct, err := m.loginKey(r, username)
		if err != nil {
			return err
		}
		addr := "login:addr:" + clientAddr(r)
		data["next"] = safeNext(next)
		wait, err := m.reserve(ctx, acct, addr)
		if err != nil {
			return err
		}
		if wait > 0 {
			m.logger().Warn("auth: login throttled", "username", username, "addr", clientAddr(r))
			setRetryAfter(c, wait)
			data["error"] = tr(r, msgThrottled)
			return c.Render(http.StatusTooManyRequests, tpl, data)
		}
		u, err := m.Authenticate(r, username, password)
		if err == nil && page.Allow != nil && !page.Allow(u.AuthUser()) {
			err = ErrInvalidCredentials
		}
		switch {
		case errors.Is(err, ErrInvalidCredentials):
			data["error"] = tr(r, refused) // the attempt stays counted
			return c.Render(http.StatusOK, tpl, data)
		case errors.Is(err, ErrBusy):
			m.release(ctx, acct, addr) // nothing was checked
			m.logger().Warn("auth: login refused, password hashing at capacity", "addr", clientAddr(r))
			setRetryAfter(c, m.HashLimiter().Wait())
			data["error"] = tr(r, msgBusy)
			return c.Render(http.StatusServiceUnavailable, tpl, data)
		case err != nil:
			m.release(ctx, acct, addr)
			return err
		}
		if err := Login(r, u); err != nil {
			return err
		}
		if err := m.opts.AccountThrottle.Reset(ctx, acct); err != nil {
			m.logger().Error("auth: resetting the login throttle", "err", err)
		}
		if err := m.opts.AddressThrottle.Release(ctx, addr); err != nil {
			m.logger().Error("auth: releasing the login throttle", "err", err)
		}
		return c.RedirectLocal(http.StatusFound, next, redirect)
	}
	data["next"] = safeNext(next)
	return c.Render(http.StatusOK, tpl, data)
}

// setRetryAfter sets Retry-After to d in whole seconds, rounded up.
func setRetryAfter(c *galvani.Ctx, d time.Duration) {
	c.SetHeader("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
}

// loginKey is the account throttle key of a login's username field: the account
// it names (by username or e-mail, found the way ModelBackend finds it, so every
// spelling that reaches an account shares its budget), else the input itself,
// case-folded and bounded in length. Known and unknown names cost the same
// queries.
func (m *Manager) loginKey(r *http.Request, username string) (string, error) {
	if len(username) <= 254 && cleanText(username) {
		if db, err := m.DB(r); err == nil {
			u, err := m.findLoginUser(r.Context(), db, username)
			if err != nil {
				return "", err
			}
			if u != nil {
				return userKey(u.AuthUser()), nil
			}
		}
	}
	k := strings.ToLower(username)
	if len(k) > 300 {
		k = k[:300]
	}
	return "login:name:" + k, nil
}

// userKey is the account throttle key of a known user.
func userKey(u *AbstractUser) string { return "login:user:" + strconv.FormatInt(u.ID, 10) }

// reserve reserves an attempt on the account and the address throttles. When
// either refuses, nothing stays counted and the wait is returned.
func (m *Manager) reserve(ctx context.Context, acct, addr string) (time.Duration, error) {
	wait, err := m.opts.AccountThrottle.Attempt(ctx, acct)
	if err != nil || wait > 0 {
		return wait, err
	}
	wait, err = m.opts.AddressThrottle.Attempt(ctx, addr)
	if err != nil || wait > 0 {
		if rerr := m.opts.AccountThrottle.Release(ctx, acct); rerr != nil {
			m.logger().Error("auth: releasing the login throttle", "err", rerr)
		}
	}
	return wait, err
}

// release gives back an attempt reserved with reserve.
func (m *Manager) release(ctx context.Context, acct, addr string) {
	for _, e := range []struct {
		t Throttle
		k string
	}{{m.opts.AccountThrottle, acct}, {m.opts.AddressThrottle, addr}} {
		if err := e.t.Release(ctx, e.k); err != nil {
			m.logger().Error("auth: releasing the login throttle", "err", err)
		}
	}
}

// safeNext returns next when it stays on the site, else "" (so a hostile value is
// not even echoed into the form).
func safeNext(next string) string {
	if galvani.IsLocalURL(next) {
		return next
	}
	return ""
}

// LogoutView (POST only, so a link or an image on another site cannot log users
// out) flushes the session, then redirects to a safe "next", to
// Options.LogoutRedirectURL, or renders registration/logged_out.html.
func (m *Manager) LogoutView(c *galvani.Ctx) error {
	form, err := c.Form()
	if err != nil {
		return err
	}
	Logout(c.Request)
	if next := safeNext(form.Get("next")); next != "" {
		return c.Redirect(http.StatusFound, next)
	}
	if m.opts.LogoutRedirectURL != "" {
		return c.Redirect(http.StatusFound, m.opts.LogoutRedirectURL)
	}
	return c.Render(http.StatusOK, "registration/logged_out.html", map[string]any{"login_url": m.path("login/")})
}

// PasswordChangeView lets a logged-in user change their password
// (registration/password_change_form.html): the old password, and the new one
// twice, checked by the password validators. The current session stays logged in
// under a new key; every other session of the user ends.
func (m *Manager) PasswordChangeView(c *galvani.Ctx) error {
	r := c.Request
	data := map[string]any{"help": m.helpTexts()}
	if r.Method != http.MethodPost {
		return c.Render(http.StatusOK, "registration/password_change_form.html", data)
	}
	form, err := c.Form()
	if err != nil {
		return err
	}
	user := CurrentUserModel(r)
	u := user.AuthUser()
	errs := map[string][]string{}
	old := form.Get("old_password")
	ctx := r.Context()
	acct := userKey(u) // the login's budget
	if wait, err := m.opts.AccountThrottle.Attempt(ctx, acct); err != nil {
		return err
	} else if wait > 0 {
		setRetryAfter(c, wait)
		data["errors"] = map[string][]string{"old_password": {tr(r, msgThrottled)}}
		return c.Render(http.StatusTooManyRequests, "registration/password_change_form.html", data)
	}
	err = m.HashLimiter().Do(ctx, func() error {
		if !u.CheckPassword(old) {
			errs["old_password"] = []string{tr(r, msgOldPassword)} // the attempt stays counted
		} else if err := m.opts.AccountThrottle.Release(ctx, acct); err != nil {
			return err
		}
		m.checkNewPassword(r, form.Get("new_password1"), form.Get("new_password2"), u, errs)
		if len(errs) > 0 {
			return nil
		}
		return m.SetPassword(ctx, r, user, form.Get("new_password1"))
	})
	if errors.Is(err, ErrBusy) {
		if rerr := m.opts.AccountThrottle.Release(ctx, acct); rerr != nil {
			return rerr
		}
		setRetryAfter(c, m.HashLimiter().Wait())
		data["errors"] = map[string][]string{"old_password": {tr(r, msgBusy)}}
		return c.Render(http.StatusServiceUnavailable, "registration/password_change_form.html", data)
	}
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		data["errors"] = errs
		return c.Render(http.StatusOK, "registration/password_change_form.html", data)
	}
	if err := UpdateSessionAuthHash(r, user); err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, m.path("password_change/done/"))
}

// checkNewPassword fills errs for new_password1/2.
func (m *Manager) checkNewPassword(r *http.Request, p1, p2 string, u *AbstractUser, errs map[string][]string) {
	switch {
	case p1 == "":
		errs["new_password1"] = []string{tr(r, msgRequired)}
	case p2 == "":
		errs["new_password2"] = []string{tr(r, msgRequired)}
	case p1 != p2:
		errs["new_password2"] = []string{tr(r, msgPasswordsDiffer)}
	default:
		if err := ValidatePassword(p1, u.attrs(), m.opts.PasswordValidators); err != nil {
			var pe *PasswordError
			if errors.As(err, &pe) {
				errs["new_password2"] = pe.Reasons
			} else {
				errs["new_password2"] = []string{err.Error()}
			}
		}
	}
}

func (m *Manager) helpTexts() []string {
	var out []string
	for _, v := range m.opts.PasswordValidators {
		out = append(out, v.HelpText())
	}
	return out
}

// SetPassword hashes password into user and saves the password column. It does
// not validate (ValidatePassword does).
func (m *Manager) SetPassword(ctx context.Context, r *http.Request, user UserModel, password string) error {
	db, err := m.DB(r)
	if err != nil {
		return err
	}
	if err := user.AuthUser().SetPassword(password); err != nil {
		return err
	}
	return m.users.save(ctx, db, user, "password")
}

// PasswordResetView asks for an e-mail address and mails a reset link to every
// active account with that address and a usable password
// (registration/password_reset_email.txt, subject password_reset_subject.txt). It
// answers the same whether or not an account exists, so it reveals no addresses.
// Requests count against the throttles (per e-mail address on the account budget,
// per client on the address budget), so nobody can flood a mailbox.
func (m *Manager) PasswordResetView(c *galvani.Ctx) error {
	r := c.Request
	if r.Method != http.MethodPost {
		return c.Render(http.StatusOK, "registration/password_reset_form.html", map[string]any{})
	}
	form, err := c.Form()
	if err != nil {
		return err
	}
	email := strings.TrimSpace(form.Get("email"))
	if email == "" || len(email) > 254 || !strings.Contains(email, "@") || strings.ContainsAny(email, "\r\n") || !cleanText(email) {
		return c.Render(http.StatusOK, "registration/password_reset_form.html", map[string]any{
			"email": email, "errors": map[string][]string{"email": {tr(r, "Enter a valid email address.")}}})
	}
	// Mail bombing: at most the account budget of mails per address and the
	// address budget of requests per client, per window. Over it, the answer is
	// the same and nothing is sent.
	ctx := r.Context()
	mailKey, clientKey := "reset:email:"+strings.ToLower(email), "reset:addr:"+clientAddr(r)
	wait, err := m.reserve(ctx, mailKey, clientKey)
	if err != nil {
		return err
	}
	if wait > 0 {
		m.logger().Warn("auth: password reset throttled", "addr", clientAddr(r))
		return c.Redirect(http.StatusFound, m.path("password_reset/done/"))
	}
	db, err := m.DB(r)
	if err != nil {
		return err
	}
	users, err := m.users.find(r.Context(), db, "email__iexact", email, "is_active", true)
	if err != nil {
		return err
	}
	gen, err := m.TokenGenerator()
	if err != nil {
		return err
	}
	for _, u := range users {
		au := u.AuthUser()
		if !au.HasUsablePassword() {
			continue
		}
		token, err := gen.Make(u)
		if err != nil {
			return err
		}
		uid := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(au.ID, 10)))
		// The scheme is the framework's secure-request test (TLS, or a trusted
		// proxy's X-Forwarded-Proto), the host the one security.App validated.
		link := c.AbsoluteURL(m.path("reset/" + uid + "/" + token + "/"))
		scheme, _, _ := strings.Cut(link, "://")
		data := map[string]any{"email": au.Email, "domain": r.Host, "protocol": scheme, "uid": uid,
			"token": token, "reset_url": link, "user": u}
		subject, err := renderText(c, "registration/password_reset_subject.txt", data)
		if err != nil {
			return err
		}
		body, err := renderText(c, "registration/password_reset_email.txt", data)
		if err != nil {
			return err
		}
		msg := Message{From: m.opts.FromEmail, To: []string{au.Email}, Subject: oneLine(strings.TrimSpace(subject)), Body: body}
		if err := m.opts.Mailer.Send(r.Context(), msg); err != nil {
			// Do not reveal the account through an error page; log it.
			m.logger().Error("auth: sending the password reset mail", "user_id", au.ID, "err", err)
		}
	}
	return c.Redirect(http.StatusFound, m.path("password_reset/done/"))
}

// renderText renders a template to a string with the app's engine.
func renderText(c *galvani.Ctx, name string, data any) (string, error) {
	e := c.App().Templates()
	if e == nil {
		return "", fmt.Errorf("auth: no template engine installed (template.Setup(app)) to render %s", name)
	}
	w := &bufferWriter{h: http.Header{}}
	if err := e.Render(w, c.Request, name, data); err != nil {
		return "", err
	}
	return w.buf.String(), nil
}

type bufferWriter struct {
	h   http.Header
	buf bytes.Buffer
}

func (w *bufferWriter) Header() http.Header         { return w.h }
func (w *bufferWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *bufferWriter) WriteHeader(int)             {}

// sessionResetToken is where the confirm view keeps the token after taking it out
// of the URL (so it does not leak through the Referer header of the form page).
const sessionResetToken = "_password_reset_token"

// resetURLToken replaces the token in the URL once it is in the session.
const resetURLToken = "set-password"

// PasswordResetConfirmView checks the link from the reset mail and lets the user
// choose a new password (registration/password_reset_confirm.html). The token moves
// from the URL into the session and the browser is redirected to a URL without
// it. A used, expired or tampered link shows the page with validlink false.
func (m *Manager) PasswordResetConfirmView(c *galvani.Ctx) error {
	r := c.Request
	invalid := func() error {
		return c.Render(http.StatusOK, "registration/password_reset_confirm.html", map[string]any{"validlink": false})
	}
	uidb64, token := c.Param("uidb64"), c.Param("token")
	user := m.userFromUID(r, uidb64)
	if user == nil {
		return invalid()
	}
	gen, err := m.TokenGenerator()
	if err != nil {
		return err
	}
	s := session.From(r)
	if token != resetURLToken {
		if r.Method != http.MethodGet || !gen.Check(user, token) {
			return invalid()
		}
		if err := s.Set(sessionResetToken, token); err != nil {
			return err
		}
		return c.Redirect(http.StatusFound, m.path("reset/"+uidb64+"/"+resetURLToken+"/"))
	}
	stored, _ := session.Value[string](s, sessionResetToken)
	if !gen.Check(user, stored) {
		return invalid()
	}
	data := map[string]any{"validlink": true, "help": m.helpTexts()}
	if r.Method != http.MethodPost {
		return c.Render(http.StatusOK, "registration/password_reset_confirm.html", data)
	}
	form, err := c.Form()
	if err != nil {
		return err
	}
	errs := map[string][]string{}
	m.checkNewPassword(r, form.Get("new_password1"), form.Get("new_password2"), user.AuthUser(), errs)
	if len(errs) > 0 {
		data["errors"] = errs
		return c.Render(http.StatusOK, "registration/password_reset_confirm.html", data)
	}
	err = m.HashLimiter().Do(r.Context(), func() error { return m.SetPassword(r.Context(), r, user, form.Get("new_password1")) })
	if errors.Is(err, ErrBusy) {
		setRetryAfter(c, m.HashLimiter().Wait())
		data["errors"] = map[string][]string{"new_password2": {tr(r, msgBusy)}}
		return c.Render(http.StatusServiceUnavailable, "registration/password_reset_confirm.html", data)
	}
	if err != nil {
		return err
	}
	s.Delete(sessionResetToken)
	return c.Redirect(http.StatusFound, m.path("reset/done/"))
}

// parseUID decodes the uidb64 of a reset link (URL-safe base64 of the decimal ID).
func parseUID(uidb64 string) (int64, bool) {
	if len(uidb64) > 32 {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(uidb64)
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// userFromUID decodes the uidb64 of a reset link into an active user, or nil.
func (m *Manager) userFromUID(r *http.Request, uidb64 string) UserModel {
	id, ok := parseUID(uidb64)
	if !ok {
		return nil
	}
	db, err := m.DB(r)
	if err != nil {
		return nil
	}
	u, err := m.users.byID(r.Context(), db, id)
	if err != nil || !u.AuthUser().IsActive {
		return nil
	}
	return u
}
