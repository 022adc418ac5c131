//go:build !race

package main

const raceEnabled = false

// loadPerHashMiB is the load test's Argon2id memory: the default, 64 MiB.
const loadPerHashMiB = 64
