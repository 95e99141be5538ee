package rewrite

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// corporaDir holds real-world mail from other projects' test suites, shared
// between the project's packages. It is not part of this repository.
const corporaDir = "../../../shared/corpora"

// TestCorpora runs every file of the shared corpora (except the big mailing
// list archive, which is mbox files the importer's tests cover) through
// Prepare and Write. No file may panic, every copy's header must read back
// with the List-Id line, and the original body bytes must be in the copy.
func TestCorpora(t *testing.T) {
	if _, err := os.Stat(corporaDir); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("corpora not present at %s (CI=true makes this a failure)", corporaDir)
	} else if err != nil {
		t.Fatalf("corpora at %s: %v", corporaDir, err)
	}
	var files []string
	err := filepath.WalkDir(corporaDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "usrp-users-archive" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	placements := map[Placement]int{}
	var prepareErrs, reparsed int
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Prepare(raw, testList, "corpus-1@example.org")
		if err != nil {
			prepareErrs++
			if len(raw) != 0 {
				t.Errorf("%s: Prepare: %v", path, err)
			}
			continue
		}
		placements[c.Placement()]++
		out := writeCopy(t, c, testUnsubscribeURL)

		hdr, body := headerBlock(out)
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(hdr)))
		if err != nil {
			t.Errorf("%s: copy's header does not read back: %v", path, err)
			continue
		}
		if got := h.Get("List-Id"); got != "Community of Practice <cop.example.org>" {
			t.Errorf("%s: List-Id %q", path, got)
		}
		orig := splitMessage(raw).body
		switch c.Placement() {
		case FooterNone, FooterSkippedSigned, FooterSkippedUnsafe:
			if !bytes.Equal(body, orig) {
				t.Errorf("%s: body not relayed byte for byte", path)
			}
		case FooterAppended, FooterWrapped:
			if !bytes.Contains(body, orig) {
				t.Errorf("%s: original body missing", path)
			}
		case FooterPart:
			if !bytes.HasPrefix(body, c.body[0]) || !bytes.HasSuffix(body, c.body[2]) || len(c.body[0])+len(c.body[2]) != len(orig) {
				t.Errorf("%s: original body not kept around the footer part", path)
			}
		}

		// A copy of a post go-message can read must be readable too,
		// with the footer where we put it.
		if _, _, err := mimeSummary(raw, "\x00"); err != nil {
			continue
		}
		_, footers, err := mimeSummary(out, testList.Footer)
		switch {
		case err != nil && !message.IsUnknownCharset(err):
			t.Errorf("%s: original reads, copy does not: %v", path, err)
		case err == nil && (c.Placement() == FooterPart || c.Placement() == FooterWrapped || c.Placement() == FooterAppended) && footers == 0:
			t.Errorf("%s: %v footer not readable", path, c.Placement())
		default:
			reparsed++
		}
	}

	var names []string
	for p, n := range placements {
		names = append(names, p.String()+"="+strconv.Itoa(n))
	}
	sort.Strings(names)
	t.Logf("%d files: %s; Prepare errors %d (empty files); %d copies of readable posts re-read, footers found",
		len(files), strings.Join(names, " "), prepareErrs, reparsed)
}
