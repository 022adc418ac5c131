package naming

import "testing"

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"Name": "name", "FirstName": "first_name", "UserID": "user_id", "HTMLBody": "html_body",
		"ID": "id", "Field2Name": "field2_name", "already_snake": "already_snake", "": "", "ÉtéNoël": "été_noël",
	} {
		if got := Snake(in); got != want {
			t.Errorf("Snake(%q) = %q, want %q", in, got, want)
		}
	}
}
