package store

// What the external tests (package store_test) reach inside for.
var (
	// CopyBatchRows lets a test make the copy's batches small.
	CopyBatchRows = &copyBatchRows
	// CopySkipped are the tables the copy leaves out on purpose.
	CopySkipped = copySkipped
	// SpoolTimeout lets a test shorten the group commit's bound.
	SpoolTimeout = &spoolTimeout
)
