package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
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

// An event stream that resumes after the last event the browser saw.
func ExampleSSE() {
	app := galvani.New(galvani.Settings{SecretKey: "change-me", Debug: true})
	app.Get("/events/", func(c *galvani.Ctx) error {
		s, err := realtime.SSE(c, realtime.SSEOptions{Heartbeat: -1})
		if err != nil {
			return err
		}
		defer s.Close()
		next := 1
		if last, err := strconv.Atoi(s.LastEventID()); err == nil {
			next = last + 1
		}
		for i := next; i <= 3; i++ {
			s.Send("count", strconv.Itoa(i), fmt.Sprintf(`{"n":%d}`, i))
		}
		return nil
	})
	req := httptest.NewRequest("GET", "/events/", nil)
	req.Header.Set("Last-Event-ID", "2") // a reconnecting browser
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Print(rec.Body.String())
	// Output:
	// event: count
	// id: 3
	// data: {"n":3}
}
