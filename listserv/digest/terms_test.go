package digest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"praxis/archive/learn"
)

func TestMatchTerms(t *testing.T) {
	words := func(s string) []string {
		var out []string
		for _, tk := range learn.Tokens(s) {
			out = append(out, tk.Term)
		}
		return out
	}
	text := words("Building GNU Radio blocks for RFNoC on the E312 with Python")
	got := matchTerms(text, []string{"gnu radio", "rfnoc block", "python", "FPGA", "E312"})
	want := []string{"gnu radio", "python", "E312"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("matchTerms = %q, want %q", got, want)
	}
}

// TestKeyTermsNoNoise: the words of every technical thread (issue 16's
// "sink, minute, test, later, value", "mnt", "plug", "rate") are never a
// thread's key terms, however often it says them.
func TestKeyTermsNoNoise(t *testing.T) {
	text := strings.Repeat("The sink drops samples at this rate after a minute; I will test the value later. "+
		"The log says /mnt/data and /usr/local/lib, I plug the B205 again and the overflow at the DDC stays. ", 3)
	got := learn.KeyTerms("B205 overflow at the DDC", text, learn.NewDocFreq(), nil, 10)
	for _, term := range got {
		switch strings.ToLower(term) {
		case "sink", "rate", "minute", "test", "value", "later", "mnt", "usr", "lib", "plug":
			t.Errorf("key terms %q hold the noise word %q", got, term)
		}
	}
	if !slices.Contains(got, "B205") || !slices.Contains(got, "DDC") {
		t.Errorf("key terms %q miss B205 or DDC", got)
	}
}

// TestExpertiseOnTheQuestion: a waiting question matches a member's
// expertise by what it asks, not by a log pasted in it.
func TestExpertiseOnTheQuestion(t *testing.T) {
	start := time.Date(2021, 4, 12, 0, 0, 0, 0, time.UTC)
	q := &learn.Post{MessageID: "q", ThreadID: "q", Date: start.Add(24 * time.Hour), FromAddr: "ann@x.org", Key: "ann@x.org",
		Subject: "B210 drops samples",
		Body:    "My B210 drops samples when I record at 20 Msps, what can I tune?\n\n[INFO] [X300] X300 initialization sequence...\n[INFO] [RFNOC] rfnoc graph made\n"}
	p := &Period{List: List{Address: "cop@example.org"}, Start: start, End: start.AddDate(0, 0, 7), Posts: []*learn.Post{q}}
	m := &Member{Address: "m@x.org", Expertise: ParseExpertise("RFNoC, X300, B210")}
	s := Summarize(p, Options{Member: m})
	if len(s.Unanswered) != 1 {
		t.Fatalf("unanswered %+v, want the B210 question", s.Unanswered)
	}
	if got := s.Unanswered[0].Matches; strings.Join(got, ",") != "B210" {
		t.Errorf("matches %q, want B210 alone", got)
	}
}

// TestKeyTermsOfALongThread: a featured thread's key terms come from its
// question and its latest posts, keyTermPosts in all, not from every
// post of a long thread: what it talked about early on and dropped is
// not what it is about now (and reading every post of a 700-post thread
// was a third of a busy week's analysis). The post just before the
// window says one word over and over, and the window's first another:
// the first must not be among the terms and the second must.
func TestKeyTermsOfALongThread(t *testing.T) {
	start := time.Date(2021, 4, 12, 0, 0, 0, 0, time.UTC)
	root := &learn.Post{MessageID: "q", ThreadID: "q", Date: start.Add(time.Hour), FromAddr: "ann@x.org", Key: "ann@x.org",
		Subject: "Streaming from the X310", Body: "How do I stream from the X310 at full rate?"}
	posts := []*learn.Post{root}
	n := 3 * keyTermPosts           // the thread's posts, the question among them
	first := n - (keyTermPosts - 1) // the window's first reply
	for i := 1; i < n; i++ {
		body := "The Zigbee dongle and the Zigbee stack interfere with the stream."
		switch {
		case i == first-1:
			body = strings.Repeat("The Zigbee dongle again. ", 30)
		case i == first:
			body = strings.Repeat("Bind the NIC to vfio first. ", 30)
		case i > first:
			body = "OK, trying that."
		}
		who := []string{"bob", "cyd", "dan"}[i%3]
		posts = append(posts, &learn.Post{MessageID: "r" + strconv.Itoa(i), ThreadID: "q", ParentID: "q", Date: start.Add(time.Duration(i+1) * time.Hour),
			FromAddr: who + "@x.org", Key: who + "@x.org", Subject: "Re: Streaming from the X310", Body: body})
	}
	// Document frequencies of other posts, where none of the words is:
	// the early posts' word, said more often than the others, would be
	// picked if they were read.
	df := learn.NewDocFreq()
	for range 50 {
		df.Add("The B210 tunes to 2.4 GHz with the default gain.")
	}
	p := &Period{List: List{Address: "cop@example.org"}, Start: start, End: start.AddDate(0, 0, 7), Posts: posts, DF: df}
	s := Summarize(p, Options{})
	if len(s.Top) == 0 {
		t.Fatal("no featured thread")
	}
	terms := strings.ToLower(strings.Join(s.Top[0].Terms, ","))
	if !strings.Contains(terms, "vfio") || strings.Contains(terms, "zigbee") {
		t.Errorf("key terms %q: want vfio (post %d, the window's first) and not Zigbee (posts 1 to %d, before it)", s.Top[0].Terms, first, first-1)
	}
}
