package archive

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"praxis/archive/mbox"
	"praxis/listserv/mailmsg/corpus"
)

// corporaMessages reads every message of ../shared/corpora: the files
// corpus.Files lists (the tricky messages of other projects' suites, one
// a file, an mbox's each), and the usrp-users archive's posts. Without
// the corpora the test is skipped, except under CI, where it fails.
func corporaMessages(t testing.TB) [][]byte {
	t.Helper()
	root := filepath.Join("..", "..", "shared", "corpora")
	files := append(corpus.Files(t, root), filepath.Join(root, "usrp-users-archive", "usrp-users-2020-07_2021-12.mbox"))
	var raws [][]byte
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(path, ".mbox") {
			raws = append(raws, raw)
			continue
		}
		r, err := mbox.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		for {
			m, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			raws = append(raws, m.Raw)
		}
	}
	// The usrp archive alone holds 3,568.
	if len(raws) < 4000 {
		t.Fatalf("%d messages in %s, want the usrp archive's and the others'", len(raws), root)
	}
	return raws
}
