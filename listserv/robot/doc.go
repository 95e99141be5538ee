// Package robot is the room for mail that asks for something rather than
// speaks to the list: the -request robot's commands (help, who, set,
// subscribe, unsubscribe, confirm), the -join and -leave addresses, the
// -confirm+TOKEN replies, and the subscriptions and one-click
// unsubscriptions the web and the CLI ask for too.
//
// A command message arrives from the spool in state received; Process
// reads its subject and first lines, runs what it finds, and answers with
// a results mail (within a day's quota per address). Anything that
// changes or reveals a member's settings runs at once only when
// authorship.Verifier.CommandProven says the mail is the sender's, signed,
// fresh and not replayed; otherwise the sender's address is asked to
// confirm it by a round trip, as a subscription is.
package robot
