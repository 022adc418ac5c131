package main

import (
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// profileCPU writes a CPU profile to path until the process gets SIGINT or SIGTERM,
// then exits. Run the server with -cpuprofile, load it (wrk), stop it, and read the
// profile with `go tool pprof`.
func profileCPU(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	stop = func() {
		pprof.StopCPUProfile()
		f.Close()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		stop()
		log.Printf("techempower: CPU profile written to %s", path)
		os.Exit(0)
	}()
	return stop, nil
}
