package auth

import (
	"strings"

	"github.com/galvani-web/galvani"
)

// CheckDeploy implements galvani.DeployChecker: `check --deploy` warns about auth
// settings that production should not keep.
func (m *Manager) CheckDeploy(app *galvani.App) []galvani.CheckMessage {
	var out []galvani.CheckMessage
	warn := func(id, msg, hint string) {
		out = append(out, galvani.CheckMessage{Level: galvani.CheckWarning, ID: id, Msg: msg, Hint: hint})
	}
	printed := false
	switch mm := m.opts.Mailer.(type) {
	case nil: // Ready has not run: the project's mail battery will send
		printed = app == nil || app.Settings.EmailURL == "" || strings.HasPrefix(app.Settings.EmailURL, "console:")
	case projectMailer:
		printed = mm.printsOnly()
	case *ConsoleMailer:
		printed = true
	}
	if printed {
		warn("auth.W001", "password reset mails are printed to standard error, not sent.",
			"Set EMAIL_URL=smtp://user:password@host:587 (or give auth.Options.Mailer a sender that delivers mail).")
	}
	if len(m.opts.PasswordValidators) == 0 {
		warn("auth.W002", "no password validators: any password, however weak, is accepted.",
			"Leave auth.Options.PasswordValidators nil for the defaults.")
	}
	_, acct := m.opts.AccountThrottle.(*MemoryThrottle)
	_, addr := m.opts.AddressThrottle.(*MemoryThrottle)
	if acct || addr {
		warn("auth.W003", "failed logins are counted in this process's memory: with several app servers an attacker gets each server's budget.",
			"With more than one server, give auth.Options.AccountThrottle/AddressThrottle a shared store (Redis, the database).")
	}
	return out
}
