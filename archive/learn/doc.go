// Package learn reads a list's archive as people learn from it: each post
// as what its author wrote, each thread as a question, its answers and
// its topics. The weekly summaries (listserv/digest) are made from it,
// and the web may use it for an answers library or topic marks in thread
// pages without importing the digest room.
//
// A post passes through it like this:
//
//	QuickText / ReadContent   stored bytes → decoded text parts (the MIME
//	                          walk is listserv/mailmsg's)
//	OwnText, ProseText        → what the author wrote: no quotes,
//	                          attributions, pasted originals, signature,
//	                          list footer, greeting or sign-off
//	Sentences                 → the sentences worth quoting
//	Tokens, TermSet, DocFreq  → stemmed terms and their TF-IDF weights
//	                          against the list's own document frequencies
//	Read (posts → Reading)    → threads, replies; per thread IsQuestion,
//	                          QuestionText, Acknowledged (the answer the
//	                          asker thanked), BestAnswer, and the Gist of an
//	                          answer (biased LexRank) with its KeyTerms
//
// Nothing here touches a store or sends mail: Post is filled by the
// caller from what the archive keeps.
package learn
