// Package backup writes a SQLite installation into one file and brings
// it back (`praxis backup FILE`, `praxis restore FILE --data DIR`).
//
// Everything an installation keeps that cannot be made again is in its
// database: lists and members, the spool (every post that got a 250,
// processed or not), the delivery queue, the archive, held posts and
// pending confirmations, digest runs, DKIM keys and the secrets that sign
// every token and one-click link. The rest of a data dir is made again
// or is not state: the full-text index is rebuilt from the archive, the
// outbox is what was delivered, tmp holds mail in transit (unlinked, and
// only before its 250), and the control socket is the running serve's.
//
// A backup is a gzip'd tar (format.go) of two entries: MANIFEST.json,
// which names the format and its version, when and by which Praxis it was
// made, the schema's version, what the installation held (counted), and
// the size and SHA-256 of each file; then praxis.db, a snapshot that
// store.Snapshot takes with VACUUM INTO while serve goes on taking mail.
// Create builds it in a locked directory beside FILE and renames it into
// place, so a killed backup leaves FILE as it was; the next backup
// removes what a killed one left. Restore reads the manifest first,
// refuses what is not a Praxis backup, is damaged (a checksum, a size, the
// gzip's CRC) or is of a newer schema, writes the database and the
// rebuilt index into a locked directory inside the empty target, checks
// the database (quick_check, the counts of the manifest), and moves them
// into place last.
package backup
