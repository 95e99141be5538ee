package digest

import (
	"math"
	"strings"
	"testing"
	"time"

	"praxis/archive/learn"
)

var week0 = time.Date(2021, 4, 12, 0, 0, 0, 0, time.UTC)

// post makes a Post for synthetic periods: id doubles as Message-ID and
// thread root; parent "" starts a thread.
func post(id, thread, parent, from string, at time.Duration, subject, body string) *learn.Post {
	name := strings.ToUpper(from[:1]) + from[1:strings.IndexByte(from, '@')]
	return &learn.Post{MessageID: id, ThreadID: thread, ParentID: parent, Date: week0.Add(at), FromAddr: from, FromName: name, Subject: subject, Body: body}
}

func syntheticPeriod() *Period {
	h := time.Hour
	posts := []*learn.Post{
		// An old post: makes bob a known author.
		post("old@x", "old@x", "", "bob@example.org", -10*24*h, "Welcome", "Hello everyone, glad to be here with you all."),
		// A question answered and acknowledged.
		post("q1@x", "q1@x", "", "alice@example.org", 1*h, "B210 drops samples at 40 Msps",
			"My B210 drops samples when I record at 40 Msps over USB 3.\nHow can I record without overflows?"),
		post("a1@x", "q1@x", "q1@x", "bob@example.org", 2*h, "Re: B210 drops samples at 40 Msps",
			"The overflows come from the disk, not from the B210.\nRecord to a RAM disk and the overflows stop.\nThe USB 3 link carries 40 Msps without trouble."),
		post("a2@x", "q1@x", "q1@x", "carol@example.org", 3*h, "Re: B210 drops samples at 40 Msps",
			"I have the same problem with my B210. Did you find a fix?"),
		post("t1@x", "q1@x", "a1@x", "alice@example.org", 5*h, "Re: B210 drops samples at 40 Msps",
			"Thanks, that worked! The RAM disk keeps up at 40 Msps."),
		// A question nobody answered, about RFNoC.
		post("q2@x", "q2@x", "", "dave@example.org", 30*h, "How do I add an RFNoC block to GRC?",
			"I wrote a new RFNoC block for the X310 and it builds fine.\nHow do I make it show up in GNU Radio Companion?"),
		// An unanswered question about something else, older.
		post("q3@x", "q3@x", "", "erin@example.org", 26*h, "N310 MTU",
			"How can I set the MTU for a 1 Gb link on the N310 sfp0 interface?"),
		// A question too fresh to count as waiting (under 24 h before the end).
		post("q4@x", "q4@x", "", "frank@example.org", 7*24*h-2*h, "E320 cross compile?",
			"Is there a newer SDK for the E320?"),
		// An announcement: not a question.
		post("n1@x", "n1@x", "", "bob@example.org", 48*h, "[ANN] UHD 4.1 released",
			"UHD 4.1 is out, see https://github.com/EttusResearch/uhd/releases and the notes at https://files.ettus.com/manual/page_changes.html for details."),
		// A post after the period: never read.
		post("late@x", "q2@x", "q2@x", "bob@example.org", 8*24*h, "Re: How do I add an RFNoC block to GRC?", "Use rfnocmodtool."),
	}
	posts[1].Attachments = []string{"overflow-plot.png", "signature.asc"}
	first := map[string]time.Time{}
	for _, p := range posts {
		if _, ok := first[p.Who()]; !ok {
			first[p.Who()] = p.Date
		}
	}
	return &Period{
		List:      List{Address: "cop@example.org", Name: "CoP", Prefix: "[cop] "},
		Start:     week0,
		End:       week0.AddDate(0, 0, 7),
		Posts:     posts,
		FirstPost: first,
		Members: []Member{
			{Address: "gina@example.org", Name: "Gina", Joined: week0.Add(3 * time.Hour)},
			{Address: "bob@example.org", Name: "Bob", Joined: week0.AddDate(-1, 0, 0)},
		},
	}
}

