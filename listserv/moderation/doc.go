// Package moderation is the held queue: the room a post waits in when the
// checks hold it, until a moderator decides or the list's HoldDays pass.
//
// Notify tells the moderators of a held post (the post attached, or its
// header and first lines when big) with a -confirm+TOKEN address, and
// writes the request that makes the post expire in the same transaction.
// TellWaiting tells a non-member author, once a day per list (a job claim
// in the store, so once across nodes) and never a bulk or automatic
// sender, that the post waits. HeldPost gives one held post whole, for the
// web's page of it, which the notice links to.
// Approve hands the post on to the same step an accepted post takes
// (archive and delivery, through the Accept function it is given);
// Reject tells the author why; Discard says nothing. Expire rejects the
// posts nobody decided. Each decision is a state change of the spooled
// message, so two moderators deciding at once decide once.
package moderation
