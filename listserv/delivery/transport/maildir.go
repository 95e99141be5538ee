package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Maildir delivers each copy as one file in a Maildir
// (https://cr.yp.to/proto/maildir.html): written in tmp/, synced, renamed
// into new/, and new/ synced, so that when Send returns the copy is on disk
// as surely as a remote 250 would make it.
type Maildir struct {
	dir, tmp, new string
	host          string // this machine's name, escaped for file names
	pid           int
	seq           atomic.Uint64
	newSync       dirSyncer
}

var _ Transport = (*Maildir)(nil)

// NewMaildir uses dir as a Maildir, creating it and its tmp, new and cur
// subdirectories (mode 0700: mail is private) when missing.
func NewMaildir(dir string) (*Maildir, error) {
	m := &Maildir{
		dir: dir,
		tmp: filepath.Join(dir, "tmp"),
		new: filepath.Join(dir, "new"),
		pid: os.Getpid(),
	}
	for _, d := range []string{m.tmp, m.new, filepath.Join(dir, "cur")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating maildir: %w", err)
		}
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	// The Maildir convention escapes the two characters a host name
	// cannot carry into a file name there.
	m.host = strings.NewReplacer("/", `\057`, ":", `\072`).Replace(host)
	m.newSync.dir = m.new
	return m, nil
}

// Dir is the Maildir's root.
func (m *Maildir) Dir() string { return m.dir }

// Route is "": any session writes anywhere.
func (m *Maildir) Route(string) string { return "" }

// Open returns a session; sessions share nothing but the directory, so any
// number may write at once.
func (m *Maildir) Open(context.Context, string) (Session, error) {
	return &maildirSession{m: m}, nil
}

type maildirSession struct{ m *Maildir }

var _ Session = (*maildirSession)(nil)

func (s *maildirSession) Close() error { return nil }

// Send writes msg, preceded by the Return-Path and Delivered-To lines a
// delivering MTA adds (RFC 5321 §4.4), as one new file.
func (s *maildirSession) Send(ctx context.Context, from, to string, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return temporary("write", "", "not written", context.Cause(ctx))
	}
	if hasLineBreak(from) {
		return permanent("write", "5.1.7", "sender address contains a line break", nil)
	}
	if hasLineBreak(to) {
		return permanent("write", "5.1.3", "recipient address contains a line break", nil)
	}
	eol := "\n"
	if i := bytes.IndexByte(msg, '\n'); i > 0 && msg[i-1] == '\r' {
		eol = "\r\n"
	}
	head := make([]byte, 0, 32+len(from)+len(to))
	head = append(head, "Return-Path: <"...)
	head = append(head, from...)
	head = append(head, '>')
	head = append(head, eol...)
	head = append(head, "Delivered-To: "...)
	head = append(head, to...)
	head = append(head, eol...)

	if err := s.m.deliver(head, msg); err != nil {
		e := temporary("write", "4.3.0", "writing to maildir "+s.m.dir+" failed", err)
		if errors.Is(err, syscall.ENOSPC) {
			e.Enhanced = "4.3.1" // RFC 3463 §3.4: mail system full
		}
		return e
	}
	return nil
}

func (m *Maildir) deliver(head, msg []byte) error {
	name := m.uniqueName(time.Now())
	tmp := m.tmp + string(filepath.Separator) + name
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(head)
	if err == nil {
		_, err = f.Write(msg)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.new+string(filepath.Separator)+name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	// The rename is durable only once the directory is synced.
	return m.newSync.sync()
}

// uniqueName follows the Maildir naming convention,
// time.MmicrosecondsPpidQcount.host: the counter makes names unique within
// the process, the pid across processes, the time across restarts.
func (m *Maildir) uniqueName(now time.Time) string {
	b := make([]byte, 0, 48+len(m.host))
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, ".M"...)
	b = strconv.AppendInt(b, int64(now.Nanosecond()/1000), 10)
	b = append(b, 'P')
	b = strconv.AppendInt(b, int64(m.pid), 10)
	b = append(b, 'Q')
	b = strconv.AppendUint(b, m.seq.Add(1), 10)
	b = append(b, '.')
	b = append(b, m.host...)
	return string(b)
}

// dirSyncer shares directory fsyncs between concurrent writers (a group
// commit): a writer needs a sync that started after its rename, and one
// such sync serves every writer waiting for it. Under load that turns one
// fsync per copy into one per batch.
type dirSyncer struct {
	dir string

	mu       sync.Mutex
	cond     *sync.Cond
	running  bool
	started  uint64 // syncs begun
	finished uint64 // the number of the last sync that ended
	err      error  // its result
}

func (d *dirSyncer) sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cond == nil {
		d.cond = sync.NewCond(&d.mu)
	}
	// A sync already running may have begun before our rename; the
	// next one to start certainly began after it.
	need := d.started + 1
	for d.finished < need {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		n := d.started
		d.mu.Unlock()
		err := syncDir(d.dir)
		d.mu.Lock()
		d.running = false
		d.finished, d.err = n, err
		d.cond.Broadcast()
	}
	// A later sync that succeeded covers us even if ours failed.
	return d.err
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
