// Package dkim signs the mail a list sends with its domain's key (RFC 6376),
// so that each copy a member receives can be tied to the list's domain even
// though the list changed its Subject, added a footer, rewrote From or added
// a personal List-Unsubscribe.
//
// A post passes through here last. Once delivery has built the copy for one
// member, Signer.Sign hashes it and returns the DKIM-Signature field, which
// the caller puts on top of the copy before queueing it. GenerateKey and
// TXTRecord are for the operator: make a key once, then publish its public
// half at <selector>._domainkey.<domain>.
//
// # Choices
//
// Keys are RSA, 2048 bits, signed with rsa-sha256: RFC 8301 §3.1 makes
// rsa-sha256 the one algorithm every verifier must support, and §3.2 asks
// signers for at least 1024 bits and recommends 2048. Ed25519 (RFC 8463)
// would be shorter and faster, but receivers that do not verify it treat
// such a signature as absent, so it could only ever be a second signature.
//
// Canonicalization is relaxed/relaxed (RFC 6376 §3.4.2, §3.4.4): it
// survives relays that refold header fields or change trailing whitespace,
// which simple/simple does not.
//
// The signed fields are a fixed list: the ones a reader sees or replies
// with, the MIME fields that decide how the body is read, and the list
// fields of RFC 2369, RFC 2919 and RFC 8058. RFC 8058 §4 requires
// List-Unsubscribe and List-Unsubscribe-Post to be covered by a valid
// signature before a receiver offers one-click unsubscription. From,
// List-Unsubscribe and List-Unsubscribe-Post are oversigned (named once
// more in h= than they occur, RFC 6376 §5.4.2), so that nobody can add a
// second instance after signing without breaking the signature.
//
// # Cost
//
// go-msgauth (v0.7.0) hashes the body inside every signature it makes and
// has no way to hand it a body hash computed earlier, so the 10,000 copies
// of one post, which differ only in List-Unsubscribe, each hash their body
// again. BenchmarkSign measured, on one core of a 2-core AMD EPYC: 1.1 ms
// per copy with a 2 KiB body (almost all of it the RSA signature), 1.5 ms
// at 64 KiB and 7.2 ms at 1 MiB, so about 6 ms per MiB of body on top of the
// signature. For 10,000 copies that is 11 s of CPU for a short post and 72
// s for one with a 1 MiB attachment. Caching the body hash would need a
// signer of our own; the RSA cost would remain. Sign is safe for
// concurrent use, so delivery workers can share a Signer and spread it.
//
// # ARC
//
// There is no ARC sealing (RFC 8617) here: go-msgauth v0.7.0 signs and
// verifies DKIM only and has no ARC support, and a half-made ARC chain is
// worse than none. Receivers see the list's own DKIM signature and, when the
// author's domain is strict, a From rewritten by praxis/listserv/dmarc.
package dkim
