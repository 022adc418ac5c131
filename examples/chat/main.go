// Command chat is a chat room on WebSockets: every message posted reaches every
// browser in the room. With REDIS_URL set, several copies of it behind a load
// balancer share one Redis and a message posted on one reaches browsers connected
// to the others; without it, the room lives in the process.
//
//	go run ./examples/chat                                   # http://localhost:8000/
//	REDIS_URL=redis://127.0.0.1:6379/0 go run ./examples/chat
package main

import (
	"encoding/json"
	"errors"
	"log"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/realtime"
	"github.com/galvani-web/galvani/realtime/redislayer"
	"github.com/redis/go-redis/v9"
)

// post is what a browser sends.
type post struct {
	Text string `json:"text"`
}

// event is what the server sends: "joined" once the socket is in the room (so
// the page knows messages will reach it), then "message" for each post.
type event struct {
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
	Text string `json:"text,omitempty"`
}

const maxText = 500

// newApp returns the chat app; layer carries the room's messages.
func newApp(settings galvani.Settings, layer realtime.Layer) *galvani.App {
	app := galvani.New(settings)
	app.Get("/", func(c *galvani.Ctx) error { return c.HTML(200, page) })
	app.Get("/ws/", realtime.WebSocket(func(c *galvani.Ctx, ws *realtime.Conn) error {
		name := clip(strings.TrimSpace(c.Query("name")), 32)
		if name == "" {
			name = "anonymous"
		}
		if err := ws.Join(c.Context(), layer, "lobby"); err != nil {
			return err
		}
		conn := realtime.JSON[post, event](ws)
		if err := conn.Send(event{Type: "joined"}); err != nil {
			return err
		}
		for {
			p, err := conn.Read(c.Context())
			if err != nil {
				return err
			}
			text := clip(strings.TrimSpace(p.Text), maxText)
			if text == "" {
				continue
			}
			if err := publish(c, layer, event{Type: "message", Name: name, Text: text}); err != nil {
				return err
			}
		}
	}, realtime.Options{ReadLimit: 4 << 10}))
	return app
}

func publish(c *galvani.Ctx, layer realtime.Layer, e event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return layer.Publish(c.Context(), "lobby", b)
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// layerFromEnv is the Redis layer when REDIS_URL is set, else the in-process one.
func layerFromEnv() (realtime.Layer, error) {
	u := os.Getenv("REDIS_URL")
	if u == "" {
		return realtime.NewMemory(), nil
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		return nil, errors.New("REDIS_URL: " + err.Error())
	}
	return redislayer.New(redis.NewClient(opt), "chat:"), nil
}

func main() {
	layer, err := layerFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	defer layer.Close()
	settings, err := galvani.LoadSettings()
	if err != nil {
		log.Fatal(err)
	}
	newApp(settings, layer).Run()
}
