// Package mail sends e-mail, Django's django.core.mail in Go: messages with text
// and HTML alternatives, attachments, inline images and extra headers (Message),
// rendered as MIME with the standard library and refused when anything would
// inject a header; backends for SMTP (STARTTLS or implicit TLS, AUTH, one
// connection for bulk sends), the console (the development default), files and
// memory (tests); templated mail (Render); and mails to the admins about server
// errors in production, rate-limited (ErrorReporter, installed by App).
//
// The backend is a URL, Settings.EmailURL (EMAIL_URL):
//
//	m, _ := mail.For(&app.Settings)   // the project's Mailer
//	m.SendMail(ctx, "Welcome", "Hello!", "ada@example.com")
//	m.Send(ctx, &mail.Message{To: []string{"ada@example.com"}, Subject: "Report", Text: "...", HTML: "<p>...</p>"})
//
// See docs/mail.md.
package mail
