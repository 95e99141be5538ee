// Package dmarc is where a list meets its authors' DMARC policies (RFC
// 7489), on the way in and on the way out.
//
// On the way in, Checker.Authenticate decides whether a post really comes
// from the domain in its From: when that domain publishes a policy and no
// valid DKIM signature aligned with it is on the post, the verdict is Fail,
// and the listserv treats the post as one from a non-member. A forged
// member address therefore cannot bypass moderation. SPF is not evaluated
// (Praxis sits behind an MTA, see Authenticate), so DKIM alone decides.
//
// Mail that acts on its sender's word alone (a -request command that
// changes settings) needs more than a From domain: Checker.Prove returns,
// for each valid signature aligned with the sender's domain, which header
// fields it covers and a key naming the signature, so the caller can ask
// that the signature cover the words that act and that it is used once.
// Fields reads a header the way the verifier does, so that what Praxis
// takes for the author is the From the signature covered.
//
// On the way out, a list changes what DMARC protects: it adds a subject
// prefix and a footer, which breaks the author's DKIM signature, and sends
// from its own servers, which fails the author's SPF. Receivers applying a
// p=quarantine or p=reject policy would then junk or bounce every copy,
// and bounce-processing would unsubscribe innocent members. So when
// Checker.Lookup finds such a policy (Policy.Strict), the listserv passes
// the post's header through Munge, which puts the list's own address in
// From and the author in Reply-To, as Mailman's munge_from does; Wrap is
// the alternative of Mailman's wrap_message, which sends the untouched post
// as an attachment of a message from the list.
//
// Policies are found through the *net.Resolver built from --dns, following
// RFC 7489 §6.6.3 (the author's domain, then its organizational domain from
// the Public Suffix List), and cached: a busy list asks once per domain per
// TTL. When the DNS cannot answer, Lookup returns an error and the caller
// should munge anyway: a munged From costs little, a rejected copy costs a
// member.
package dmarc
