package uploads

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF for image.DecodeConfig and image.Decode
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG
	"io"
	"net/http"
)

// DefaultMaxImagePixels bounds width×height for ImageLimits with no MaxPixels:
// 24 megapixels, which decode to at most 96 MiB of RGBA (or twice that at 16 bits
// per channel).
const DefaultMaxImagePixels = 24_000_000

// ImageLimits bound the images InspectImage and CheckImage accept. A zero
// MaxWidth or MaxHeight means no bound of its own; a zero MaxPixels means
// DefaultMaxImagePixels and a negative one no bound.
type ImageLimits struct {
	MaxWidth, MaxHeight int
	MaxPixels           int64
	// AllowTrailingData accepts images followed by other data (CheckImage
	// refuses them with ErrImageTrailingData by default). Some phones append
	// their own metadata after a JPEG's end; a site that must take such photos
	// as they are sets it, and serves uploads with nosniff from another origin.
	AllowTrailingData bool
}

// ImageInfo is what the header of an image says about it.
type ImageInfo struct {
	// Format is the decoder's name: "png", "jpeg" or "gif".
	Format string
	// Width and Height are the dimensions in pixels.
	Width, Height int
}

// ErrNotImage is returned (wrapped) for data that no registered decoder (PNG,
// JPEG, GIF) recognises, or whose header is malformed.
var ErrNotImage = errors.New("not a PNG, JPEG or GIF image")

// ErrImageCorrupt is returned (wrapped) by CheckImage for an image whose header is
// fine but whose pixel data is truncated or malformed.
var ErrImageCorrupt = errors.New("image data is truncated or corrupt")

// ErrImageTrailingData is returned (wrapped) by CheckImage for an image followed
// by other data after its end (the PNG's IEND chunk, the GIF's trailer, the
// JPEG's end-of-image marker): the shape of a polyglot, such as a GIF with a Java
// archive or a PNG with HTML or a script appended, which decodes as an image and
// is something else to another reader. Zero bytes of padding after the end are
// allowed (some cameras write them).
var ErrImageTrailingData = errors.New("image has other data after its end")

// ImageTooLargeError reports an image whose declared dimensions exceed the limits.
// It is found from the header alone, before any pixel is decoded, so a
// "decompression bomb" (a tiny file declaring a huge image) costs nothing.
type ImageTooLargeError struct {
	// Width and Height are the declared dimensions.
	Width, Height int
	// Limits are the bounds that were exceeded.
	Limits ImageLimits
}

// Error implements error.
func (e *ImageTooLargeError) Error() string {
	return fmt.Sprintf("uploads: image of %d×%d pixels is larger than allowed", e.Width, e.Height)
}

// HTTPStatus returns 413.
func (e *ImageTooLargeError) HTTPStatus() int { return http.StatusRequestEntityTooLarge }

func (l ImageLimits) check(w, h int) error {
	max := l.MaxPixels
	if max == 0 {
		max = DefaultMaxImagePixels
	}
	if w <= 0 || h <= 0 {
		return fmt.Errorf("uploads: image of %d×%d pixels: %w", w, h, ErrNotImage)
	}
	if (l.MaxWidth > 0 && w > l.MaxWidth) || (l.MaxHeight > 0 && h > l.MaxHeight) ||
		(max > 0 && int64(w)*int64(h) > max) {
		return &ImageTooLargeError{Width: w, Height: h, Limits: l}
	}
	return nil
}

// InspectImage reads an image's header from r (with image.DecodeConfig, for PNG,
// JPEG and GIF) and checks its dimensions against l without decoding pixels. It
// returns ErrNotImage (wrapped) for anything else, and *ImageTooLargeError for an
// image beyond the limits.
func InspectImage(r io.Reader, l ImageLimits) (ImageInfo, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("uploads: %w (%v)", ErrNotImage, err)
	}
	info := ImageInfo{Format: format, Width: cfg.Width, Height: cfg.Height}
	if err := l.check(cfg.Width, cfg.Height); err != nil {
		return info, err
	}
	return info, nil
}

// CheckImage is InspectImage followed, when the header passes, by a full decode
// of the image, so truncated or corrupt pixel data is refused too (ErrImageCorrupt),
// and by a walk over the file's structure to its end, so data appended after the
// image is refused (ErrImageTrailingData). The decode happens only within the
// limits, so its memory is bounded by MaxPixels (4 bytes a pixel, 8 for 16-bit
// images).
func CheckImage(r io.ReadSeeker, l ImageLimits) (ImageInfo, error) {
	info, err := InspectImage(bufio.NewReader(r), l)
	if err != nil {
		return info, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return info, err
	}
	if _, _, err := image.Decode(bufio.NewReader(r)); err != nil {
		return info, fmt.Errorf("uploads: %w (%v)", ErrImageCorrupt, err)
	}
	if l.AllowTrailingData {
		return info, nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return info, err
	}
	if err := checkImageEnd(info.Format, r); err != nil {
		return info, err
	}
	return info, nil
}

// structReader reads an image's structure, counting the bytes it consumed.
type structReader struct {
	br *bufio.Reader
	n  int64
}

func (s *structReader) byte() (byte, error) {
	b, err := s.br.ReadByte()
	if err == nil {
		s.n++
	}
	return b, err
}

func (s *structReader) skip(n int) error {
	d, err := s.br.Discard(n)
	s.n += int64(d)
	return err
}

