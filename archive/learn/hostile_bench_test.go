package learn

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Hostile shapes of threads for Topics and the per-post judgements,
// found by attacking them (issue 16). They are benchmarks, not tests, so
// that a busy machine fails nothing; each once cost seconds:
//
//	BenchmarkManyMeTooOnBigRoot   22 s (the first post re-read per reply) → 0.03 s
//	BenchmarkManyStrayReplies     2.3 s (a topic re-sorted per join) → 0.09 s
//	BenchmarkManyConfirmations    3 min (each confirming sentence read the rest again) → 0.15 s

var hostileDay = time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)

func hostilePost(id, thread, parent, from, subject, body string, min int) *Post {
	return &Post{ID: int64(min), MessageID: id, ThreadID: thread, ParentID: parent, Date: hostileDay.Add(time.Duration(min) * time.Minute),
		FromAddr: from, Key: from, FromName: strings.Split(from, "@")[0], Subject: subject, Body: body}
}

// BenchmarkManyMeTooOnBigRoot: a 200 KiB first post and 2,000 newcomers
// each reporting "the same problem" on a model (each asks newModel).
func BenchmarkManyMeTooOnBigRoot(b *testing.B) {
	root := "My X310 fails. " + strings.Repeat("The radio abc123 device shows overflow errors on board rev42 again ", 3000)
	posts := []*Post{hostilePost("r", "t", "", "ann@x", "X310 overflow", root, 0)}
	for i := range 2000 {
		posts = append(posts, hostilePost(fmt.Sprintf("p%d", i), "t", "r", fmt.Sprintf("u%d@x", i), "Re: X310 overflow",
			"I have the same problem here with the X310, any idea?", i+1))
	}
	for range b.N {
		Read(posts, hostileDay.AddDate(1, 0, 0)).Topics()
	}
}

// BenchmarkManyStrayReplies: 20,000 replies without reply headers, all
// joined to one conversation by their subject.
func BenchmarkManyStrayReplies(b *testing.B) {
	posts := []*Post{hostilePost("root", "root", "", "ann@x", "B210 overflow question", "My B210 overflows, any idea?", 0)}
	for i := range 20000 {
		id := fmt.Sprintf("s%d", i)
		posts = append(posts, hostilePost(id, id, "", fmt.Sprintf("u%d@x", i%50), "Re: B210 overflow question", "ok", i/400+1))
	}
	for range b.N {
		Read(posts, hostileDay.AddDate(1, 0, 0)).Topics()
	}
}

// BenchmarkHugeOneSentencePosts: two 256 KiB posts of one sentence each,
// through Topics, Confirmed and HelpRequest.
func BenchmarkHugeOneSentencePosts(b *testing.B) {
	body := strings.Repeat("it works with the radio and my board shows nothing strange at all and ", 256<<10/70)
	posts := []*Post{
		hostilePost("a", "t", "", "ann@x", "Radio question", "My radio fails, any idea?", 0),
		hostilePost("b", "t", "a", "bob@x", "Re: Radio question", "Try a lower rate.", 10),
		hostilePost("c", "t", "b", "ann@x", "Re: Radio question", body, 20),
		hostilePost("d", "t", "b", "cat@x", "Re: Radio question", body, 40000),
	}
	for range b.N {
		r := Read(posts, hostileDay.AddDate(1, 0, 0))
		for _, tp := range r.Topics() {
			r.Confirmed(tp)
			r.HelpRequest(tp)
		}
	}
}

// BenchmarkManyConfirmations: a 256 KiB reply of 18,000 sentences that
// each say it works, and trouble at the end: Judge, once, as archiving
// does.
func BenchmarkManyConfirmations(b *testing.B) {
	p := hostilePost("c", "t", "b", "ann@x", "Re: Radio question", strings.Repeat("That fixes it. ", 18000)+"Still not working.", 20)
	for range b.N {
		Judge(p)
	}
}
