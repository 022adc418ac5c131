package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

// PasswordValidator checks a candidate password, optionally against the user's
// attributes (username, email, names), like Django's AUTH_PASSWORD_VALIDATORS.
type PasswordValidator interface {
	// Validate returns an error that a user can act on, or nil.
	Validate(password string, attrs map[string]string) error
	// HelpText says what the validator requires, for forms.
	HelpText() string
}

// PasswordError lists every reason a password was refused.
type PasswordError struct {
	Reasons []string
}

// Error implements error.
func (e *PasswordError) Error() string { return strings.Join(e.Reasons, " ") }

// HTTPStatus makes a refused password a 400 when a handler returns it.
func (e *PasswordError) HTTPStatus() int { return 400 }

// DefaultPasswordValidators are Django's four: similarity to the user's attributes,
// minimum length 8, common passwords, entirely numeric.
var DefaultPasswordValidators = []PasswordValidator{
	UserAttributeSimilarity{},
	MinimumLength{},
	CommonPassword{},
	NumericPassword{},
}

// ValidatePassword runs validators (DefaultPasswordValidators when nil) and returns a
// *PasswordError with every reason, or nil.
func ValidatePassword(password string, attrs map[string]string, validators []PasswordValidator) error {
	if validators == nil {
		validators = DefaultPasswordValidators
	}
	var reasons []string
	for _, v := range validators {
		if err := v.Validate(password, attrs); err != nil {
			reasons = append(reasons, err.Error())
		}
	}
	if len(reasons) > 0 {
		return &PasswordError{Reasons: reasons}
	}
	return nil
}

// MinimumLength refuses passwords shorter than Min characters (default 8).
type MinimumLength struct{ Min int }

func (v MinimumLength) min() int {
	if v.Min > 0 {
		return v.Min
	}
	return 8
}

// Validate implements PasswordValidator.
func (v MinimumLength) Validate(password string, _ map[string]string) error {
	if n := len([]rune(password)); n < v.min() {
		return fmt.Errorf("This password is too short. It must contain at least %d characters.", v.min())
	}
	return nil
}

// HelpText implements PasswordValidator.
func (v MinimumLength) HelpText() string {
	return fmt.Sprintf("Your password must contain at least %d characters.", v.min())
}

// NumericPassword refuses passwords made only of digits.
type NumericPassword struct{}

// Validate implements PasswordValidator.
func (NumericPassword) Validate(password string, _ map[string]string) error {
	if password == "" {
		return nil
	}
	for _, r := range password {
		if !unicode.IsDigit(r) {
			return nil
		}
	}
	return errors.New("This password is entirely numeric.")
}

// HelpText implements PasswordValidator.
func (NumericPassword) HelpText() string { return "Your password can't be entirely numeric." }

//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

var (
	commonOnce sync.Once
	commonSet  map[string]struct{}
)

// CommonPassword refuses the 20,000 most common passwords (Django's list, compared
// case-insensitively).
type CommonPassword struct{}

func loadCommon() {
	commonSet = make(map[string]struct{}, 20000)
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("auth: embedded common password list is corrupt: " + err.Error())
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			commonSet[strings.ToLower(w)] = struct{}{}
		}
	}
}

// Validate implements PasswordValidator.
func (CommonPassword) Validate(password string, _ map[string]string) error {
	commonOnce.Do(loadCommon)
	if _, ok := commonSet[strings.ToLower(strings.TrimSpace(password))]; ok {
		return errors.New("This password is too common.")
	}
	return nil
}

// HelpText implements PasswordValidator.
func (CommonPassword) HelpText() string { return "Your password can't be a commonly used password." }

// UserAttributeSimilarity refuses passwords too similar to the user's attributes
// (username, first_name, last_name, email by default; the email's local part and
// each word count separately). MaxSimilarity defaults to 0.7, Django's value.
type UserAttributeSimilarity struct {
	Attributes    []string
	MaxSimilarity float64
}

// Validate implements PasswordValidator.
func (v UserAttributeSimilarity) Validate(password string, attrs map[string]string) error {
	if len(attrs) == 0 || password == "" {
		return nil
	}
	names := v.Attributes
	if names == nil {
		names = []string{"username", "first_name", "last_name", "email"}
	}
	maxSim := v.MaxSimilarity
	if maxSim == 0 {
		maxSim = 0.7
	}
	pw := strings.ToLower(password)
	for _, name := range names {
		value := attrs[name]
		if value == "" {
			continue
		}
		value = strings.ToLower(value)
		parts := append(strings.FieldsFunc(value, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
		}), value)
		for _, part := range parts {
			// Django's quick_ratio is an upper bound of the similarity; it is cheap and
			// errs on the side of refusing.
			if quickRatio(pw, part) >= maxSim {
				return fmt.Errorf("The password is too similar to the %s.", strings.ReplaceAll(name, "_", " "))
			}
		}
	}
	return nil
}

// HelpText implements PasswordValidator.
func (UserAttributeSimilarity) HelpText() string {
	return "Your password can't be too similar to your other personal information."
}

// quickRatio is Python difflib's SequenceMatcher.quick_ratio: 2*M/T where M counts
// the characters the two strings share as multisets.
func quickRatio(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra)+len(rb) == 0 {
		return 1
	}
	counts := map[rune]int{}
	for _, r := range rb {
		counts[r]++
	}
	matches := 0
	for _, r := range ra {
		if counts[r] > 0 {
			counts[r]--
			matches++
		}
	}
	return 2 * float64(matches) / float64(len(ra)+len(rb))
}
