package index

import "golang.org/x/sys/unix"

// dropMapped takes a read-only shared file mapping's pages out of the
// process's page tables. MADV_DONTNEED on a file mapping loses nothing:
// the pages are the file's, and a later read maps them again from the
// page cache (or the disk).
func dropMapped(b []byte) error { return unix.Madvise(b, unix.MADV_DONTNEED) }
