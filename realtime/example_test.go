package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/realtime"
)

// A chat room: each socket joins the "lobby" group, and every message a client
// sends is broadcast to all of them through the channel layer.
func Example() {
	type post struct {
		Text string `json:"text"`
	}
	layer := realtime.NewMemory()
	app := galvani.New(galvani.Settings{SecretKey: "change-me", Debug: true})
	app.Get("/ws/lobby/", realtime.WebSocket(func(c *galvani.Ctx, ws *realtime.Conn) error {
		if err := ws.Join(c.Context(), layer, "lobby"); err != nil {
			return err
		}
		room := realtime.JSON[post, post](ws)
		for {
			p, err := room.Read(c.Context())
			if err != nil {
				return err
			}
			b, _ := json.Marshal(post{Text: strings.ToUpper(p.Text)})
			layer.Publish(c.Context(), "lobby", b)
		}
	}, realtime.Options{}))
	srv := httptest.NewServer(app)
	defer srv.Close()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/lobby/", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(websocket.StatusNormalClosure, "")
	wsjson.Write(ctx, c, post{Text: "hello"})
	var got post
	wsjson.Read(ctx, c, &got)
	fmt.Println(got.Text)
	// Output: HELLO
}
