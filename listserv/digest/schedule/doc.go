// Package schedule is the digest room's runs: which period of a list's
// daily digest or weekly learning summary is due (schedule, in the list's
// own time zone), and sending it once to each reader (Digests.RunDigests:
// composed by the digest package, one copy queued per member in the same
// transaction that records the member as reached). The Scheduler looks
// every minute for what is due; serve has no cron job.
//
// A post passes through here only as part of a period: once the period of
// a list's digest or summary has ended at the list's hour, the next tick
// finds it due and the run queues the mail. A run a crash left half done
// is finished first, without repeating anyone.
package schedule
