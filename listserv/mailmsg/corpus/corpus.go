// Package corpus finds the real mail the tests read: the messages under
// ../shared/corpora beside the checkout (the big benchmark archive left
// out). It is for tests, as dnstest is.
package corpus

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Files lists every message file under root (a path to shared/corpora
// relative to the test's package). Where the corpora are truly absent the
// test is skipped, unless CI is set, where that is a failure; any other
// error, or an empty corpus, fails the test.
func Files(t testing.TB, root string) []string {
	t.Helper()
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("no corpora at %s (CI=true makes this a failure)", root)
	} else if err != nil {
		t.Fatalf("corpora at %s: %v", root, err)
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "usrp-users-archive" {
			return filepath.SkipDir
		}
		switch name := d.Name(); {
		case d.IsDir(), name == "SOURCE.md", name == "README", name == ".gitattributes":
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no messages under %s", root)
	}
	return files
}
