// Package archive is a post as the archive sees it: what is read from its
// header for listings and threading (post.go), and, in the packages below,
// the mbox format (mbox), the full-text index (index) and the query
// language (query). Rows and bytes are kept by listserv/store; the index is
// always rebuildable from them. Each node has an index of its own, which
// the Indexer (indexer.go) keeps up with the store's index log, from the
// position it records in the index.
package archive
