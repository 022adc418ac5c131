package galvani

import (
	"strings"
	"testing"
)

// strconv.ParseFloat accepts NaN, Inf and huge exponents that overflow to Inf: a
// section's float setting must refuse them like any other malformed value (a NaN
// rate or threshold makes every comparison false, silently).
func TestSectionEnvRefusesNonFiniteFloats(t *testing.T) {
	for _, v := range []string{"NaN", "nan", "Inf", "+Inf", "-infinity", "1e999"} {
		var s Settings
		if err := s.ApplyEnv([]string{"SESSION_RATIO=" + v}); err != nil {
			t.Fatal(err)
		}
		got := Section(&s, "session", sessionSection{Ratio: 0.5})
		if got.Ratio != 0.5 || len(s.sectionErrs) != 1 || !strings.Contains(s.sectionErrs[0], "SESSION_RATIO") {
			t.Errorf("SESSION_RATIO=%s: ratio %v, errors %q", v, got.Ratio, s.sectionErrs)
		}
	}
}
