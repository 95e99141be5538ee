// Package check is the posting rule chain: the room a post passes through
// after the spool and before delivery and the archive.
//
// It works in two steps. Gather reads everything the rules need about one
// post (its header's loop and auto-reply marks, its author, whether the
// author is a member and banned, whether DMARC lets the From be taken at
// its word, its size, its recipients) into Facts; the reads go through
// the small Source interface. Decide then applies the list's policy to the
// Facts and returns the Decision: accept, hold, reject, discard or drop,
// with the reason a moderator or the sender is shown. Decide is a pure
// function: its table tests need no database and no DNS.
package check
