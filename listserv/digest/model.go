package digest

import (
	"regexp"
	"sort"
	"strings"
	"time"
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
}

// Author is how a summary names the post's author: the display name
// (without a list's " via cop"), else the local part of the address
// (summaries show no addresses).
func (p *Post) Author() string { return displayName(unvia(p.FromName), p.FromAddr) }

// who is the post's author key (Key, or computed when the Post was made
// by hand).
func (p *Post) who() string {
	if p.Key != "" {
		return p.Key
	}
	return authorKey(p.FromAddr, p.FromName)
}

// viaName matches the display name a list gives a post whose From it
// rewrote (Mailman's munge_from, Praxis's too): "Alice via cop".
var viaName = regexp.MustCompile(`^(.*\S)\s+via\s+\S.*$`)

func unvia(name string) string {
	if m := viaName.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return name
}

// authorKey is who wrote a post, for telling people apart: the address,
// or for a rewritten From (which carries the list's address) the name.
func authorKey(addr, name string) string {
	if m := viaName.FindStringSubmatch(name); m != nil {
		return "name:" + strings.ToLower(strings.Join(strings.Fields(m[1]), " "))
	}
	return strings.ToLower(addr)
}

func displayName(name, addr string) string {
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
	if m := lastFirst.FindStringSubmatch(n); m != nil {
		return m[2] + " " + m[1]
	}
	return n
}

// List is the list a period belongs to.
type List struct {
	ID      int64
	Address string // cop@example.org
	Name    string // the display name ("USRP-users")
	Prefix  string // the subject prefix ("[cop] "), may be empty
}

// Member is the reader of a personal summary.
type Member struct {
	Address   string
	Name      string
	Expertise []string // terms the member declared they can help with
	Joined    time.Time
}

// ParseExpertise splits a member's declared expertise ("rfnoc, fpga;
// gnu radio") into terms.
func ParseExpertise(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Period is what a summary is made from: the posts of a list up to the
// period's end, members, and each author's first post.
type Period struct {
	List       List
	Start, End time.Time // [Start, End)
	// Posts holds every loaded post dated before End, oldest first: the
	// period's, those of a longer window before it (for document
	// frequencies and for questions still waiting), and the earlier posts
	// of every thread active in the period.
	Posts   []*Post
	Members []Member
	// FirstPost maps an author's address to the date of their first post
	// in the archive; it covers at least every author of the period.
	FirstPost map[string]time.Time
	// DF is the document frequency table; Summarize builds it from Posts
	// when nil.
	DF *DocFreq
}

// In tells whether t falls in the period.
func (p *Period) In(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// thread is one conversation, its posts oldest first (up to the period's end).
type thread struct {
	id    string
	posts []*Post
	root  *Post
}

// threads groups posts by thread, each oldest first; the map is keyed by
// thread id.
func threads(posts []*Post, end time.Time) map[string]*thread {
	out := map[string]*thread{}
	for _, p := range posts {
		if !p.Date.Before(end) {
			continue
		}
		t := out[p.ThreadID]
		if t == nil {
			t = &thread{id: p.ThreadID}
			out[p.ThreadID] = t
		}
		t.posts = append(t.posts, p)
	}
	for _, t := range out {
		sort.SliceStable(t.posts, func(i, j int) bool { return before(t.posts[i], t.posts[j]) })
		t.root = t.posts[0]
	}
	return out
}

func before(a, b *Post) bool {
	if !a.Date.Equal(b.Date) {
		return a.Date.Before(b.Date)
	}
	return a.ID < b.ID
}
