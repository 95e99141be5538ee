package learn

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"praxis/listserv/mailmsg"
)

// Post is one archived post as summaries read it.
type Post struct {
	ID        int64
	MessageID string
	ThreadID  string
	ParentID  string // Message-ID of the post it replies to; may name a post not archived
	Date      time.Time
	FromAddr  string // lower case
	FromName  string
	// Key tells authors apart: the address, or, when a list rewrote From
	// to itself for DMARC ("Alice via cop" <cop@…>), the name.
	Key     string
	Subject string
	// Body is what the author wrote: the first text part without quoted
	// lines, attribution lines, a pasted original message, the signature
	// and the list footer.
	Body        string
	Attachments []string
	// Features are the judgements of its words, as Judge made them when
	// it was archived; zero when not at hand (Reading.Features then
	// works them out).
	Features Features
	// Links are the links Body shares (archive.Links), as they were
	// found when it was archived; nil when not at hand (a summary then
	// finds them).
	Links []string
}

// Author is how a summary names the post's author: the display name
// (without a list's " via cop"), else the local part of the address
// (summaries show no addresses).
func (p *Post) Author() string { return DisplayName(mailmsg.Demunged(p.FromName), p.FromAddr) }

// Who is the post's author key (Key, or computed when the Post was made
// by hand).
func (p *Post) Who() string {
	if p.Key != "" {
		return p.Key
	}
	return mailmsg.AuthorKey(p.FromAddr, p.FromName)
}

// DisplayName is how a summary names a person: the display name
// ("Last, First" turned round), else the local part of the address.
func DisplayName(name, addr string) string {
	if n := strings.TrimSpace(strings.Trim(name, `"'`)); n != "" && !strings.Contains(n, "@") {
		return firstLast(n)
	}
	if at := strings.IndexByte(addr, '@'); at > 0 {
		return addr[:at]
	}
	if name != "" {
		if at := strings.IndexByte(name, '@'); at > 0 {
			return name[:at]
		}
	}
	return addr
}

// lastFirst matches a directory-style name, "Rich, Michael" or
// "Clark (US), Kenneth C".
var lastFirst = regexp.MustCompile(`^([\p{L}'’-]+(?: [\p{L}'’-]+)?)(?: \([^)]*\))?, ([\p{L}'’.-]+(?: [\p{L}'’.-]+){0,2})$`)

// firstLast writes a "Last, First" name the way people say it.
func firstLast(n string) string {
	if !strings.Contains(n, ", ") {
		return n // the pattern's comma and space: most names have none
	}
	if m := lastFirst.FindStringSubmatch(n); m != nil {
		return m[2] + " " + m[1]
	}
	return n
}

// Thread is one conversation, its posts oldest first (up to the period's end).
type Thread struct {
	ID    string
	Posts []*Post // oldest first
	Root  *Post   // the first post the archive has
}

// Threads groups posts by thread, each oldest first; the map is keyed by
// thread id.
func Threads(posts []*Post, end time.Time) map[string]*Thread {
	out := map[string]*Thread{}
	for _, p := range posts {
		if !p.Date.Before(end) {
			continue
		}
		t := out[p.ThreadID]
		if t == nil {
			t = &Thread{ID: p.ThreadID}
			out[p.ThreadID] = t
		}
		t.Posts = append(t.Posts, p)
	}
	for _, t := range out {
		// Posts mostly come in order (a summary's Load gives them so),
		// and a thread's are then in order already.
		if !slices.IsSortedFunc(t.Posts, ComparePosts) {
			slices.SortStableFunc(t.Posts, ComparePosts)
		}
		t.Root = t.Posts[0]
	}
	return out
}

// ComparePosts orders posts as Before does, for the slices package's
// sorts. Their stable sort is sort.SliceStable's own algorithm, so a list
// sorts to the same order either way, without the reflection sort.Slice
// swaps with (at a hundred times the usrp archive's traffic, a tenth of a
// summary's sorting).
func ComparePosts(a, b *Post) int {
	switch {
	case Before(a, b):
		return -1
	case Before(b, a):
		return 1
	}
	return 0
}

func Before(a, b *Post) bool {
	if !a.Date.Equal(b.Date) {
		return a.Date.Before(b.Date)
	}
	return a.ID < b.ID
}
