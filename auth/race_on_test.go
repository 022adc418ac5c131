//go:build race

package auth

// raceEnabled is true in -race builds, where the Django fixtures (hashed at
// Django's real costs) are checked one per algorithm: the race detector slows the
// key-derivation loops tenfold and finds nothing in them.
const raceEnabled = true
