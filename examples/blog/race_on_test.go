//go:build race

package main

// raceEnabled is true in -race builds, whose shadow memory raises the load test's
// memory bound.
const raceEnabled = true

// loadPerHashMiB is the load test's Argon2id memory: a quarter of the default
// under the race detector, which slows every access to it, so that a hash stays
// within seconds on a busy machine.
const loadPerHashMiB = 16
