// Package smtpin is the go-smtp adapter of the inbound room, for SMTP and
// for LMTP: it routes envelope recipients through an inbound.Receiver's
// Resolve, reads DATA through a size limit, and hands the bytes to its
// Receive, which returns only once they are committed to disk.
//
// It is the one place where errors become SMTP replies (errors.go): core
// code returns ordinary errors, and this package maps them to bare
// *smtp.SMTPError values with RFC 3463 enhanced codes. Anything unexpected
// becomes 451 4.3.0 with a log id, so no internal text leaks to a client.
//
// DATA is read into memory only up to a share of a budget shared by the
// receivers of a process (Memory), then into an unlinked temporary file;
// the whole message is read back once, in a buffer of its exact size, when
// the budget has room for it and the store's copies of it (data.go,
// memory.go). go-smtp's reader misses an end of data after a line that
// ends in CR CR LF; dataEnd finds it (dataend.go).
//
// Abuse limits live here too (limits.go): caps on concurrent connections,
// in all and per client address (421); sessions that talk but send no mail
// are closed (421) after IdleCommands commands or IdleTime; a session that
// names many unknown recipients is slowed down, then closed; and a
// per-client rate limit on transactions (451).
package smtpin
