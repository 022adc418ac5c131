package galvani

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestNewLoggerJSONCarriesRequestID(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewLogger(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithRequestID(context.Background(), "req-42")
	l.InfoContext(ctx, "hello", "n", 1)
	l.DebugContext(ctx, "below the level")
	l.LogAttrs(ctx, slog.LevelWarn, "explicit", slog.String("request_id", "own"))
	l.Info("no context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3 (debug filtered out):\n%s", len(lines), buf.String())
	}
	var recs []map[string]any
	for _, ln := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(ln), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", ln, err)
		}
		recs = append(recs, m)
	}
	if recs[0]["request_id"] != "req-42" || recs[0]["msg"] != "hello" {
		t.Errorf("first record = %v, want request_id req-42", recs[0])
	}
	if recs[1]["request_id"] != "own" || strings.Count(lines[1], "request_id") != 1 {
		t.Errorf("a record's own request_id must be kept and not doubled: %s", lines[1])
	}
	if _, ok := recs[2]["request_id"]; ok {
		t.Errorf("a record logged without a request context has a request_id: %v", recs[2])
	}
}

func TestNewLoggerTextAndLevels(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewLogger(&buf, "WARN", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithRequestID(context.Background(), "abc")
	l.With("k", "v").WithGroup("g").InfoContext(ctx, "dropped")
	l.With("k", "v").WarnContext(ctx, "kept")
	out := buf.String()
	if strings.Contains(out, "dropped") || !strings.Contains(out, "msg=kept") || !strings.Contains(out, "k=v") || !strings.Contains(out, "request_id=abc") {
		t.Errorf("text output = %q", out)
	}
	for _, bad := range [][2]string{{"verbose", "json"}, {"info", "xml"}} {
		if _, err := NewLogger(&buf, bad[0], bad[1]); err == nil {
			t.Errorf("NewLogger(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestLogSettingsFromEnv(t *testing.T) {
	var s Settings
	if err := s.ApplyEnv([]string{"LOG_LEVEL=Debug", "GALVANI_LOG_FORMAT=JSON"}); err != nil {
		t.Fatal(err)
	}
	if s.LogLevel != "debug" || s.LogFormat != "json" {
		t.Errorf("LogLevel, LogFormat = %q, %q", s.LogLevel, s.LogFormat)
	}
	var bad Settings
	err := bad.ApplyEnv([]string{"LOG_LEVEL=loud", "LOG_FORMAT=yaml"})
	if err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") || !strings.Contains(err.Error(), "LOG_FORMAT") {
		t.Errorf("bad log settings: err = %v, want both variables named", err)
	}
	msgs := checkSettings(&Settings{LogLevel: "loud", LogFormat: "yaml"}, false)
	n := 0
	for _, m := range msgs {
		if m.ID == "settings.E011" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("check gave %d settings.E011 messages, want 2: %v", n, msgs)
	}
}

func TestNewInstallsLoggerFromSettings(t *testing.T) {
	prev := slog.Default()
	defer slog.SetDefault(prev)
	a := New(Settings{LogLevel: "error", LogFormat: "json"})
	if a.Logger == prev || slog.Default() != a.Logger {
		t.Fatal("New with LogLevel set did not make its logger the App's and slog's default")
	}
	if a.Logger.Enabled(context.Background(), slog.LevelWarn) || !a.Logger.Enabled(context.Background(), slog.LevelError) {
		t.Error("the logger does not follow LogLevel=error")
	}
	b := New(Settings{})
	if b.Logger != slog.Default() {
		t.Error("New without log settings replaced the default logger")
	}
}
