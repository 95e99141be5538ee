package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"

	"praxis/listserv/store"
)

// The file: a gzip stream (RFC 1952) of a tar archive (POSIX ustar) whose
// first entry is ManifestName and whose next is the database, and
// nothing else. Readers refuse an entry they do not expect rather than
// skip it: a file that says more than they understand is a newer format.
const (
	// FormatName is the manifest's "format": what a foreign file lacks.
	FormatName = "praxis-backup"
	// FormatVersion is the format this build writes and the newest it
	// reads.
	FormatVersion = 1
	// ManifestName is the first entry.
	ManifestName = "MANIFEST.json"
	// maxManifest bounds the manifest a reader takes in.
	maxManifest = 1 << 20
)

// Errors a restore tells apart; the message says what was found.
var (
	// ErrNotBackup is a file that is no Praxis backup at all.
	ErrNotBackup = errors.New("not a Praxis backup")
	// ErrDamaged is a Praxis backup whose bytes are not those written.
	ErrDamaged = errors.New("the backup is damaged")
	// ErrNewer is a backup of a newer format or schema than this build's.
	ErrNewer = errors.New("the backup was made by a newer Praxis")
)

// Manifest describes a backup; it is the file's first entry, in JSON.
type Manifest struct {
	Format  string    `json:"format"`  // FormatName
	Version int       `json:"version"` // FormatVersion when written
	Created time.Time `json:"created"` // when the snapshot was taken (UTC)
	// Praxis is the version of the praxis that made it.
	Praxis string `json:"praxis_version"`
	// Schema is the highest migration applied to the database.
	Schema int `json:"schema"`
	// Source is the data dir it was taken from, for people.
	Source string `json:"source"`
	// Contents is what the database held, counted.
	Contents store.Contents `json:"contents"`
	// Files are the entries after the manifest, in order.
	Files []File `json:"files"`
}

// File is one entry of the archive after the manifest.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
}

// fileSum is the size and SHA-256 of the file at path.
func fileSum(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeArchive writes m and then the files it names (their bytes read
// from paths, by name) as the backup format to w.
func writeArchive(w io.Writer, m *Manifest, paths map[string]string) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	head, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	head = append(head, '\n')
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: ManifestName, Mode: 0o600, Size: int64(len(head)), ModTime: m.Created, Format: tar.FormatUSTAR}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(head); err != nil {
		return err
	}
	for _, f := range m.Files {
		if err := writeEntry(tw, f, paths[f.Name], m.Created); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func writeEntry(tw *tar.Writer, f File, path string, mod time.Time) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.Name, Mode: 0o600, Size: f.Size, ModTime: mod, Format: tar.FormatUSTAR}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	// CopyN: a file that grew after it was summed must not lengthen the
	// entry (tar would refuse), nor one that shrank shorten it unnoticed.
	if _, err := io.CopyN(tw, src, f.Size); err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return nil
}

// reader reads a backup: the manifest, then each file in turn.
type reader struct {
	zr *gzip.Reader
	tr *tar.Reader
	m  Manifest
}

// damaged wraps what went wrong in reading the bytes of a file that began
// as a Praxis backup.
func damaged(err error) error {
	return fmt.Errorf("%w: %w", ErrDamaged, err)
}

