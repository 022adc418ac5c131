package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestValidatePassword(t *testing.T) {
	user := map[string]string{"username": "adalovelace", "email": "ada@example.com", "first_name": "Ada"}
	cases := []struct {
		pw   string
		want []string // substrings of the reasons, in validator order
	}{
		{"Tr0ub4dor&3-horse", nil},
		{"short", []string{"too short"}},
		{"password", []string{"too common"}},
		{"PASSWORD", []string{"too common"}},
		{"12345678901", []string{"too common", "entirely numeric"}},
		{"98127364519", []string{"entirely numeric"}},
		{"adalovelace1", []string{"similar to the username"}},
		{"", []string{"too short"}},
	}
	for _, c := range cases {
		err := ValidatePassword(c.pw, user, nil)
		if c.want == nil {
			if err != nil {
				t.Errorf("%q refused: %v", c.pw, err)
			}
			continue
		}
		var pe *PasswordError
		if !errors.As(err, &pe) {
			t.Errorf("%q: want a *PasswordError, got %v", c.pw, err)
			continue
		}
		if len(pe.Reasons) != len(c.want) {
			t.Errorf("%q: reasons %q, want %d", c.pw, pe.Reasons, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(pe.Reasons[i], w) {
				t.Errorf("%q: reason %q lacks %q", c.pw, pe.Reasons[i], w)
			}
		}
		if pe.HTTPStatus() != 400 {
			t.Error("a refused password should be a 400")
		}
	}
}

func TestValidatorHelpTexts(t *testing.T) {
	for _, v := range DefaultPasswordValidators {
		if v.HelpText() == "" {
			t.Errorf("%T has no help text", v)
		}
	}
	if (MinimumLength{Min: 12}).Validate("elevenchars", nil) == nil {
		t.Error("custom minimum not applied")
	}
}

func TestQuickRatio(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{{"abcd", "bcde", 0.75}, {"", "", 1}, {"abc", "xyz", 0}, {"aab", "ab", 0.8}} {
		if got := quickRatio(c.a, c.b); got != c.want {
			t.Errorf("quickRatio(%q,%q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
