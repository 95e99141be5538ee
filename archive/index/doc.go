// Package index holds the archive's full-text index: a Bleve index (scorch,
// Bleve v2's default engine) in one directory, with the field names that
// praxis/archive/query builds its queries on.
//
// A post passes through here like this: the archiver parses a message into
// a Doc and, about 500 at a time, hands them to Put, which indexes them in
// one batch. The web search page (or the IMAP SEARCH command) parses the
// reader's text with query.Parse, scopes it with query.Scoped and calls
// Search, which returns one page of Hits sorted by relevance or by date,
// with highlighted snippets and facets by author and month. A Hit carries
// only what a hit list shows; the page links to the message by its ID,
// which the archive's store resolves.
//
// The index is a cache of the archive: Open returns ErrCorrupt when the
// directory cannot be read as an index, so that the caller can delete and
// rebuild it from the store, and ErrLocked when another process holds it,
// so that a second "praxis" fails fast instead of hanging on the lock.
package index