// openReader reads the manifest at the start of r and checks that it
// names a backup this build can restore.
func openReader(r io.Reader) (*reader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		// Not even a gzip stream: another kind of file altogether.
		return nil, fmt.Errorf("%w (it is no gzip file: %v)", ErrNotBackup, err)
	}
	unzipped := &sourceReader{r: zr}
	rd := &reader{zr: zr, tr: tar.NewReader(unzipped)}
	hdr, err := rd.tr.Next()
	if err != nil {
		if unzipped.err != nil {
			return nil, damaged(unzipped.err)
		}
		// The gzip stream is whole, and no tar archive.
		return nil, fmt.Errorf("%w (a gzip file, but no tar archive in it)", ErrNotBackup)
	}
	if hdr.Name != ManifestName || hdr.Typeflag != tar.TypeReg {
		return nil, fmt.Errorf("%w (its first entry is %q, not %s)", ErrNotBackup, hdr.Name, ManifestName)
	}
	if hdr.Size > maxManifest {
		return nil, fmt.Errorf("%w (its %s is %d bytes)", ErrNotBackup, ManifestName, hdr.Size)
	}
	raw, err := io.ReadAll(rd.tr)
	if err != nil {
		return nil, damaged(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&rd.m); err != nil {
		return nil, damaged(fmt.Errorf("%s: %w", ManifestName, err))
	}
	m := &rd.m
	// Printed to a terminal: a crafted file must not drive it.
	m.Praxis, m.Source = printable(m.Praxis), printable(m.Source)
	switch {
	case m.Format != FormatName:
		return nil, fmt.Errorf("%w (its %s names the format %q)", ErrNotBackup, ManifestName, m.Format)
	case m.Version > FormatVersion:
		return nil, fmt.Errorf("%w: its format is version %d, and this praxis reads up to %d: restore it with praxis %s or later", ErrNewer, m.Version, FormatVersion, m.Praxis)
	case m.Version < 1:
		return nil, damaged(fmt.Errorf("%s: format version %d", ManifestName, m.Version))
	case m.Schema > store.LatestSchema():
		return nil, fmt.Errorf("%w: its database has schema %d, and this praxis knows up to %d: restore it with praxis %s or later", ErrNewer, m.Schema, store.LatestSchema(), m.Praxis)
	}
	if len(m.Files) != 1 || m.Files[0].Name != store.SQLiteFile {
		return nil, damaged(fmt.Errorf("%s names %d files; a backup holds %s alone", ManifestName, len(m.Files), store.SQLiteFile))
	}
	for _, f := range m.Files {
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size || f.Size < 0 {
			return nil, damaged(fmt.Errorf("%s: %s has no size and SHA-256", ManifestName, f.Name))
		}
	}
	return rd, nil
}

// extract writes the next entry, which must be the manifest's file f,
// to a new file at path, and checks its size and SHA-256 as it goes.
func (rd *reader) extract(f File, path string) error {
	hdr, err := rd.tr.Next()
	if errors.Is(err, io.EOF) {
		return damaged(fmt.Errorf("%s is missing (the file ends early)", f.Name))
	}
	if err != nil {
		return damaged(err)
	}
	if hdr.Name != f.Name || hdr.Typeflag != tar.TypeReg {
		return damaged(fmt.Errorf("its entry %q is not the %s the manifest names", hdr.Name, f.Name))
	}
	if hdr.Size != f.Size {
		return damaged(fmt.Errorf("%s is %d bytes, and the manifest says %d", f.Name, hdr.Size, f.Size))
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	src := &sourceReader{r: rd.tr}
	_, err = io.Copy(io.MultiWriter(out, h), src)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if src.err != nil {
		return damaged(fmt.Errorf("%s: %w", f.Name, src.err))
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return damaged(fmt.Errorf("%s's SHA-256 is %s, and the manifest says %s", f.Name, got, f.SHA256))
	}
	return nil
}

// end checks that nothing follows the files and that the gzip stream
// ends whole (its CRC and length, checked at its end).
func (rd *reader) end() error {
	hdr, err := rd.tr.Next()
	if err == nil {
		return damaged(fmt.Errorf("an entry %q follows the files the manifest names", hdr.Name))
	}
	if !errors.Is(err, io.EOF) {
		return damaged(err)
	}
	if _, err := io.Copy(io.Discard, rd.zr); err != nil {
		return damaged(err)
	}
	return nil
}

// printable is s without control characters.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// sourceReader keeps the error of the backup's reading (a bad gzip CRC,
// a cut file: damage) apart from those of writing what it extracts (a
// full disk).
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return n, err
}
