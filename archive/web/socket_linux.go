package web

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// shortSocketPath names the file name in dir through /proc/self/fd: a
// path of a few bytes that the kernel resolves to the same directory.
func shortSocketPath(dir *os.File, name string) (string, error) {
	return fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), name), nil
}

// peerUID returns the user id of the process at the other end of a unix
// socket (SO_PEERCRED, unix(7)).
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return -1, fmt.Errorf("peer credentials: not a unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return -1, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return -1, fmt.Errorf("peer credentials: %w", credErr)
	}
	return int(cred.Uid), nil
}
