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
// of the image, so truncated or corrupt pixel data is refused too (ErrImageCorrupt).
// The decode happens only within the limits, so its memory is bounded by
// MaxPixels (4 bytes a pixel, 8 for 16-bit images).
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
	return info, nil
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
