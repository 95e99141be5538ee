package learn

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadingSideBySide: a Reading's topics, confirmations, help
// requests and sentences, worked out side by side (many threads, posts
// whose features and sentences are not at hand, readers asking while
// they are worked out), are exactly those worked out one at a time.
func TestReadingSideBySide(t *testing.T) {
	day := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	replies := []string{
		"That did it, thanks Bob!",
		"Still no luck, I get the same error.",
		"Thanks, I will try it tomorrow and let you know.",
		"Understood, thanks for the information.",
	}
	var posts []*Post
	add := func(id, thread, parent, from, subject, body string, at time.Time) {
		posts = append(posts, &Post{MessageID: id, ThreadID: thread, ParentID: parent, Date: at, FromAddr: from, Key: from, Subject: subject, Body: body})
	}
	for i := range 4 * eachMin * 4 {
		th := fmt.Sprintf("t%d", i)
		at := day.Add(time.Duration(i) * time.Hour)
		asker := fmt.Sprintf("asker%d@x", i%50)
		subject := fmt.Sprintf("B2%02d overflows at %d Msps", i%17, 10+i%7)
		add(th, th, "", asker, subject, fmt.Sprintf("I get overflows on my B2%02d at %d Msps. What should I tune?", i%17, 10+i%7), at)
		add(th+"a", th, th, "bob@x", "Re: "+subject, "Use a USB 3 port and raise recv_buff_size.\n\nBob", at.Add(time.Hour))
		add(th+"b", th, th+"a", asker, "Re: "+subject, replies[i%len(replies)], at.Add(2*time.Hour))
		switch i % 5 {
		case 1: // a new matter under a new subject
			add(th+"c", th, th+"b", "cat@x", "GPSDO lock on the X310 (was: "+subject+")", "Does anyone know how long the GPSDO takes to lock?", at.Add(3*time.Hour))
		case 2: // someone else's trouble on another model, weeks later
			add(th+"c", th, th+"b", "dan@x", "Re: "+subject, "I have a similar problem with an E320, the overflows never stop. Any idea?", at.AddDate(0, 0, 30))
		case 3: // a reply without reply headers
			add(th+"c", th+"c", "", asker, "Re: "+subject, "Works now, thanks again.", at.Add(4*time.Hour))
		}
	}
	end := day.AddDate(1, 0, 0)
	type judged struct {
		posts                []string
		help                 bool
		answer, confirmation string
		sents                string
	}
	read := func(sideBySide bool) map[string]judged {
		r := Read(posts, end)
		var wg sync.WaitGroup
		if sideBySide {
			// Readers asking for sentences while they are worked out.
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, q := range posts {
						r.Sentences(q)
						r.Features(q)
					}
				}()
			}
		}
		tps := r.Topics()
		r.JudgeEach(tps)
		wg.Wait()
		out := map[string]judged{}
		for _, tp := range tps {
			j := judged{help: r.HelpRequest(tp)}
			for _, q := range tp.Posts {
				j.posts = append(j.posts, q.MessageID)
				j.sents += strings.Join(r.Sentences(q), "|") + "\n"
			}
			if ans, conf := r.Confirmed(tp); conf != nil {
				j.confirmation = conf.MessageID
				if ans != nil {
					j.answer = ans.MessageID
				}
			}
			out[tp.Start.MessageID] = j
		}
		return out
	}
	procs := runtime.GOMAXPROCS(1)
	want := read(false)
	runtime.GOMAXPROCS(max(procs, 4))
	defer runtime.GOMAXPROCS(procs)
	got := read(true)
	if len(got) != len(want) {
		t.Fatalf("%d topics side by side, %d one at a time", len(got), len(want))
	}
	confirmed, split := 0, 0
	for id, w := range want {
		if g := got[id]; fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("topic %s side by side:\n%+v\none at a time:\n%+v", id, g, w)
		}
		if w.confirmation != "" {
			confirmed++
		}
		if !strings.HasPrefix(id, "t") || strings.HasSuffix(id, "c") {
			split++
		}
	}
	// The threads are varied enough to say something: some confirmed,
	// some split.
	if confirmed == 0 || split == 0 || confirmed == len(want) {
		t.Errorf("%d topics, %d confirmed, %d split off: the test reads too little", len(want), confirmed, split)
	}
}
