package digest

import (
	"strings"
	"time"

	"praxis/archive/learn"
)

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
	Posts   []*learn.Post
	Members []Member
	// FirstPost maps an author's address to the date of their first post
	// in the archive; it covers at least every author of the period.
	FirstPost map[string]time.Time
	// DF is the document frequency table; Summarize builds it from Posts
	// when nil.
	DF *learn.DocFreq
	// Related holds, by thread id, the list's earlier answered threads
	// found related to the questions that opened the threads of the
	// Recent days (kept when they were archived: archive/related).
	Related map[string][]Related
}

// Related is an earlier answered thread related to a question.
type Related struct {
	ThreadID, Subject string
	Date              time.Time
	Posts             int
}

// In tells whether t falls in the period.
func (p *Period) In(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }
