// Package mailmsg reads mail for every other part of Praxis: the header
// block, the fields people see (subject, author, addresses), RFC 2047
// encoded words in every charset go-message/charset knows, and the walk
// over a post's MIME parts. The relay, the archive, the web pages and the
// digests all read a post through it, so that they agree on what it says.
//
// A post passes through it like this:
//
//	Split / ReadHeader   raw bytes → header block and body, tolerantly: an
//	                     mbox "From " line is dropped, the header ends at the
//	                     first line that is no field (RFC 5322 §2.1, §2.2)
//	Subject, Author      one field → display text: encoded words decoded
//	                     (RFC 2047 §6), raw 8-bit read as UTF-8 (RFC 6532)
//	                     or else Windows-1252, white space collapsed
//	Walk                 the MIME tree → its readable leaves, one
//	                     alternative of each multipart/alternative
//	                     (RFC 2046 §5.1.4), bounded in depth and count
//
// What it does with mail that breaks the rules, so that every reader
// does the same:
//
//   - A repeated field: Subject and Author read the top-most one, the one a
//     mail reader shows. (Live mail with two From fields is refused before
//     it is read; see inbound.ErrAmbiguousAuthor.)
//   - A malformed field: an encoded word that does not decode (unknown
//     charset, broken encoding) is kept as written; a From that net/mail
//     refuses gives the last <…> or the last word with an @ as the address,
//     and the rest of its text as the name.
//   - A malformed header: the fields before the first line that is not one
//     are kept; the rest is body. Nothing here fails on content.
//
// The package imports nothing of Praxis: it is the leaf every room may use.
package mailmsg
