// Package listserv is the list domain: lists, members, roles and policies,
// and the Service that the SMTP receiver, the CLI and the web call.
//
// It owns the journey of a post:
//
//	receive (smtpin) → spool (store, durable before the 250)
//	  → check (loops, auto-replies, posting policy) → hold | accept
//	  → queue one delivery per recipient (store) → fan out (delivery)
//
// Every arrow is a state change in the store, so a restarted process picks
// the journey up where it stopped.
package listserv
