// Package digest makes what members read instead of every post: the
// learning summary of a period (usually a week) and the daily digests.
//
// A summary is made in three steps, each its own function so the analysis
// can be tested without a store:
//
//	Load (store → Period)     the period's posts with a year of history
//	                          before it, bodies cleaned to the author's own
//	                          words (archive/learn), the members, each
//	                          author's first post
//	Summarize (Period → Summary)
//	                          numbers, top threads by engagement (Score),
//	                          each with its question, the gist of its most
//	                          useful answer and key terms, as archive/learn
//	                          reads a thread; questions still waiting,
//	                          resources shared, people to thank, newcomers
//	Summary.For (member)      the personal copy: questions matching the
//	                          member's declared expertise first
//
// then RenderText and RenderHTML (templates in templates/digest, embedded)
// and Compose, which writes the multipart/alternative message with the list
// headers (jordan-wright/email).
//
// Digests take the stored bytes of the period's posts (Messages), whose
// subjects and authors are read by listserv/mailmsg as the relay and the
// archive read them:
// DigestMIME writes Mailman's MIME digest (a table of contents, then a
// multipart/digest of message/rfc822 parts that keep only Mailman's header
// fields and the original body), DigestRFC1153 the plain-text digest of
// RFC 1153.
//
// Nothing here sends mail or keeps state: the scheduler decides what is
// due, numbers digest issues, and queues the messages for delivery.
package digest
