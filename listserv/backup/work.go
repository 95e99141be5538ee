package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// workDir is a directory where a backup or a restore builds what it then
// renames into place. It is locked (flock) for as long as its process
// runs, and the kernel drops the lock when the process dies however it
// dies: a work directory nobody holds is a killed run's, which the next
// run removes.
type workDir struct {
	path string
	lock *os.File
}

// newWorkDir makes and locks a work directory in parent, named prefix
// and a random suffix; first it removes the work directories of killed
// runs with that prefix.
func newWorkDir(parent, prefix string) (*workDir, error) {
	if err := removeAbandoned(parent, prefix); err != nil {
		return nil, err
	}
	// Made under another name and locked before it takes its own, so
	// that no removeAbandoned finds it unlocked in between (a run killed
	// in that moment leaves an empty directory).
	tmp, err := os.MkdirTemp(parent, ".praxis-new-")
	if err != nil {
		return nil, err
	}
	lock, err := os.Open(tmp)
	if err == nil {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	path := filepath.Join(parent, prefix+strings.TrimPrefix(filepath.Base(tmp), ".praxis-new-"))
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("work directory in %s: %w", parent, err)
	}
	return &workDir{path: path, lock: lock}, nil
}

// remove deletes the work directory and what is left in it.
func (w *workDir) remove() error {
	err := os.RemoveAll(w.path)
	w.lock.Close()
	return err
}

// removeAbandoned removes the directories in parent named prefix… that
// no running process holds locked.
func removeAbandoned(parent, prefix string) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		path := filepath.Join(parent, e.Name())
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close() // a run in progress
			continue
		}
		rerr := os.RemoveAll(path)
		f.Close()
		if err == nil && rerr != nil {
			return fmt.Errorf("removing %s, left by a killed run: %w", path, rerr)
		}
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
