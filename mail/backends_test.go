package mail

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConsoleFileMemory(t *testing.T) {
	ctx := context.Background()
	msg := func(s string) *Message {
		return &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: s, Text: "body of " + s}
	}
	var out bytes.Buffer
	c := &Console{W: &out}
	if n, err := c.Send(ctx, msg("one"), msg("two")); n != 2 || err != nil {
		t.Fatalf("console: %d %v", n, err)
	}
	if s := out.String(); !strings.Contains(s, "Subject: one\n") || !strings.Contains(s, "body of two") || strings.Count(s, strings.Repeat("-", 79)) != 2 || strings.Contains(s, "\r") {
		t.Errorf("console output:\n%s", s)
	}
	dir := filepath.Join(t.TempDir(), "outbox")
	f := &File{Dir: dir}
	if n, err := f.Send(ctx, msg("one"), msg("two")); n != 2 || err != nil {
		t.Fatalf("file: %d %v", n, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 2 {
		t.Fatalf("file: %d files", len(files))
	}
	b, _ := os.ReadFile(files[0])
	parse(t, b)
	m := &Memory{}
	bad := msg("x")
	bad.To = nil
	if n, err := m.Send(ctx, msg("one"), bad, msg("three")); n != 1 || !errors.Is(err, ErrNoRecipients) {
		t.Fatalf("memory with a bad message: %d %v", n, err)
	}
	if got := m.Messages(); len(got) != 1 || got[0].Subject != "one" || len(m.Raw()) != 1 {
		t.Fatalf("memory kept %v", got)
	}
	m.Clear()
	if len(m.Messages()) != 0 {
		t.Error("Clear")
	}
}
