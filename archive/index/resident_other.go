//go:build !linux

package index

// dropMapped does nothing where the resident set is not advised.
func dropMapped([]byte) error { return nil }
