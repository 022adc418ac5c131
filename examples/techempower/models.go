package main

import "github.com/galvani-web/galvani/orm"

// World is a row of the world table.
type World struct {
	ID           int32 `json:"id" orm:"pk"`
	RandomNumber int32 `json:"randomNumber" orm:"column=randomnumber"`
}

// Meta names the benchmark's table (not the default "bench_world").
func (World) Meta() orm.Meta { return orm.Meta{Table: "world"} }

// Fortune is a row of the fortune table.
type Fortune struct {
	ID      int32  `orm:"pk"`
	Message string `orm:"max_length=2048"`
}

// Meta names the benchmark's table.
func (Fortune) Meta() orm.Meta { return orm.Meta{Table: "fortune"} }

// registerModels registers the models (idempotent; newApp calls it).
func registerModels() {
	orm.MustRegister[World]("bench")
	orm.MustRegister[Fortune]("bench")
}
