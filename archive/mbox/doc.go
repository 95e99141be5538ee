// Package mbox reads and writes mailboxes in the mbox family: the format a
// community's existing archive arrives in when Praxis imports it, and the
// format Praxis hands its archive back in when a list leaves.
//
// # How an archive passes through
//
// An import opens the file and wraps it in a [Reader]. The Reader sniffs the
// gzip magic bytes, so "list.mbox" and "list.mbox.gz" take the same path,
// then hands out one [Message] at a time: the message's bytes as they were
// stored (after mboxrd unquoting), the envelope sender and date from its
// "From " separator line, and where in the file it began, so that an
// importer can name the spot when a message is rejected. Only the current
// message and one look-ahead line are in memory, so a multi-gigabyte
// archive costs no more than its largest message.
//
// An export does the reverse through a [Writer], which always writes mboxrd:
// the one variant whose quoting is reversible, so an export read back by
// this package or another mboxrd reader (public-inbox's, for one) gives the
// message bodies byte for byte.
//
// # The separator rule
//
// RFC 4155 Appendix A says a message starts at a line beginning with
// "From " that is either the first line of the file or follows an empty
// line. Real archives break both halves of that rule: Mailman's pipermail
// and several exporters write separators straight after the previous
// message's last line, and plain-mbox writers that did no quoting leave body
// lines such as "From Russia with love" unquoted after a paragraph break.
// Splitting on every "From " line after an empty one cuts such a message in
// two; requiring the empty line merges two messages into one. So the Reader
// asks more of a line before it calls it a separator:
//
//   - The line must look like an envelope: "From ", one sender word (an
//     address, "-", "MAILER-DAEMON", pipermail's "user at example.org"), and
//     a date in one of the layouts seen in the wild (asctime as RFC 4155
//     asks, asctime with a zone or without seconds, or an RFC 5322 date),
//     optionally followed by more words (qmail's mbox(5) "moreinfo", UUCP's
//     "remote from host").
//   - Such a dated line is a separator when it is the first line or follows
//     an empty line (the RFC 4155 rule), or when the next line looks like a
//     header field ("Name: value"): the fallback for archives without empty
//     lines. Reading that next line is the Reader's one line of look-ahead.
//   - A line with a sender but no date ("From -", as Netscape and
//     Thunderbird write, or Gmail Takeout's "From 1234@xxx"), or with a date
//     none of the layouts take but a time of day in it, is a separator only
//     when a header field follows, and the message says so in Malformed.
//
// So "From Russia with love" or "From the manual: do this" is body text
// wherever it stands: several words and no date. A dated "From " line left
// unquoted in a body still splits the message after an empty line, as
// RFC 4155 would; only quoting prevents that, and the Writer quotes. MimeKit,
// which splits at any "From " after an empty line, counts four messages in
// its own unmunged.mbox.txt test file; this package counts the two that
// were written.
//
// Empty lines before the first separator are skipped. Other text there is
// returned as a message of its own with Malformed set, never dropped.
//
// # Quoting
//
// RFC 4155 §2 notes that writers escape body lines beginning with "From "
// and that the schemes differ. mboxrd, the scheme public-inbox and this
// package write, prefixes a ">" to every line matching ">*From ", and a
// reader removes one ">" from every line matching ">+From ". Plain mbox
// ("mboxo") quoted only "From " to ">From " and left ">From " alone, so an
// mboxo file cannot be unquoted exactly: a body that really said ">From" is
// indistinguishable from a quoted "From". The Reader unquotes every file the
// mboxrd way, which is exact for mboxrd and, for mboxo, wrong only in that
// rare case; that is what mboxrd readers do and what public-inbox and
// Mailman exports need.
//
// Content-Length headers (the "mboxcl" variants) are ignored: they are
// written by the delivering agent, go stale when a client edits a message in
// place or a file is converted between line endings, and a wrong one would
// make the reader skip a separator or split inside a body. The separator
// rule above never needs them.
package mbox
