package main

import "github.com/galvani-web/galvani"

func main() {
	app := galvani.New()
	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "Hello, World!") })
	app.Run()
}
