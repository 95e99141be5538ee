// Package relay makes what members get of an accepted post: the bytes its
// copies are built from, and what the rewriter needs of the list.
//
// When the author's domain publishes a strict DMARC policy, a copy relayed
// with the author's From would fail DMARC at the members' servers, so the
// From is rewritten to the list (munge) or the post is wrapped, as the
// list chooses; the choice is made once per post and stored, so every
// copy and every restart agree. The delivery queue then hands these bytes
// and the list's settings to the rewrite package for each copy's headers
// and footer.
package relay
