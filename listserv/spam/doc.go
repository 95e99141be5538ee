// Package spam keeps spam off the lists: the checks a live post meets
// before its 250, and what a list does with what they found.
//
// A post that arrives by SMTP or LMTP (inbound.Spool.Receive, called by
// smtpin) is checked once, whatever lists it is for: the SPF record of
// its envelope sender's domain (RFC 7208, blitiri.com.ar/go/spf) for the
// connecting address, that address against each --dnsbl zone (RFC 5782),
// and its bytes by the content filter, rspamd (--rspamd, its HTTP
// protocol) or SpamAssassin's spamd (--spamd, the SPAMC protocol). A post
// taken from an IMAP mailbox meets the content filter alone: no address
// connected to us. The findings (a store.Spam) are written with the
// message, and Judge reads them with a list's settings: hold, discard,
// reject (refused at DATA with 550) or accept. A member's post is at most
// held, with the reason; a non-member's that no filter could score (down,
// too slow, too big) is held. DNS failures are no finding: a blocklist
// that does not answer lists nobody, and SPF's temperror holds nothing.
package spam
