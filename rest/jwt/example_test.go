package jwt_test

import (
	"fmt"
	"time"

	"github.com/galvani-web/galvani/rest/jwt"
)

func Example() {
	tokens, err := jwt.New(jwt.Config{Key: []byte("a signing key of at least 32 bytes!"), AccessLifetime: 15 * time.Minute})
	if err != nil {
		panic(err)
	}
	access, _ := tokens.Issue(42, jwt.Access)
	claims, err := tokens.Parse(access, jwt.Access)
	fmt.Println(claims.UserID(), claims.TokenType, err)
	_, err = tokens.Parse(access, jwt.Refresh)
	fmt.Println(err != nil)
	// Output:
	// 42 access <nil>
	// true
}
