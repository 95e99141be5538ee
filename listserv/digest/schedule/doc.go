// Package schedule holds the digest scheduler: serve has no cron job, it
// looks every minute for the digests and learning summaries that are due
// and sends them (listserv's RunDigests composes them and queues a copy
// per member; the delivery queue sends them).
//
// A post passes through here only as part of a period: once the period of
// a list's digest or summary has ended at the list's hour, the next tick
// finds it due and the run queues the mail. A run a crash left half done
// is finished first, by RunDigests itself, without repeating anyone.
package schedule