func TestSummarizeSynthetic(t *testing.T) {
	p := syntheticPeriod()
	s := Summarize(p, Options{BaseURL: "https://lists.example.org/"})
	n := s.Numbers
	if n.Posts != 8 || n.Threads != 5 || n.ThreadsStarted != 5 || n.ActiveMembers != 6 {
		t.Errorf("numbers = %+v, want 8 posts, 5 threads, 5 started, 6 authors", n)
	}
	if n.NewMembers != 1 || n.FirstTimePosters != 5 {
		t.Errorf("new members %d, first-time posters %d; want 1 and 5", n.NewMembers, n.FirstTimePosters)
	}
	if n.Questions != 4 || n.Answered != 1 || n.AnsweredPercent() != 25 {
		t.Errorf("questions %d answered %d (%d%%), want 4, 1, 25%%", n.Questions, n.Answered, n.AnsweredPercent())
	}
	if n.Replied != 1 || n.MedianFirstReply != time.Hour {
		t.Errorf("replied %d, median first reply %v; want 1, 1h", n.Replied, n.MedianFirstReply)
	}

	if len(s.Top) != 1 {
		t.Fatalf("top threads = %d, want 1 (the only one with replies)", len(s.Top))
	}
	top := s.Top[0]
	if top.ThreadID != "q1@x" || !top.Solved || top.Replies != 3 || top.Participants != 3 {
		t.Errorf("top = %+v", top.ThreadStat)
	}
	if top.URL != "https://lists.example.org/l/cop@example.org/t/q1@x" {
		t.Errorf("thread URL = %q", top.URL)
	}
	if top.Question != "How can I record without overflows?" && !strings.Contains(top.Question, "How can I record without overflows?") {
		t.Errorf("question = %q", top.Question)
	}
	if top.Answer == nil || top.Answer.By != "Bob" || !top.Answer.Thanked || top.Answer.URL != "https://lists.example.org/m/a1@x" {
		t.Fatalf("answer = %+v, want Bob's, thanked", top.Answer)
	}
	if !strings.Contains(top.Answer.Gist, "RAM disk") || len(top.Answer.sents) == 0 {
		t.Errorf("gist = %q, want the RAM disk advice", top.Answer.Gist)
	}
	if !contains(top.Terms, "overflows") && !contains(top.Terms, "RAM") {
		t.Errorf("terms = %q", top.Terms)
	}

	var waiting []string
	for _, q := range s.Unanswered {
		waiting = append(waiting, q.ThreadID)
	}
	if strings.Join(waiting, " ") != "q3@x q2@x" {
		t.Errorf("unanswered = %q, want q3@x q2@x (oldest first; q4 too fresh, n1 no question)", waiting)
	}

	var res []string
	for _, r := range s.Resources {
		res = append(res, r.Kind+":"+r.Value)
	}
	want := "file:overflow-plot.png link:https://github.com/EttusResearch/uhd/releases link:https://files.ettus.com/manual/page_changes.html"
	if strings.Join(res, " ") != want {
		t.Errorf("resources = %q\nwant %q", res, want)
	}

	if len(s.Thanks) == 0 || s.Thanks[0].Name != "Bob" || s.Thanks[0].Thanked != 1 {
		t.Errorf("thanks = %+v, want Bob first with one thanked answer", s.Thanks)
	}
	var newcomers []string
	for _, c := range s.Newcomers {
		newcomers = append(newcomers, c.Name)
	}
	if strings.Join(newcomers, " ") != "Alice Carol Erin Dave Frank" {
		t.Errorf("newcomers = %q", newcomers)
	}
	if len(s.Joined) != 1 || s.Joined[0].Name != "Gina" {
		t.Errorf("joined = %+v", s.Joined)
	}
}

