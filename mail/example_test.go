package mail_test

import (
	"context"
	"fmt"

	"github.com/galvani-web/galvani/mail"
)

func Example() {
	outbox := &mail.Memory{} // EMAIL_URL=memory:// in tests; smtp://... in production
	m := &mail.Mailer{Backend: outbox, DefaultFrom: "Site <noreply@example.com>"}

	msg := &mail.Message{
		To:      []string{"Ada <ada@example.com>"},
		Subject: "Your report",
		Text:    "The report is attached.",
		HTML:    `<p>The report is attached.</p>`,
	}
	msg.Attach("report.csv", "text/csv", []byte("month,visits\n11,1200\n"))
	if _, err := m.Send(context.Background(), msg); err != nil {
		panic(err)
	}
	sent := outbox.Messages()[0]
	fmt.Println(sent.From, "->", sent.To[0], ":", sent.Subject)

	// A line break where a header goes is refused, never sent.
	_, err := m.Send(context.Background(), &mail.Message{To: []string{"ada@example.com"}, Subject: "Hi\r\nBcc: victim@example.com"})
	fmt.Println(err != nil)
	// Output:
	// Site <noreply@example.com> -> Ada <ada@example.com> : Your report
	// true
}
