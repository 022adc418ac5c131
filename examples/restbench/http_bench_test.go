package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// BenchmarkPGHTTP is BenchmarkPGParallel over real HTTP: each handler behind a
// loopback net/http server, 16 keep-alive connections each sending one request
// at a time, as wrk does in the comparison. The client is a minimal HTTP/1.1
// writer and reader, the same for both handlers, so the difference in
// cpu-ns/op (client and server together, in this process) is the servers'.
func BenchmarkPGHTTP(b *testing.B) {
	db, pool := pgBench(b)
	handlers := []struct {
		name string
		h    http.Handler
	}{{"raw", rawAPI(pool)}, {"galvani", newApp(db)}}
	for _, ep := range benchEndpoints {
		for _, h := range handlers {
			b.Run(ep.name+"/"+h.name, func(b *testing.B) {
				if ep.body != nil {
					defer resetRows(b, pool)
				}
				srv := httptest.NewServer(h.h)
				defer srv.Close()
				benchHTTP(b, srv.Listener.Addr().String(), ep.method, ep.path, ep.body, ep.status)
			})
		}
	}
}

// httpRequest is the request wrk sends: a Host header, keep-alive, and for a
// body its type and length.
func httpRequest(addr, method, path string, body []byte) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, addr)
	if body != nil {
		fmt.Fprintf(&buf, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	buf.WriteString("\r\n")
	buf.Write(body)
	return buf.Bytes()
}

// httpConn is one keep-alive client connection.
type httpConn struct {
	c   net.Conn
	r   *bufio.Reader
	req []byte
}

// do sends the request and reads the whole answer, returning its status.
func (hc *httpConn) do() (int, error) {
	if _, err := hc.c.Write(hc.req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(hc.r, nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func benchHTTP(b *testing.B, addr, method, path string, body []byte, want int) {
	const conns = 16
	req := httpRequest(addr, method, path, body)
	pool := make(chan *httpConn, conns)
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		pool <- &httpConn{c: c, r: bufio.NewReader(c), req: req}
	}
	hc := <-pool
	if code, err := hc.do(); err != nil || code != want {
		b.Fatalf("%s %s: %d %v", method, path, code, err)
	}
	pool <- hc
	b.ReportAllocs()
	b.SetParallelism(conns) // at least 16 goroutines, each taking a connection per request
	var failed sync.Once
	start := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			hc := <-pool
			code, err := hc.do()
			pool <- hc
			if err != nil || code != want {
				failed.Do(func() { b.Error(method, path, strconv.Itoa(code), err) })
				return
			}
		}
	})
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