func TestSummaryForMember(t *testing.T) {
	s := Summarize(syntheticPeriod(), Options{})
	m := &Member{Address: "zoe@example.org", Name: "Zoe Q", Expertise: ParseExpertise("rfnoc blocks; GNU Radio")}
	ps := s.For(m)
	if ps.Unanswered[0].ThreadID != "q2@x" {
		t.Fatalf("first waiting question for an RFNoC expert = %s, want q2@x", ps.Unanswered[0].ThreadID)
	}
	if got := strings.Join(ps.Unanswered[0].Matches, ","); got != "rfnoc blocks,GNU Radio" {
		t.Errorf("matches = %q", got)
	}
	if ps.ExpertiseMatches() != 1 || s.ExpertiseMatches() != 0 {
		t.Errorf("matches: personal %d, list copy %d", ps.ExpertiseMatches(), s.ExpertiseMatches())
	}
	if s.Member != nil || s.Unanswered[0].ThreadID != "q3@x" {
		t.Error("For changed the list's copy")
	}
	txt, err := RenderText(ps)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Hello Zoe,", "[matches your expertise: rfnoc blocks, GNU Radio]", "1 question matches your expertise, first."} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

func TestScore(t *testing.T) {
	week := 7 * 24 * time.Hour
	tests := []struct {
		replies, people int
		solved          bool
		idle            time.Duration
		want            float64
	}{
		{0, 1, false, 0, 0},
		{3, 3, false, 0, 7},
		{3, 3, true, 0, 10},
		{3, 3, true, week, 5},
		{9, 2, false, week / 2, 11 / math.Sqrt2},
	}
	for _, tt := range tests {
		if got := Score(tt.replies, tt.people, tt.solved, tt.idle, week); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Score(%d, %d, %v, %v) = %v, want %v", tt.replies, tt.people, tt.solved, tt.idle, got, tt.want)
		}
	}
}

