// Package notice writes the mail Praxis sends of its own accord: the
// confirmation requests and welcomes of the robot, the moderators' notice
// of a held post, a rejection, the owners' bounce reports, a sign-in link.
//
// A Notice is rendered from templates/mail with go-message (a held post
// travels as message/rfc822, unencoded) and queued by Sender.Send in one
// transaction with its deliveries and, when it asks for a confirmation,
// with the request it asks about: neither exists without the other. The
// delivery queue sends it like any other copy, from the list's -bounces
// address, so that its own bounces come back to Praxis.
package notice
