package auth

import (
	"github.com/galvani-web/galvani"
)

// CheckDeploy implements galvani.DeployChecker: `check --deploy` warns about auth
// settings that production should not keep.
func (m *Manager) CheckDeploy(app *galvani.App) []galvani.CheckMessage {
	var out []galvani.CheckMessage
	warn := func(id, msg, hint string) {
		out = append(out, galvani.CheckMessage{Level: galvani.CheckWarning, ID: id, Msg: msg, Hint: hint})
	}
	if _, ok := m.opts.Mailer.(*ConsoleMailer); ok {
		warn("auth.W001", "password reset mails are printed to standard error (ConsoleMailer), not sent.",
			"Set auth.Options.Mailer to a sender that delivers mail (SMTP).")
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