func TestRenderSafeHTML(t *testing.T) {
	p := syntheticPeriod()
	p.Posts[1].Subject = `<script>alert(1)</script> "quotes"`
	p.Posts[2].Body = `Try <img src="http://evil.example/x.png"> javascript:alert(1) and the RAM disk fix.`
	s := Summarize(p, Options{BaseURL: "https://lists.example.org"})
	h, err := RenderHTML(s)
	if err != nil {
		t.Fatal(err)
	}
	checkSafeHTML(t, h)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestAnsweredSince: the previous summary's waiting questions are checked
// again: those answered in this period are listed with who answered,
// those answered before it or still waiting are not.
func TestAnsweredSince(t *testing.T) {
	start := time.Date(2021, 4, 12, 0, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return start.Add(time.Duration(h) * time.Hour) }
	post := func(id, thread, parent, from, subject, body string, h int) *learn.Post {
		return &learn.Post{MessageID: id, ThreadID: thread, ParentID: parent, Date: at(h), FromAddr: from, Key: from, FromName: strings.Split(from, "@")[0], Subject: subject, Body: body}
	}
	p := &Period{List: List{Address: "cop@example.org"}, Start: start, End: start.AddDate(0, 0, 7), Posts: []*learn.Post{
		// Waiting at the start (asked 5 days before), answered on Tuesday.
		post("w1", "w1", "", "ann@x.org", "B210 not found", "My B210 is not found by uhd_find_devices, what should I check?", -120),
		post("a1", "w1", "w1", "bob@x.org", "Re: B210 not found", "Load the firmware with uhd_images_downloader and use a USB 3 port.", 30),
		// Answered before the period: the last summary did not list it.
		post("w2", "w2", "", "cat@x.org", "X310 overflows", "I get overflows on my X310 at 100 Msps, any idea?", -100),
		post("a2", "w2", "w2", "bob@x.org", "Re: X310 overflows", "Raise the socket buffers with recv_buff_size and check the NIC.", -90),
		// Still waiting.
		post("w3", "w3", "", "dan@x.org", "N310 GPSDO", "Does the N310 GPSDO lock without an antenna?", -72),
	}}
	s := Summarize(p, Options{BaseURL: "https://lists.example.org"})
	if len(s.AnsweredSince) != 1 {
		t.Fatalf("answered since: %+v, want the B210 question alone", s.AnsweredSince)
	}
	got := s.AnsweredSince[0]
	if got.Subject != "B210 not found" || got.By != "ann" || got.AnsweredBy != "bob" || !got.Answered.Equal(at(30)) || got.AnswerURL != "https://lists.example.org/m/a1" {
		t.Errorf("answered since: %+v", got)
	}
	if len(s.Unanswered) != 1 || s.Unanswered[0].Subject != "N310 GPSDO" {
		t.Errorf("still waiting: %+v, want the N310 question", s.Unanswered)
	}
	text, err := RenderText(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "ANSWERED SINCE THE LAST SUMMARY") || !strings.Contains(string(text), "answered by bob on") {
		t.Errorf("the text does not show the question answered since:\n%s", text)
	}
}

// TestHabitualLinksOncePerPost: a link counts once a post however it is
// written ("…/manual" and "…/manual/"), so a link shared in two posts is
// a resource, not a signature; in three it is a signature.
func TestHabitualLinksOncePerPost(t *testing.T) {
	start := time.Date(2021, 4, 12, 0, 0, 0, 0, time.UTC)
	post := func(id string, h int) *learn.Post {
		return &learn.Post{MessageID: id, ThreadID: id, Date: start.Add(time.Duration(h) * time.Hour), FromAddr: "bob@x.org", Key: "bob@x.org",
			Subject: "Manual " + id, Body: "See https://files.ettus.com/manual and https://files.ettus.com/manual/ for the transport options.\n"}
	}
	p := &Period{Start: start, End: start.AddDate(0, 0, 7), Posts: []*learn.Post{post("a", 1), post("b", 2)}}
	if h := newAnalysis(p, Options{}.withDefaults()).habitualLinks(); len(h) != 0 {
		t.Errorf("a link in two posts taken for a signature: %v", h)
	}
	p.Posts = append(p.Posts, post("c", 3))
	if h := newAnalysis(p, Options{}.withDefaults()).habitualLinks(); !h["bob@x.org link https://files.ettus.com/manual"] {
		t.Errorf("a link in three posts not taken for a signature: %v", h)
	}
}

// TestUnansweredAnsweredBefore: a question still waiting shows the list's
// earlier answered threads kept as related to it, in text and HTML, with
// their links; a waiting question with none shows nothing of the kind.
func TestUnansweredAnsweredBefore(t *testing.T) {
	p := syntheticPeriod()
	p.Related = map[string][]Related{"q2@x": {{ThreadID: "old-rfnoc@x", Subject: "[cop] Re: RFNoC block missing in GRC", Date: week0.AddDate(0, -3, 0), Posts: 4}}}
	s := Summarize(p, Options{BaseURL: "https://lists.example.org"})
	var q2, q3 *Question
	for i := range s.Unanswered {
		switch s.Unanswered[i].ThreadID {
		case "q2@x":
			q2 = &s.Unanswered[i]
		case "q3@x":
			q3 = &s.Unanswered[i]
		}
	}
	if q2 == nil || len(q2.Related) != 1 || q2.Related[0].Subject != "RFNoC block missing in GRC" ||
		q2.Related[0].URL != "https://lists.example.org/l/cop@example.org/t/old-rfnoc@x" {
		t.Fatalf("q2's related: %+v", q2)
	}
	if q3 == nil || len(q3.Related) != 0 {
		t.Errorf("q3's related: %+v", q3)
	}
	txt, err := RenderText(s)
	if err != nil {
		t.Fatal(err)
	}
	html, err := RenderHTML(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{txt, html} {
		if strings.Count(out, "Answered before") != 1 || !strings.Contains(out, "https://lists.example.org/l/cop@example.org/t/old-rfnoc@x") {
			t.Errorf("the summary does not show the related thread once:\n%s", out)
		}
	}
}

// TestResourcesReadKeptLinks: a post's links as they were kept when it
// was archived (learn.Post.Links) are the ones the resources list, not
// those its text would give by today's rules; a post with none kept
// (nil: archived before they were) has its text read.
func TestResourcesReadKeptLinks(t *testing.T) {
	kept := post("k@x", "k@x", "", "ann@example.org", time.Hour, "Docs", "The manual: https://files.example.org/manual/page_today.html")
	kept.Links = []string{"https://files.example.org/manual/page_kept.html"}
	none := post("n@x", "n@x", "", "bob@example.org", 2*time.Hour, "More docs", "See https://files.example.org/manual/page_text.html")
	empty := post("e@x", "e@x", "", "carol@example.org", 3*time.Hour, "Nothing", "Only https://files.example.org/manual/page_dropped.html here")
	empty.Links = []string{}
	p := &Period{Start: week0, End: week0.AddDate(0, 0, 7), Posts: []*learn.Post{kept, none, empty}}
	var got []string
	for _, r := range Summarize(p, Options{}).Resources {
		got = append(got, r.Value)
	}
	want := "https://files.example.org/manual/page_kept.html https://files.example.org/manual/page_text.html"
	if strings.Join(got, " ") != want {
		t.Errorf("resources %q, want %q", got, want)
	}
}
