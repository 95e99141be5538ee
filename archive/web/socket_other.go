//go:build !linux

package web

import (
	"errors"
	"net"
	"os"
)

func shortSocketPath(dir *os.File, name string) (string, error) {
	return "", errors.New("too long for a unix socket: use a data dir with a shorter path")
}

func peerUID(c net.Conn) (int, error) { return -1, errNoPeerCred }
