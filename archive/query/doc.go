// Package query holds the archive's search language and turns what a person
// types into the search box into a Bleve query object.
//
// The language is public-inbox's, because the people who read mailing-list
// archives already know it: free words and "quoted phrases", field prefixes
// (s: subject, f: from, t: to/cc, b: body, bs: subject or body, a: any
// address, q: quoted text, nq: non-quoted text, m: Message-ID, d: date
// range, has:attachment), the upper-case operators AND, OR and NOT, -word
// and +word, and parentheses. NOT binds tighter than AND, AND tighter than
// OR, and terms written side by side are ANDed.
//
// A search passes through here like this: the web handler (or the IMAP
// SEARCH command, or the bench) calls Parse with the text; Parse lexes it,
// parses it into a small tree, checks it against the limits (no leading
// wildcards, no regular expressions, at most Options.MaxTerms terms, at
// most Options.MaxPhraseWords words in one phrase and Options.MaxWords in
// all, since each word becomes searchers Bleve walks; no word longer than
// 100 characters; fuzzy words and wildcard stems of at most 40, and at
// most Options.MaxExpanding of them, since each becomes an automaton
// Bleve builds per field) and
// builds Bleve queries on the field names this package exports, which the
// archive index's mapping uses too. The caller then wraps the result with
// Scoped so that it can only ever match the lists the reader may see, and
// hands it to the index. Every refusal is an *Error carrying the byte
// offset of the offending text, so the search page can point at it.
//
// String renders a query tree as short deterministic text; the tests
// compare against it and it is handy in logs.
package query
