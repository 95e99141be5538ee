// Package imapin is the IMAP adapter of the inbound room (--imap-ingest):
// for communities whose list address lives at a hosted provider, it logs
// in to that mailbox with go-imap's client and hands each message that
// arrives there to the inbound Receiver, exactly as smtpin hands over a
// message received by SMTP: the envelope sender is its Return-Path (or
// its From), the recipient the list's posting address, and from the spool
// on the post follows the same path (checks, moderation, archive,
// delivery).
//
// Exactly once. A message of the mailbox is named for good by (source,
// UIDVALIDITY, UID) (RFC 3501 §2.3.1.1), the source being the user, host
// and mailbox, not how they are reached (imap:// or imaps://, the port). That key is written in the same
// transaction as the spooled message (store.SpoolIngest, through
// inbound.Envelope.Ingest), so a crash at any moment leaves both or
// neither; a recorded key is never spooled again. Only after that commit
// is the message flagged \Seen, moved or deleted (after=), and an
// after-action that failed is retried on the next pass: it is safe to
// repeat, because a recorded message is never reposted whatever its flags.
// after=move on a server without MOVE is a COPY and then a delete; the
// folder's UIDNEXT is recorded before the COPY, so that a retry finds the
// copies an interrupted one made and does not copy them twice (after.go).
//
// A message too big (its RFC822.SIZE over max-message-bytes, checked before
// its body is fetched) or unreadable is refused as SMTP would refuse it:
// recorded with the reason, logged, left in the mailbox untouched, and not
// fetched again.
//
// The connection: imaps:// is TLS from the first byte; imap:// runs
// STARTTLS when the server offers it (starttls.go, before the client takes
// the connection) and sends a password in the clear only to a loopback
// address. Certificates are verified. go-imap v1.2.1 allocates an
// announced literal whole, so a guard on the plaintext (literal.go) ends
// a session whose server announces one over twice max-message-bytes.
//
// One Ingester per source, each its own goroutine (Run): IDLE when the
// server offers it, a poll every PollInterval otherwise; on any failure
// the connection is dropped and made again after a backoff that doubles up
// to MaxBackoff. The last error is kept in the store for `praxis list show`.
//
// One node at a time (lease.go): nodes sharing a database may all be
// given the mailbox, and only the holder of its lease in the store
// connects to it; it leaves the mailbox when it cannot renew the lease in
// time, and another node takes over when it is released or runs out.
package imapin
