// Package redislayer is a realtime channel layer on Redis pub/sub, so a message
// published on one app server reaches the sockets of a group on every server:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	layer := redislayer.New(rdb, "chat:")
//	defer layer.Close()
//
// Each server holds one pub/sub connection and subscribes to a group's Redis
// channel while at least one of its sockets is in the group; members are kept in a
// realtime.Memory layer locally. Redis pub/sub delivers at most once: a server that
// is disconnected from Redis misses what was published meanwhile (go-redis
// reconnects and resubscribes), so clients that must not miss messages resume from
// the database, as with SSE's Last-Event-ID.
package redislayer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/galvani-web/galvani/realtime"
	"github.com/redis/go-redis/v9"
)

// Layer is a realtime.Layer on Redis. Build it with New.
type Layer struct {
	rdb    redis.UniversalClient
	prefix string
	local  *realtime.Memory

	mu      sync.Mutex // orders subscribe/unsubscribe with local membership
	ps      *redis.PubSub
	pending map[string]chan struct{} // Redis channel → closed once the subscription is confirmed
	closed  bool
	done    chan struct{}

	id      string              // this server, in presence hashes
	groups  map[string]struct{} // groups with local members, for presence
	beating bool
	stop    chan struct{}
}

var (
	_ realtime.Layer    = (*Layer)(nil)
	_ realtime.Presence = (*Layer)(nil)
)

// PresenceTTL is how long a server's presence counts outlive it when it stops
// without Close (a crash): its liveness key expires and Count stops adding its
// members. The key is refreshed every third of it.
const PresenceTTL = 30 * time.Second

// New returns a layer publishing on rdb; prefix namespaces its Redis channels
// (group "lobby" is channel prefix+"lobby"), so projects can share a Redis.
func New(rdb redis.UniversalClient, prefix string) *Layer {
	var id [8]byte
	rand.Read(id[:])
	return &Layer{rdb: rdb, prefix: prefix, local: realtime.NewMemory(), pending: map[string]chan struct{}{}, done: make(chan struct{}),
		id: hex.EncodeToString(id[:]), groups: map[string]struct{}{}, stop: make(chan struct{})}
}

func (l *Layer) presenceKey(group string) string { return l.prefix + "presence:" + group }
func (l *Layer) aliveKey(id string) string       { return l.prefix + "server:" + id }

// setPresence records this server's member count of group. l.mu is held.
func (l *Layer) setPresence(ctx context.Context, group string) error {
	n := l.local.Members(group)
	if n == 0 {
		delete(l.groups, group)
		return l.rdb.HDel(ctx, l.presenceKey(group), l.id).Err()
	}
	l.groups[group] = struct{}{}
	if !l.beating {
		l.beating = true
		if err := l.rdb.Set(ctx, l.aliveKey(l.id), "1", PresenceTTL).Err(); err != nil {
			return err
		}
		go l.heartbeat()
	}
	return l.rdb.HSet(ctx, l.presenceKey(group), l.id, n).Err()
}

func (l *Layer) heartbeat() {
	t := time.NewTicker(PresenceTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.rdb.Set(context.Background(), l.aliveKey(l.id), "1", PresenceTTL)
		case <-l.stop:
			return
		}
	}
}

// Count implements realtime.Presence: the members of group on every live server
// sharing the Redis. Counts left by a server that died without Close drop out
// once its liveness key expires (PresenceTTL), and are then removed.
func (l *Layer) Count(ctx context.Context, group string) (int, error) {
	key := l.presenceKey(group)
	counts, err := l.rdb.HGetAll(ctx, key).Result()
	if err != nil || len(counts) == 0 {
		return 0, redisErr(err)
	}
	ids := make([]string, 0, len(counts))
	keys := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
		keys = append(keys, l.aliveKey(id))
	}
	alive, err := l.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return 0, redisErr(err)
	}
	total := 0
	for i, id := range ids {
		if alive[i] == nil {
			l.rdb.HDel(ctx, key, id)
			continue
		}
		n, _ := strconv.Atoi(counts[id])
		total += n
	}
	return total, nil
}

func redisErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("realtime/redislayer: %w", err)
}

