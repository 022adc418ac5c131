package session

import (
	"context"
	"maps"
	"sync"
	"time"
)

// MemoryStore keeps sessions in the process's memory: for tests and development,
// or a single-process site that accepts losing sessions on restart. Expired
// records are dropped when read and by DeleteExpired.
type MemoryStore struct {
	mu   sync.Mutex
	recs map[string]Record
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{recs: map[string]Record{}} }

func (ms *MemoryStore) now() time.Time {
	if ms.Now != nil {
		return ms.Now()
	}
	return time.Now()
}

// Load returns the record for the key in the cookie.
func (ms *MemoryStore) Load(_ context.Context, cookie string) (Record, bool, error) {
	if !ValidKey(cookie) {
		return Record{}, false, nil
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	rec, ok := ms.recs[cookie]
	if !ok {
		return Record{}, false, nil
	}
	if !ms.now().Before(rec.Expires) {
		delete(ms.recs, cookie)
		return Record{}, false, nil
	}
	rec.Values = maps.Clone(rec.Values)
	return rec, true, nil
}

// Save stores rec under key, or under a fresh key when key is "". It returns
// ErrKeyGone when key names a record that no longer exists.
func (ms *MemoryStore) Save(_ context.Context, key string, rec Record) (string, error) {
	rec.Values = maps.Clone(rec.Values)
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if key != "" {
		if _, ok := ms.recs[key]; !ok {
			return "", ErrKeyGone
		}
	} else {
		for {
			key = NewKey()
			if _, taken := ms.recs[key]; !taken {
				break
			}
		}
	}
	ms.recs[key] = rec
	return key, nil
}

// Delete removes the record for the key in the cookie.
func (ms *MemoryStore) Delete(_ context.Context, cookie string) error {
	ms.mu.Lock()
	delete(ms.recs, cookie)
	ms.mu.Unlock()
	return nil
}

// DeleteExpired removes expired records and returns how many it removed.
func (ms *MemoryStore) DeleteExpired(context.Context) (int64, error) {
	now := ms.now()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	var n int64
	for k, r := range ms.recs {
		if !now.Before(r.Expires) {
			delete(ms.recs, k)
			n++
		}
	}
	return n, nil
}

// Len returns the number of stored records, expired ones included.
func (ms *MemoryStore) Len() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.recs)
}
