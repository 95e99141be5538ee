// Package apppass holds the IMAP app passwords of members and the check a
// password login goes through.
//
// A post does not pass through this room: it guards the way members read
// the archive. `praxis member app-password LIST ADDR` asks Issue for a new
// password, which is shown once and stored only as an argon2id hash
// (Hash, in a PHC-style string that carries its own parameters and salt, so
// the parameters can be raised later without invalidating old hashes).
// When a member logs in to the archive's IMAP view with their address and
// a password, the IMAP server asks Authenticator.Login, which tries the
// password against the address's stored hashes (those of every list the
// address is a member of) and answers ErrLoginFailed for every failure.
//
// Failed logins are limited per client IP and per address (limiter.go), so
// that guessing is slow even from many connections at once; a login that
// would go over the limit is refused before any hash is computed, and the
// refusal looks exactly like a wrong password. Nodes sharing a PostgreSQL
// database count in the store instead (Authenticator.CountIn), so that a
// guesser has one quota however many nodes it reaches.
//
// The package knows nothing of IMAP: the IMAP server depends on it, not
// the reverse.
package apppass
