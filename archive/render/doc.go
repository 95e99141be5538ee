// Package render turns a stored post (its raw RFC 5322 bytes, possibly
// malformed) into what the web archive shows: decoded header values, the
// readable body split into blocks, sanitised HTML for HTML-only mail, the
// list of attachments, and the links the author shared.
//
// A post passes through it in three steps:
//
//  1. mime.go reads the header (go-message's reader, with a lenient
//     fallback for broken headers) and splits multipart bodies into a tree
//     of entities, numbering every leaf depth-first. The numbers are the
//     stable part numbers that AttachmentData takes.
//  2. walk.go chooses what is read and what is attached: text/plain is
//     preferred over its text/html alternative; each inline text part of a
//     multipart/mixed is a Part; an attached message (message/rfc822) is
//     listed as an attachment and its text is shown too; everything else
//     is an attachment with a filename and a type that is safe to serve.
//  3. blocks.go splits plain text into plain, quoted, signature and
//     mailing-list footer blocks; html.go sanitises HTML with bluemonday
//     so that nothing in it can run script or fetch anything remote.
//
// Render, AttachmentData and Links never panic and never fail: whatever
// cannot be parsed is shown as well as it can be (a header that cannot be
// read leaves the whole message as text, a multipart without its
// boundary is shown as text, an unknown charset is read as Windows-1252).
package render
