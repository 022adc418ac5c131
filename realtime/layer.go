package realtime

import (
	"context"
	"sync"
)

// Receiver is what a channel layer delivers group messages to. Receive must not
// block: a *Conn queues the message and applies its overflow policy.
type Receiver interface {
	Receive(group string, data []byte)
}

// Layer is a channel layer, the idea of Django Channels: sockets join named
// groups, and a message published to a group reaches every member, on this
// server and, with a shared backend such as Redis, on every other server.
type Layer interface {
	// Join adds r to group.
	Join(ctx context.Context, group string, r Receiver) error
	// Leave removes r from group; leaving a group r is not in does nothing.
	Leave(ctx context.Context, group string, r Receiver) error
	// Publish sends data to every member of group.
	Publish(ctx context.Context, group string, data []byte) error
	// Close releases the layer's resources; Join and Publish fail afterwards.
	Close() error
}

// Presence is implemented by layers that can count a group's members (who is in
// the room), on every server the layer spans.
type Presence interface {
	Count(ctx context.Context, group string) (int, error)
}

// Memory is the in-process Layer: groups live in this process only, which is all a
// single server needs. The zero value is ready to use.
type Memory struct {
	mu     sync.RWMutex
	groups map[string]map[Receiver]struct{}
	closed bool
}

// NewMemory returns an empty in-process layer.
func NewMemory() *Memory { return &Memory{} }

// Join implements Layer.
func (m *Memory) Join(ctx context.Context, group string, r Receiver) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrLayerClosed
	}
	if m.groups == nil {
		m.groups = make(map[string]map[Receiver]struct{})
	}
	g := m.groups[group]
	if g == nil {
		g = make(map[Receiver]struct{})
		m.groups[group] = g
	}
	g[r] = struct{}{}
	return nil
}

// Leave implements Layer.
func (m *Memory) Leave(ctx context.Context, group string, r Receiver) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.groups[group]; g != nil {
		delete(g, r)
		if len(g) == 0 {
			delete(m.groups, group)
		}
	}
	return nil
}

// Publish implements Layer. Delivery happens before Publish returns; a member's
// Receive never blocks, so a slow socket does not hold up the others.
func (m *Memory) Publish(ctx context.Context, group string, data []byte) error {
	m.mu.RLock()
	closed := m.closed
	m.mu.RUnlock()
	if closed {
		return ErrLayerClosed
	}
	m.deliver(group, data)
	return nil
}

// deliver hands data to the group's current members.
func (m *Memory) deliver(group string, data []byte) {
	m.mu.RLock()
	g := m.groups[group]
	members := make([]Receiver, 0, len(g))
	for r := range g {
		members = append(members, r)
	}
	m.mu.RUnlock()
	for _, r := range members {
		r.Receive(group, data)
	}
}

// Members returns how many receivers of this process are in group (presence for
// a single server).
func (m *Memory) Members(group string) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.groups[group])
}

// Count implements Presence: for the in-process layer it is Members.
func (m *Memory) Count(ctx context.Context, group string) (int, error) {
	return m.Members(group), nil
}

// Close implements Layer.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.groups = nil
	return nil
}