func (s *structReader) uint16be() (int, error) {
	hi, err := s.byte()
	if err != nil {
		return 0, err
	}
	lo, err := s.byte()
	return int(hi)<<8 | int(lo), err
}

// checkImageEnd walks the structure of a decoded image of the given format to
// its end marker and refuses what follows it, unless it is zero padding.
func checkImageEnd(format string, r io.Reader) error {
	s := &structReader{br: bufio.NewReader(r)}
	var err error
	switch format {
	case "png":
		err = pngEnd(s)
	case "gif":
		err = gifEnd(s)
	case "jpeg":
		err = jpegEnd(s)
	default:
		return nil
	}
	if err != nil {
		// The decoder accepted what the walk could not follow.
		return fmt.Errorf("uploads: %w (structure: %v)", ErrImageCorrupt, err)
	}
	end := s.n
	var extra, nonZero int64
	for {
		b, err := s.br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		extra++
		if b != 0 {
			nonZero++
		}
	}
	if nonZero > 0 {
		return fmt.Errorf("uploads: %d bytes after the %s image's end at byte %d: %w", extra, format, end, ErrImageTrailingData)
	}
	return nil
}

// pngEnd reads a PNG's signature and chunks up to and including IEND.
func pngEnd(s *structReader) error {
	if err := s.skip(8); err != nil {
		return err
	}
	for {
		var hdr [8]byte
		for i := range hdr {
			b, err := s.byte()
			if err != nil {
				return err
			}
			hdr[i] = b
		}
		n := int64(hdr[0])<<24 | int64(hdr[1])<<16 | int64(hdr[2])<<8 | int64(hdr[3])
		if n > 1<<31-1 {
			return errors.New("PNG chunk length out of range")
		}
		if err := s.skip(int(n) + 4); err != nil { // data and CRC
			return err
		}
		if string(hdr[4:]) == "IEND" {
			return nil
		}
	}
}

// gifEnd reads a GIF's header, colour tables and blocks up to and including the
// trailer.
func gifEnd(s *structReader) error {
	if err := s.skip(6 + 4); err != nil { // signature, screen width and height
		return err
	}
	packed, err := s.byte()
	if err != nil {
		return err
	}
	if err := s.skip(2); err != nil { // background colour, aspect ratio
		return err
	}
	if packed&0x80 != 0 {
		if err := s.skip(3 << ((packed & 7) + 1)); err != nil {
			return err
		}
	}
	subBlocks := func() error {
		for {
			n, err := s.byte()
			if err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			if err := s.skip(int(n)); err != nil {
				return err
			}
		}
	}
	for {
		b, err := s.byte()
		if err != nil {
			return err
		}
		switch b {
		case 0x21: // extension: label, then data sub-blocks
			if _, err := s.byte(); err != nil {
				return err
			}
			if err := subBlocks(); err != nil {
				return err
			}
		case 0x2C: // image descriptor
			if err := s.skip(8); err != nil {
				return err
			}
			p, err := s.byte()
			if err != nil {
				return err
			}
			if p&0x80 != 0 {
				if err := s.skip(3 << ((p & 7) + 1)); err != nil {
					return err
				}
			}
			if _, err := s.byte(); err != nil { // LZW minimum code size
				return err
			}
			if err := subBlocks(); err != nil {
				return err
			}
		case 0x3B: // trailer
			return nil
		default:
			return fmt.Errorf("unknown GIF block 0x%02x", b)
		}
	}
}

// jpegEnd reads a JPEG's segments and entropy-coded data up to and including the
// end-of-image marker. Thumbnails inside APPn segments are skipped whole, so
// their own end markers do not count.
func jpegEnd(s *structReader) error {
	if err := s.skip(2); err != nil { // SOI
		return err
	}
	var marker byte
	next := func() error { // reads a marker: 0xFF, fill bytes, the code
		b, err := s.byte()
		if err != nil {
			return err
		}
		if b != 0xFF {
			return fmt.Errorf("JPEG marker expected, found 0x%02x", b)
		}
		for b == 0xFF {
			if b, err = s.byte(); err != nil {
				return err
			}
		}
		marker = b
		return nil
	}
	if err := next(); err != nil {
		return err
	}
	for {
		switch {
		case marker == 0xD9: // EOI
			return nil
		case marker >= 0xD0 && marker <= 0xD7, marker == 0x01: // RSTn, TEM: no length
			if err := next(); err != nil {
				return err
			}
			continue
		}
		n, err := s.uint16be()
		if err != nil {
			return err
		}
		if n < 2 {
			return errors.New("JPEG segment length below 2")
		}
		if err := s.skip(n - 2); err != nil {
			return err
		}
		if marker != 0xDA { // not SOS
			if err := next(); err != nil {
				return err
			}
			continue
		}
		// Entropy-coded data runs to the next marker that is not a stuffed
		// zero or a restart marker.
	scan:
		for {
			b, err := s.byte()
			if err != nil {
				return err
			}
			if b != 0xFF {
				continue
			}
			for b == 0xFF {
				if b, err = s.byte(); err != nil {
					return err
				}
			}
			if b == 0 || b >= 0xD0 && b <= 0xD7 {
				continue
			}
			marker = b
			break scan
		}
	}
}

// Image inspects an uploaded file as CheckImage does.
func (f *File) Image(l ImageLimits) (ImageInfo, error) {
	r, err := f.Open()
	if err != nil {
		return ImageInfo{}, err
	}
	defer r.Close()
	return CheckImage(r, l)
}
