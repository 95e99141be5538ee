// Package bench is `praxis bench` (SPEC: Benchmark): it runs Praxis on a
// temporary data dir against loopback sinks it starts itself and measures
// each step of a post's path beside a ceiling taken in the same run.
//
// A post passes through it as it passes through serve. Ingest: eight
// SMTP clients send posts to the running server, and each 250 comes only
// once the post is committed to the spool; the ceiling is a bare go-smtp
// receiver that spools the same posts through the same group commit and
// does nothing else (ceiling.go). Fan-out: one post to a list of 10,000
// members, from its 250 to the last VERP copy at the sink; the ceiling is
// a bare go-smtp client into the same sink. Archive: the corpus imported
// (stored, threaded, indexed) as `praxis import mbox` does, beside a bare
// Bleve index, then the search mix in process and over HTTP, and one
// weekly summary (archive.go). Big post: twenty posts of 25 MB taken by
// serve in a child process, whose peak memory is the figure (bigpost.go).
//
// The package needs from the binary only what a Harness gives it: how to
// open the service, run the server and open the index, so cmd/praxis
// parses flags and prints, and the measuring lives here.
package bench
