package uploads

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

func encoded(t testing.TB, format string, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, 0, color.RGBA{uint8(x), 100, 200, 255})
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and IHDR chunk declaring w×h pixels, without any
// pixel data: a "decompression bomb" costs nothing more to write.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestCheckImage(t *testing.T) {
	for _, format := range []string{"png", "jpeg", "gif"} {
		data := encoded(t, format, 30, 20)
		info, err := CheckImage(bytes.NewReader(data), ImageLimits{})
		if err != nil || info.Format != format || info.Width != 30 || info.Height != 20 {
			t.Errorf("%s: %+v, %v", format, info, err)
		}
		// Truncated pixel data: the header passes, the decode does not.
		if _, err := CheckImage(bytes.NewReader(data[:len(data)*2/3]), ImageLimits{}); !errors.Is(err, ErrImageCorrupt) && !errors.Is(err, ErrNotImage) {
			t.Errorf("%s truncated: %v", format, err)
		}
	}
	cases := []struct {
		name string
		data []byte
		l    ImageLimits
		want error
	}{
		{"html named .png", []byte("<!DOCTYPE html><script>alert(1)</script>"), ImageLimits{}, ErrNotImage},
		{"empty", nil, ImageLimits{}, ErrNotImage},
		{"header cut", encoded(t, "png", 4, 4)[:20], ImageLimits{}, ErrNotImage},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), ImageLimits{}, ErrNotImage},
	}
	for _, c := range cases {
		if _, err := CheckImage(bytes.NewReader(c.data), c.l); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestImageLimitsRefuseBombsFromTheHeader(t *testing.T) {
	var tl *ImageTooLargeError
	// 100000×100000 declared in 33 bytes: refused without decoding (which would
	// need 40 GB).
	bomb := pngHeader(100000, 100000)
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := CheckImage(bytes.NewReader(bomb), ImageLimits{}); !errors.As(err, &tl) {
			t.Fatalf("bomb: %v", err)
		}
	})
	if allocs > 50 {
		t.Errorf("%v allocations to refuse a bomb", allocs)
	}
	if tl.HTTPStatus() != 413 || tl.Width != 100000 {
		t.Fatalf("%+v", tl)
	}
	data := encoded(t, "png", 30, 20)
	for _, l := range []ImageLimits{{MaxWidth: 29}, {MaxHeight: 19}, {MaxPixels: 599}} {
		if _, err := CheckImage(bytes.NewReader(data), l); !errors.As(err, &tl) {
			t.Errorf("%+v: %v", l, err)
		}
	}
	if _, err := CheckImage(bytes.NewReader(data), ImageLimits{MaxWidth: 30, MaxHeight: 20, MaxPixels: 600}); err != nil {
		t.Error(err)
	}
	if _, err := InspectImage(bytes.NewReader(pngHeader(100000, 100000)), ImageLimits{MaxPixels: -1}); err != nil {
		t.Errorf("no pixel bound: %v", err)
	}
}

func TestFileImage(t *testing.T) {
	f := &File{Filename: "x.png", data: encoded(t, "gif", 5, 6), Size: 1}
	if info, err := f.Image(ImageLimits{}); err != nil || info.Format != "gif" || info.Height != 6 {
		t.Fatal(info, err)
	}
}

// FuzzCheckImage: arbitrary bytes never panic, and an accepted image is within
// the limits.
func FuzzCheckImage(f *testing.F) {
	f.Add(encoded(f, "png", 3, 2))
	f.Add(encoded(f, "jpeg", 3, 2))
	f.Add(encoded(f, "gif", 3, 2))
	f.Add(pngHeader(1<<20, 1<<20))
	f.Add([]byte("GIF89a\xff\xff\xff\xff"))
	f.Add(append(encoded(f, "gif", 3, 2), "PK\x03\x04"...))
	f.Add(withAPP1(encoded(f, "jpeg", 3, 2), encoded(f, "jpeg", 2, 2)))
	l := ImageLimits{MaxWidth: 256, MaxHeight: 256, MaxPixels: 10000}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := CheckImage(bytes.NewReader(data), l)
		if err != nil {
			return
		}
		if info.Width <= 0 || info.Height <= 0 || info.Width > 256 || info.Height > 256 || info.Width*info.Height > 10000 {
			t.Fatalf("accepted %+v", info)
		}
	})
}

// withAPP1 puts an APP1 segment holding payload (a thumbnail, with its own end
// marker) right after a JPEG's start marker, as cameras write EXIF data.
func withAPP1(jpg, payload []byte) []byte {
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

func TestCheckImageRefusesDataAfterTheEnd(t *testing.T) {
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	zip := []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00META-INF/MANIFEST.MF")
	html := []byte("<html><script>alert(document.cookie)</script></html>")
	thumb := encoded(t, "jpeg", 4, 4)
	for _, tc := range []struct {
		name string
		data []byte
		want error // nil: accepted
	}{
		{"png", encoded(t, "png", 8, 8), nil},
		{"gif", encoded(t, "gif", 8, 8), nil},
		{"jpeg", encoded(t, "jpeg", 8, 8), nil},
		{"jpeg with an EXIF thumbnail", withAPP1(encoded(t, "jpeg", 8, 8), cat([]byte("Exif\x00\x00"), thumb)), nil},
		{"jpeg with zero padding", cat(encoded(t, "jpeg", 8, 8), make([]byte, 64)), nil},
		{"png with html", cat(encoded(t, "png", 8, 8), html), ErrImageTrailingData},
		{"gif with a java archive (GIFAR)", cat(encoded(t, "gif", 8, 8), zip), ErrImageTrailingData},
		{"jpeg with php", cat(encoded(t, "jpeg", 8, 8), []byte("<?php system($_GET['c']); ?>")), ErrImageTrailingData},
		{"png with one stray byte", cat(encoded(t, "png", 8, 8), []byte{1}), ErrImageTrailingData},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckImage(bytes.NewReader(tc.data), ImageLimits{})
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheckImageAllowTrailingData(t *testing.T) {
	data := append(encoded(t, "jpeg", 8, 8), "SEFHvendor"...)
	if _, err := CheckImage(bytes.NewReader(data), ImageLimits{AllowTrailingData: true}); err != nil {
		t.Fatal(err)
	}
}