// Join implements realtime.Layer. It returns once Redis has confirmed this
// server's subscription to the group, so a message published anywhere after
// Join returns reaches r.
func (l *Layer) Join(ctx context.Context, group string, r realtime.Receiver) error {
	ch := l.prefix + group
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return realtime.ErrLayerClosed
	}
	if err := l.local.Join(ctx, group, r); err != nil {
		l.mu.Unlock()
		return err
	}
	if err := l.setPresence(ctx, group); err != nil {
		l.local.Leave(ctx, group, r)
		l.setPresence(context.WithoutCancel(ctx), group)
		l.mu.Unlock()
		return redisErr(err)
	}
	wait, subscribing := l.pending[ch]
	if l.local.Members(group) == 1 && !subscribing {
		wait = make(chan struct{})
		l.pending[ch] = wait
		subscribing = true
		var err error
		if l.ps == nil {
			l.ps = l.rdb.Subscribe(ctx, ch)
			go l.receive(l.ps)
		} else {
			err = l.ps.Subscribe(ctx, ch)
		}
		if err != nil {
			delete(l.pending, ch)
			l.local.Leave(ctx, group, r)
			l.setPresence(context.WithoutCancel(ctx), group)
			l.mu.Unlock()
			return redisErr(err)
		}
	}
	l.mu.Unlock()
	if !subscribing {
		return nil
	}
	select {
	case <-wait:
		return nil
	case <-ctx.Done():
		l.Leave(context.WithoutCancel(ctx), group, r)
		return ctx.Err()
	}
}

// Leave implements realtime.Layer; the last local member leaving unsubscribes.
func (l *Layer) Leave(ctx context.Context, group string, r realtime.Receiver) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.local.Leave(ctx, group, r)
	if l.closed {
		return nil
	}
	if err := l.setPresence(ctx, group); err != nil {
		return redisErr(err)
	}
	if l.ps == nil || l.local.Members(group) > 0 {
		return nil
	}
	ch := l.prefix + group
	if w, ok := l.pending[ch]; ok {
		close(w) // nobody waits for a subscription that is going away
		delete(l.pending, ch)
	}
	return redisErr(l.ps.Unsubscribe(ctx, ch))
}

// Publish implements realtime.Layer: data goes to Redis, and from there to the
// group's members on every server, this one included.
func (l *Layer) Publish(ctx context.Context, group string, data []byte) error {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return realtime.ErrLayerClosed
	}
	return redisErr(l.rdb.Publish(ctx, l.prefix+group, data).Err())
}

// Members returns how many receivers of this server are in group.
func (l *Layer) Members(group string) int { return l.local.Members(group) }

// receive hands each message of the pub/sub connection to the local members.
func (l *Layer) receive(ps *redis.PubSub) {
	defer close(l.done)
	for m := range ps.ChannelWithSubscriptions() {
		switch m := m.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				l.mu.Lock()
				if w, ok := l.pending[m.Channel]; ok {
					close(w)
					delete(l.pending, m.Channel)
				}
				l.mu.Unlock()
			}
		case *redis.Message:
			group, ok := strings.CutPrefix(m.Channel, l.prefix)
			if ok {
				l.local.Publish(context.Background(), group, []byte(m.Payload))
			}
		}
	}
}

// Close implements realtime.Layer: it closes the pub/sub connection (not rdb,
// which the caller owns) and waits for the receiving goroutine to stop.
func (l *Layer) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	ps := l.ps
	for ch, w := range l.pending {
		close(w)
		delete(l.pending, ch)
	}
	// This server's members are gone: take them out of every count now rather
	// than when the liveness key expires.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	for group := range l.groups {
		l.rdb.HDel(ctx, l.presenceKey(group), l.id)
	}
	if l.beating {
		close(l.stop)
		l.rdb.Del(ctx, l.aliveKey(l.id))
	}
	cancel()
	l.mu.Unlock()
	l.local.Close()
	if ps == nil {
		return nil
	}
	err := ps.Close()
	<-l.done
	if errors.Is(err, redis.ErrClosed) {
		err = nil
	}
	return redisErr(err)
}
