package storage

import (
	"sync"
)

// DefaultDir and DefaultBaseURL are where the default storage keeps files and the
// URL prefix it serves them under, when SetDefault was not called (Django's
// MEDIA_ROOT and MEDIA_URL).
const (
	DefaultDir     = "media"
	DefaultBaseURL = "/media/"
)

var (
	defaultMu      sync.RWMutex
	defaultStorage Storage
)

// Default returns the storage that file fields use when they name none: the one
// given to SetDefault, else a FileSystem in DefaultDir (relative to the working
// directory) served at DefaultBaseURL.
func Default() Storage {
	defaultMu.RLock()
	s := defaultStorage
	defaultMu.RUnlock()
	if s != nil {
		return s
	}
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultStorage == nil {
		defaultStorage = NewFileSystem(DefaultDir, DefaultBaseURL)
	}
	return defaultStorage
}

// SetDefault makes s the storage that file fields use when they name none. Call it
// while the program starts, before serving requests; nil restores the built-in
// default.
func SetDefault(s Storage) {
	defaultMu.Lock()
	defaultStorage = s
	defaultMu.Unlock()
}
