package transport

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func readMaildir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, "new", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

func TestMaildir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	tr, err := Parse("maildir:"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"tmp", "new", "cur"} {
		fi, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, %v; want a 0700 directory", sub, fi, err)
		}
	}
	if r := tr.Route("example.org"); r != "" {
		t.Errorf("Route = %q, want \"\"", r)
	}
	s, err := tr.Open(testCtx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	tests := []struct {
		from, to, msg string
		want          string
	}{
		{"list-bounces@lists.test", "a@example.org", "Subject: lf\n\nbody\n",
			"Return-Path: <list-bounces@lists.test>\nDelivered-To: a@example.org\nSubject: lf\n\nbody\n"},
		{"", "b@example.org", "Subject: crlf\r\n\r\n.body\r\n",
			"Return-Path: <>\r\nDelivered-To: b@example.org\r\nSubject: crlf\r\n\r\n.body\r\n"},
		{"x@lists.test", "c@example.org", "no newline at all",
			"Return-Path: <x@lists.test>\nDelivered-To: c@example.org\nno newline at all"},
	}
	want := map[string]bool{}
	for _, tt := range tests {
		if err := s.Send(testCtx(t), tt.from, tt.to, []byte(tt.msg)); err != nil {
			t.Fatal(err)
		}
		want[tt.want] = true
	}
	files := readMaildir(t, dir)
	if len(files) != len(tests) {
		t.Fatalf("%d files in new/, want %d", len(files), len(tests))
	}
	for name, content := range files {
		if !want[content] {
			t.Errorf("unexpected file %s: %q", name, content)
		}
	}

	err = s.Send(testCtx(t), "a@b", "x@y\nBcc: z@w", []byte("x"))
	var e *Error
	if !errors.As(err, &e) || e.Temporary {
		t.Errorf("header injection: got %v, want a permanent *Error", err)
	}
}

func TestMaildirConcurrent(t *testing.T) {
	dir := t.TempDir()
	m, err := NewMaildir(dir)
	if err != nil {
		t.Fatal(err)
	}
	const sessions, each = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, sessions*each)
	for i := range sessions {
		wg.Go(func() {
			s, err := m.Open(testCtx(t), "")
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for j := range each {
				body := fmt.Sprintf("Subject: %d-%d\n\n", i, j)
				if err := s.Send(testCtx(t), "l@lists.test", "u@example.org", []byte(body)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	files := readMaildir(t, dir)
	if len(files) != sessions*each {
		t.Errorf("%d files, want %d", len(files), sessions*each)
	}
	seen := map[string]bool{}
	for _, content := range files {
		subject := content[strings.Index(content, "Subject: "):]
		if seen[subject] {
			t.Errorf("copy %q written twice", subject)
		}
		seen[subject] = true
	}
	if left, err := os.ReadDir(filepath.Join(dir, "tmp")); err != nil || len(left) != 0 {
		t.Errorf("%d files left in tmp/ (%v)", len(left), err)
	}
}

func TestMaildirUniqueName(t *testing.T) {
	m, err := NewMaildir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m.host = `a\057b`
	name := m.uniqueName(testTime)
	want := fmt.Sprintf("1700000000.M123456P%dQ1.a\\057b", os.Getpid())
	if name != want {
		t.Errorf("uniqueName = %q, want %q", name, want)
	}
	if next := m.uniqueName(testTime); next == name {
		t.Errorf("two names at the same instant are equal: %q", next)
	}
}
