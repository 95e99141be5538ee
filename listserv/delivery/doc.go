// Package delivery is the outbound queue: it sends the copies that the
// store's deliveries table holds, one row per (message, recipient).
//
// A dispatcher pages through the due rows and hands them to a pool of
// workers; each worker keeps its SMTP sessions open and sends one
// transaction per copy (the VERP envelope sender differs for every
// recipient). Outcomes go to a committer that writes them in batches: a row
// is marked done only after the remote 250, so a process killed mid-way
// sends again only the copies that were in flight.
//
// Temporary failures (4xx, connection errors) are retried with a growing
// backoff and given up after MaxAge; permanent ones (5xx) are recorded
// against the recipient for the bounce processor.
package delivery
