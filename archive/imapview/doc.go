// Package imapview serves the archive as read-only IMAP mailboxes (RFC
// 3501, with IDLE, UNSELECT, SASL-IR, NAMESPACE, SORT and THREAD): one
// mailbox per list the session may read, named by the list's address.
//
// It is the last room a post passes through: once archive.Archiver has
// stored a post (a row of the archive table and its bytes), a client
// reading the list over IMAP finds it here. go-imap v1.2.1's server speaks
// the protocol; this package is its backend (Backend, User, Mailbox) over
// the store, never the library's memory backend:
//
//   - a post's UID is its archive id and its sequence number its rank in
//     the list by id, both answered by SQL over the (list_id, id) index,
//     so a list of any size opens and is read in constant memory;
//   - UIDVALIDITY is the list's id, so it stays the same across restarts,
//     reindexing and a rebuilt index, and changes only when a list is
//     deleted and made again;
//   - INTERNALDATE is the post's archive date; RFC822.SIZE and every BODY
//     section come from the stored bytes with CRLF line endings (the size
//     counted when the post was archived and kept beside it);
//   - flags are kept per member in the store, per session for anonymous
//     sessions; a STORE is answered from the command, and the member's
//     other sessions on the list are told the new flags (FETCH); everything
//     that would change the archive answers NO [NOPERM];
//   - one poller per server reads the newest archive id of every list a
//     few times a second and tells each session that selected a list of
//     its new posts (* N EXISTS, while idling or not; NOOP asks at once);
//     a goroutine of each such session writes what it is told (poll.go),
//     so a client that does not read holds up no one else;
//   - the same poller reads the posts removed from the archives since its
//     last look from the index log, whichever node removed them, and tells
//     each session EXPUNGE by the post's sequence number in that session
//     (while idling, or at NOOP: never outside a command); a removed
//     post's row keeps its id, so its UID is never given again and
//     UIDNEXT, counted over removed posts too, never goes down.
//
// Who sees what: LOGIN anonymous (or AUTHENTICATE ANONYMOUS) sees the
// public lists; a member who logs in with an app password also sees the
// private lists they belong to. A private list is, to anyone else, a
// mailbox that does not exist. SEARCH, SORT and THREAD are answered by the
// Searcher (search.go, sortthread.go).
package imapview
