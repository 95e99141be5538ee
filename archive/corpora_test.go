package archive

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"praxis/archive/mbox"
)

// corporaMessages reads every message of ../shared/corpora: each message
// of an mbox file, and every other file whole (the tricky messages of
// other projects' suites are one a file). Without the corpora the test
// is skipped, except under CI, where it fails.
func corporaMessages(t testing.TB) [][]byte {
	t.Helper()
	root := filepath.Join("..", "..", "shared", "corpora")
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("no corpora at %s (CI=true makes this a failure)", root)
	}
	var raws [][]byte
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(path, ".mbox") {
			raws = append(raws, raw)
			return nil
		}
		r, err := mbox.NewReader(bytes.NewReader(raw))
		if err != nil {
			return err
		}
		for {
			m, err := r.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			raws = append(raws, m.Raw)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The usrp archive alone holds 3,568.
	if len(raws) < 4000 {
		t.Fatalf("%d messages in %s, want the usrp archive's and the others'", len(raws), root)
	}
	return raws
}
