package static_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/static"
)

// Hundreds of tiny ranges turn one small request into a multipart answer many times
// the size of the file (every part has its own headers): past a few ranges the whole
// file is served instead, with 200, as Apache's MaxRanges does.
func TestManyRangesServeTheWholeFile(t *testing.T) {
	s := static.New(testFS(), static.Options{})
	var parts []string
	for i := 0; i < 500; i++ {
		parts = append(parts, fmt.Sprintf("%d-%d", i, i))
	}
	rec := serve(s, "GET", "/data/big.txt", "Range", "bytes="+strings.Join(parts, ","))
	if rec.Code != 200 || rec.Body.Len() != 1000 {
		t.Fatalf("500 ranges: %d with %d bytes, want 200 with the 1000-byte file", rec.Code, rec.Body.Len())
	}
	// A few ranges are still answered.
	rec = serve(s, "GET", "/data/big.txt", "Range", "bytes=0-1,10-11")
	if rec.Code != 206 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "multipart/byteranges") {
		t.Fatalf("two ranges: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}
