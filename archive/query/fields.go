package query

// The archive index's field names. The index mapping and this package must
// agree on them, so both take them from here. The analyser each one expects
// is noted because the queries built here depend on it: keyword fields get
// exact TermQuery lookups, analysed fields get MatchQuery and
// MatchPhraseQuery so that the query text goes through the same analyser as
// the indexed text.
const (
	// FieldList is the list's name (keyword).
	FieldList = "list"
	// FieldMessageID is the Message-ID without angle brackets (keyword).
	FieldMessageID = "message_id"
	// FieldThread is the thread's id (keyword).
	FieldThread = "thread"
	// FieldSubject is the Subject header (analysed text).
	FieldSubject = "subject"
	// FieldFrom is the From display name and address (analysed text).
	FieldFrom = "from"
	// FieldFromAddr is the From address in lower case (keyword).
	FieldFromAddr = "from_addr"
	// FieldTo holds the To and Cc names and addresses (analysed text).
	FieldTo = "to"
	// FieldBody is the body's own, non-quoted text (analysed text).
	FieldBody = "body"
	// FieldQuoted is the body's quoted text, "> " lines (analysed text;
	// the first 2 KB of each post's, index.quotedBytes).
	FieldQuoted = "quoted"
	// FieldAttachment holds the attachments' file names (analysed text).
	FieldAttachment = "attachment"
	// FieldHasAttachment says whether the post has an attachment (boolean).
	FieldHasAttachment = "has_attachment"
	// FieldDate is the post's date (datetime).
	FieldDate = "date"
)

// freeFields are the fields a word without a prefix is looked for in.
// Quoted text is left out on purpose: every reply quotes the post before
// it, so counting quotes would make a whole thread hit for a word that one
// person wrote once, and push the post that said it down the results.
// Someone who wants quotes asks with q:. To and Cc are left out too, as
// public-inbox leaves them out of its unprefixed terms: every post names
// the list there, so "usrp" on usrp-users would match the whole archive;
// t:, c: and a: ask for them.
var freeFields = []string{FieldSubject, FieldBody, FieldFrom, FieldAttachment}

// prefixKind says how a prefix's value is read.
type prefixKind int

const (
	kindText      prefixKind = iota // words and phrases on analysed fields
	kindAddress                     // like kindText, but an address is matched whole
	kindMessageID                   // one literal Message-ID
	kindDate                        // a day, month, year or range of them
	kindHas                         // has:attachment
)

type prefix struct {
	name   string
	kind   prefixKind
	fields []string
	about  string // for the error that lists the prefixes
}

// prefixes are public-inbox's, restricted to what the archive indexes.
// c: and tc: match the same field as t: because the index keeps To and Cc
// together; they are accepted so that habits from public-inbox work.
var prefixes = []prefix{
	{"s", kindText, []string{FieldSubject}, "subject"},
	{"f", kindAddress, []string{FieldFrom}, "from"},
	{"t", kindAddress, []string{FieldTo}, "to/cc"},
	{"c", kindAddress, []string{FieldTo}, "to/cc"},
	{"tc", kindAddress, []string{FieldTo}, "to/cc"},
	{"a", kindAddress, []string{FieldFrom, FieldTo}, "any address"},
	{"b", kindText, []string{FieldBody}, "body"},
	{"bs", kindText, []string{FieldSubject, FieldBody}, "subject or body"},
	{"nq", kindText, []string{FieldBody}, "non-quoted text"},
	{"q", kindText, []string{FieldQuoted}, "quoted text"},
	{"m", kindMessageID, []string{FieldMessageID}, "Message-ID"},
	{"d", kindDate, []string{FieldDate}, "date"},
	{"has", kindHas, []string{FieldHasAttachment}, "has:attachment"},
}

func lookupPrefix(name string) (prefix, bool) {
	for _, p := range prefixes {
		if p.name == name {
			return p, true
		}
	}
	return prefix{}, false
}
