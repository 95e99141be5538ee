package digest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"praxis/archive/learn"
)

// evalDir is the evaluation set: labelled weeks of the usrp archive.
var evalDir = filepath.Join("..", "..", "archive", "learn", "testdata", "eval")

// TestEvaluateCounts: the scoring itself, on a made-up week whose labels
// agree with the engine on some judgements and not others, so that every
// tally is known.
func TestEvaluateCounts(t *testing.T) {
	start := time.Date(2021, 4, 5, 0, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return start.Add(time.Duration(h) * time.Hour) }
	post := func(id, thread, parent, from, subject, body string, h int) *learn.Post {
		return &learn.Post{MessageID: id, ThreadID: thread, ParentID: parent, Date: at(h), FromAddr: from, Key: from, Subject: subject, Body: body}
	}
	p := &Period{Start: start, End: start.AddDate(0, 0, 7), Posts: []*learn.Post{
		// A question answered and thanked: solved, credited to b1.
		post("q1", "q1", "", "ann@x.org", "B210 won't enumerate", "My B210 does not show up in uhd_find_devices. What should I check?", 1),
		post("b1", "q1", "q1", "bob@x.org", "Re: B210 won't enumerate", "Use a USB 3 port and load the firmware with uhd_images_downloader, see https://files.ettus.com/manual/page_transport.html for the details of the transport.", 2),
		post("c1", "q1", "b1", "ann@x.org", "Re: B210 won't enumerate", "Thanks Bob, that fixed it, the device is found now.", 3),
		// A help request without a question mark, never answered.
		post("q2", "q2", "", "cat@x.org", "Stuck at 8 Msps", "I get overflows at 8 Msps on an X310 with DPDK and cannot go faster.", 4),
		// An announcement.
		post("q3", "q3", "", "dan@x.org", "UHD 4.1 released", "UHD 4.1 is out with many fixes, get it from https://github.com/EttusResearch/uhd/releases today.", 5),
	}}
	solved := "b1"
	w := &WeekLabels{Week: "2021-04-05", Topics: []TopicLabel{
		{Start: "q1", ThreadRoot: "q1", HelpRequest: true, SolvedBy: &solved},
		{Start: "q2", ThreadRoot: "q2", HelpRequest: true},
		{Start: "q3", ThreadRoot: "q3"},
	}, Resources: []URLLabel{
		{Post: "b1", URL: "https://files.ettus.com/manual/page_transport.html", Resource: true},
		{Post: "q3", URL: "https://github.com/EttusResearch/uhd/releases", Resource: true},
	}}
	s := Evaluate(p, w)
	// IsQuestion takes q1 (a "?") and misses q2 (no "?"): the judgement
	// issue 16 is about, tallied as it stands.
	if s.Question != (Counts{TP: 1, FN: 1}) {
		t.Errorf("question counts %+v, want 1 found and 1 missed", s.Question)
	}
	if s.Solved != (Counts{TP: 1}) || s.AnswersRight != 1 || s.AnswersOf != 1 {
		t.Errorf("solved %+v, answers %d/%d; want q1 solved by b1", s.Solved, s.AnswersRight, s.AnswersOf)
	}
	if s.Resource != (Counts{TP: 2}) {
		t.Errorf("resource counts %+v, want both links found", s.Resource)
	}
	if s.Split != (Counts{}) {
		t.Errorf("split counts %+v, want none", s.Split)
	}
	if f := s.Question.F1(); f < 0.66 || f > 0.67 {
		t.Errorf("question F1 %.3f, want 2/3", f)
	}

	// Labels that disagree everywhere.
	wrong := &WeekLabels{Week: "2021-04-05", Topics: []TopicLabel{
		{Start: "q1", ThreadRoot: "q1"},
		{Start: "b1", ThreadRoot: "q1", HelpRequest: true},
	}, Resources: []URLLabel{{Post: "b1", URL: "https://files.ettus.com/manual/page_transport.html", Why: "other"}}}
	s = Evaluate(p, wrong)
	if s.Question != (Counts{FP: 1, FN: 1}) || s.Split != (Counts{FN: 1}) || s.Solved != (Counts{}) || s.Resource != (Counts{FP: 2}) {
		t.Errorf("disagreeing labels: %+v", s)
	}
}

// TestUSRPEvaluation measures the summary's judgements on the labelled
// weeks: the figures issue 16 asks for, on the weeks kept apart (never
// tuned on) and on the others. It checks that every labelled post is in
// the archive, so that a label naming a post the import lost fails here,
// and holds the figures above floors.
func TestUSRPEvaluation(t *testing.T) {
	weeks, err := ReadLabels(evalDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(weeks) < 12 {
		t.Fatalf("%d labelled weeks, want at least 12", len(weeks))
	}
	st, l := usrp(t)
	ctx := context.Background()
	var apart, tuning Scores
	topics := 0
	for _, w := range weeks {
		start, _ := w.Start()
		p, err := Load(ctx, st, l.ID, start, start.AddDate(0, 0, 7))
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, q := range p.Posts {
			have[q.MessageID] = true
		}
		for _, tl := range w.Topics {
			topics++
			for _, id := range tl.Posts {
				if !have[id] {
					t.Errorf("week %s: labelled post <%s> is not among the week's loaded posts", w.Week, id)
				}
			}
		}
		s := Evaluate(p, w)
		if w.KeptApart {
			apart.Add(s)
		} else {
			tuning.Add(s)
		}
	}
	if apart.Weeks < 6 {
		t.Errorf("%d weeks kept apart, want at least 6", apart.Weeks)
	}
	if topics < 150 {
		t.Errorf("%d labelled topics, want at least 150", topics)
	}
	t.Logf("kept apart: %s", apart)
	t.Logf("tuning:     %s", tuning)
	// Floors a little under what the engine scored on the weeks kept
	// apart when the set was made (question F1 0.79, solved recall 0.84,
	// answers 0.68, resources P 0.88 R 0.99): a change that breaks a
	// judgement fails here. Issue 16's goals replace them as the engine
	// reaches them.
	for _, f := range []struct {
		name       string
		got, floor float64
	}{
		{"question F1", apart.Question.F1(), 0.75},
		{"solved recall", apart.Solved.Recall(), 0.75},
		{"answer accuracy", apart.AnswerAccuracy(), 0.6},
		{"resource precision", apart.Resource.Precision(), 0.85},
		{"resource recall", apart.Resource.Recall(), 0.95},
	} {
		if f.got < f.floor {
			t.Errorf("%s on the weeks kept apart: %.2f, below %.2f", f.name, f.got, f.floor)
		}
	}
}
