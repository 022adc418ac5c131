package signing_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/galvani-web/galvani/signing"
)

func ExampleSigner() {
	s, err := signing.NewSigner([]string{"my-secret"}, "unsubscribe")
	if err != nil {
		panic(err)
	}
	token := s.Sign("alice@example.com")
	email, err := s.Unsign(token)
	fmt.Println(email, err)
	_, err = s.Unsign("mallory@example.com" + token[len("alice@example.com"):])
	fmt.Println(errors.Is(err, signing.ErrBadSignature))
	// Output:
	// alice@example.com <nil>
	// true
}

func ExampleDumps() {
	o := signing.Options{Keys: []string{"new-secret", "old-secret"}, Salt: "password-reset", MaxAge: time.Hour}
	token, err := signing.Dumps(map[string]any{"user": 42}, o)
	if err != nil {
		panic(err)
	}
	var got struct{ User int }
	err = signing.Loads(token, &got, o)
	fmt.Println(got.User, err)
	// Output: 42 <nil>
}

func ExampleTimestampSigner() {
	ts, _ := signing.NewTimestampSigner([]string{"my-secret"}, "email-confirm")
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ts.Now = func() time.Time { return now }
	token := ts.Sign("alice")
	now = now.Add(2 * time.Hour)
	_, err := ts.Unsign(token, time.Hour)
	fmt.Println(errors.Is(err, signing.ErrExpired))
	// Output: true
}
