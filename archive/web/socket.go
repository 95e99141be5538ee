package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
)

// maxSocketPath is the longest path a unix socket can be bound or dialled
// at directly: sun_path holds 108 bytes on Linux and 104 on the BSDs,
// with the terminating NUL.
const maxSocketPath = 103

// listenOwnerOnly listens on a unix socket at path that only this user
// can connect to (mode 0600), replacing whatever socket was there. The
// socket is bound in a fresh directory of mode 0700 beside it, made
// 0600 there and renamed into place, so there is no moment when it
// exists with the umask's wider mode where others can reach it; the
// rename also replaces a stale socket in one step.
func listenOwnerOnly(path string) (net.Listener, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(path), ".praxis-sock-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bound := filepath.Join(tmp, "s")
	var ln *net.UnixListener
	err = withShortPath(bound, func(p string) error {
		var err error
		ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: p, Net: "unix"})
		return err
	})
	if err != nil {
		return nil, err
	}
	// Removed by Shutdown at its final name, not by Close at this one.
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(bound, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	if err := os.Rename(bound, path); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// dialUnix connects to the unix socket at path.
func dialUnix(ctx context.Context, path string) (net.Conn, error) {
	var c net.Conn
	err := withShortPath(path, func(p string) error {
		var err error
		c, err = (&net.Dialer{}).DialContext(ctx, "unix", p)
		return err
	})
	return c, err
}

// withShortPath calls f with path, or, when path is too long for a unix
// socket address, with a short name for the same file (see
// shortSocketPath), so that a data dir deep in the file system still
// gets its socket.
func withShortPath(path string, f func(p string) error) error {
	if len(path) <= maxSocketPath {
		return f(path)
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	short, err := shortSocketPath(dir, filepath.Base(path))
	if err != nil {
		return fmt.Errorf("socket path %s: %w", path, err)
	}
	return f(short)
}

// peerChecked accepts connections from this user (and root) only: the
// socket's mode already keeps others out; the peer's credentials, where
// the system gives them, hold even if someone widens that mode.
type peerChecked struct {
	net.Listener
	log *slog.Logger
}

func (l peerChecked) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if errors.Is(err, errNoPeerCred) || (err == nil && (uid == os.Getuid() || uid == 0)) {
			return c, nil
		}
		l.log.Warn("admin socket: connection from another user refused", "uid", uid, "err", err)
		c.Close()
	}
}

// errNoPeerCred says the system gives no peer credentials.
var errNoPeerCred = errors.New("no peer credentials on this system")
