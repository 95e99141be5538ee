// Package delivery is the outbound queue: it sends the copies that the
// store's deliveries table holds, one row per (message, recipient).
//
// A dispatcher claims the due rows a batch at a time (store.ClaimDeliveries)
// and hands them to a pool of workers. A claim is a lease for this node
// (Config.Node, Config.Lease): several nodes sharing one PostgreSQL claim
// different copies, the queue renews its leases while it works through a
// batch, and the copies of a node that died are taken over by the others
// once its leases have run out. A node holds one batch at a time in
// memory, whatever the size of the list. Each worker keeps its SMTP
// sessions open and sends one transaction per copy (the VERP envelope
// sender differs for every recipient). Outcomes go to a committer that
// writes them in batches: a row is marked done only after the remote 250,
// and only by the node that still holds its lease, so a process killed
// mid-way sends again only the copies that were in flight. Their number is
// bounded (Config.MaxUnrecorded): when the commits fall behind, the workers
// wait for them rather than send on, so a slow disk or a busy machine does
// not widen the window.
//
// A copy's bytes are final once rendered; every line is then made to end in
// CRLF (transport.CRLF), before the copy is DKIM-signed, so the bytes signed
// are the bytes sent and no lone CR reaches a server that would end the data
// there.
//
// Temporary failures (4xx, connection errors) are retried with a growing
// backoff and given up after MaxAge; permanent ones (5xx) are recorded
// against the recipient for the bounce processor.
package delivery
