//go:build race

package orm

// raceEnabled is true in -race builds, whose instrumentation changes allocation
// counts; the allocation guards skip there.
const raceEnabled = true
