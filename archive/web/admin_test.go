package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"praxis/archive"
)

// startAdmin serves the fixture's index on an admin socket in dir.
func startAdmin(t *testing.T, f *archiveFixture, dir string) *Admin {
	t.Helper()
	a := NewAdmin(dir, f.idx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve() }()
	t.Cleanup(func() {
		a.Shutdown(context.Background())
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return a
}

// The admin API answers on the data dir's socket, which only its owner
// can open, and searches a private list there.
func TestAdminSocket(t *testing.T) {
	f := newArchiveFixture(t)
	dir := t.TempDir()
	// A socket left by a serve that was killed is replaced.
	stale, err := net.Listen("unix", filepath.Join(dir, SocketName))
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	a := startAdmin(t, f, dir)

	fi, err := os.Lstat(a.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %s has mode %v, want a socket of mode 0600", a.Path(), fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".praxis-sock-*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	res, err := AdminSearch(context.Background(), dir, "inner@example.org", "confidential", 10, "date")
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Hits[0].MessageID != "secret1@example.net" {
		t.Errorf("search through the socket: %+v", res)
	}
	if _, err := AdminSearch(context.Background(), dir, "inner@example.org", "*lathe", 10, "date"); err == nil || !strings.Contains(err.Error(), "wildcard") {
		t.Errorf("a bad query: %v, want the query's error", err)
	}
	// Where the index stands, for the lag `praxis status` shows.
	want, err := archive.Position(f.idx)
	if err != nil {
		t.Fatal(err)
	}
	if pos, err := AdminIndexPosition(context.Background(), dir); err != nil || pos != want || pos.Pos == 0 {
		t.Errorf("the index's position through the socket: %+v, %v; want %+v", pos, err, want)
	}

	// Shutdown removes it; a search then says serve does not answer.
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(a.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket after shutdown: %v", err)
	}
	if _, err := AdminSearch(context.Background(), dir, "inner@example.org", "confidential", 10, "date"); err == nil {
		t.Error("searched with no serve")
	}
}

// A data dir deeper than a unix socket address can name still gets its
// socket, and the command reaches it.
func TestAdminSocketLongPath(t *testing.T) {
	f := newArchiveFixture(t)
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	startAdmin(t, f, dir)
	res, err := AdminSearch(context.Background(), dir, "inner@example.org", "confidential", 10, "date")
	if err != nil || res.Total != 1 {
		t.Fatalf("search: %+v %v", res, err)
	}
}

// The web server on TCP has no admin API: the header that opened it
// before gets a 404 and nothing of a private list.
func TestNoAdminAPIOverTCP(t *testing.T) {
	f := newArchiveFixture(t)
	req, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/api/admin/search?list=inner@example.org&q=confidential", nil)
	req.Header.Set("X-Praxis-Admin", "anything")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "secret1") {
		t.Errorf("%s: %s", resp.Status, body)
	}
}
