package digest

import (
	"context"
	"testing"
	"time"

	"praxis/archive/learn"
	"praxis/listserv/store"
)

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
	// q1 asks with a "?"; q2 is a help request without one ("I get
	// overflows … and cannot go faster"); q3 announces.
	if s.Question != (Counts{TP: 2}) {
		t.Errorf("question counts %+v, want both help requests found", s.Question)
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
	if f := s.Question.F1(); f != 1 {
		t.Errorf("question F1 %.3f, want 1", f)
	}

	// A topic started before the week and settled before it, with a
	// post in the week: the week's labels say it was not solved in the
	// week (RULES.md), and neither does the engine.
	before := &Period{Start: start, End: start.AddDate(0, 0, 7), Posts: []*learn.Post{
		post("q4", "q4", "", "eve@x.org", "N310 will not boot", "My N310 does not boot after the update. Any idea?", -50),
		post("b4", "q4", "q4", "bob@x.org", "Re: N310 will not boot", "Write the SD card image again with bmaptool, the update left it half written.", -40),
		post("c4", "q4", "b4", "eve@x.org", "Re: N310 will not boot", "Thanks Bob, that fixed it, it boots now.", -30),
		post("d4", "q4", "c4", "fay@x.org", "Re: N310 will not boot", "For the record, the same worked on my E320.", 2),
	}}
	s = Evaluate(before, &WeekLabels{Week: "2021-04-05", Topics: []TopicLabel{{Start: "q4", ThreadRoot: "q4", StartedBefore: true, HelpRequest: true}}})
	if s.Solved != (Counts{}) {
		t.Errorf("a topic settled before the week: solved %+v, want it not solved in the week", s.Solved)
	}

	// Labels that disagree everywhere.
	wrong := &WeekLabels{Week: "2021-04-05", Topics: []TopicLabel{
		{Start: "q1", ThreadRoot: "q1"},
		{Start: "b1", ThreadRoot: "q1", HelpRequest: true},
	}, Resources: []URLLabel{{Post: "b1", URL: "https://files.ettus.com/manual/page_transport.html", Why: "other"}}}
	s = Evaluate(p, wrong)
	// q1 and q2 taken for help requests against labels that say q1 is
	// not and do not name q2; b1 labelled a help request inside q1's
	// thread, which the engine reads as q1's.
	if s.Question != (Counts{FP: 2, FN: 1}) || s.Split != (Counts{FN: 1}) || s.Solved != (Counts{}) || s.Resource != (Counts{FP: 2}) {
		t.Errorf("disagreeing labels: %+v", s)
	}
}

// TestUSRPEvaluation measures the summary's judgements on the labelled
// weeks: the figures issue 16 asks for, on the weeks kept apart (never
// tuned on) and on the others. It checks that every labelled post is in
// the archive, so that a label naming a post the import lost fails here,
// and holds the figures above floors.
func TestUSRPEvaluation(t *testing.T) {
	weeks, err := ReadLabels(learn.EvalSet, learn.EvalDir)
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
	// What `praxis bench` reports: the same figures, from the set built
	// into the binary.
	bench, ok, err := EvaluateKeptApart(ctx, st, l.ID)
	if err != nil || !ok || bench != apart {
		t.Errorf("EvaluateKeptApart = %v, %v, %v; want the kept-apart weeks' %v", bench, ok, err, apart)
	}
	t.Logf("kept apart: %s", apart)
	t.Logf("tuning:     %s", tuning)
	// Floors a little under what the engine scores on the weeks kept
	// apart, so that a change that breaks a judgement fails here. Where
	// a figure meets issue 16's goal, the floor is the goal.
	//
	//	                     set made   topics, confirmations   the asker's last word   six more tuning weeks   nine more
	//	question F1          0.79       0.92                    0.92                    0.92                    0.96
	//	solved P / R         0.44/0.84  0.82/0.47               0.89/0.42               0.89/0.42               0.90/0.47
	//	answer accuracy      0.68       0.79                    0.84                    0.84                    0.84
	//	topic-split F1       0.00       1.00 (2 splits)         1.00                    1.00                    1.00
	//	resources P / R      0.88/0.99  0.94/0.94               0.94/0.94               0.94/0.94               0.94/0.94
	//
	// The last column's rules (a "but" followed by trouble, side
	// questions, self-solved askers, suggestions put as questions) were
	// tuned on 13 weeks; there, solved went 0.91/0.78 -> 0.91/0.81 and
	// answers 0.54 -> 0.70, while the weeks kept apart did not move.
	//
	// Five more tuning weeks (18 in all), scored before any rule was
	// changed on them (solved P 0.58 R 0.50: the rules did not carry to
	// unseen weeks), then tuned on: tuning solved 0.84/0.73 -> 0.94/0.88,
	// answers 0.69 -> 0.78, splits 0.25 -> 0.44; the weeks kept apart
	// did not move. Their solved labels agree with a second reader's
	// (kappa 0.97, testdata/eval/agreement): the gap is the engine's.
	// Four more (22), scored first the same way (solved 0.71/0.50,
	// resources P 0.74), then tuned on. What moved the weeks kept apart:
	// a thread's first post opens a conversation whatever reply headers
	// it carries (question F1 0.92 -> 0.96), and "I have finally managed
	// to…" confirms (solved 0.89/0.42 -> 0.90/0.47).
	//
	// Six more (51), scored first (solved 0.72/0.50, answers 13/26), then
	// tuned on: "that is the solution", "made the problem go away", "I
	// found how to" confirm; tuning solved 0.85/0.76 -> 0.85/0.79, the
	// weeks kept apart did not move.
	//
	// Batch 9 (70 weeks, 63 tuning), scored first (question F1 0.96,
	// solved 0.80/0.57, resources 0.96/0.88), then tuned on: commands
	// after a step's number or a quote, a fetching tool's progress and a
	// code host's profile in a signature are not shared; "now it can
	// see…" confirms; "let me try it" puts the outcome off. Tuning
	// resources P 0.98 (FP 14 -> 9), solved 0.87/0.76 -> 0.87/0.77;
	// the weeks kept apart: resources P 0.93 ->
	// 0.96 (R 0.96), the rest unchanged. Resource precision meets its
	// goal, so its floor is the goal.
	//
	// Batch 10 (77 weeks, 70 tuning; the archive's last unlabelled
	// weeks), scored first (solved 0.73/0.62 on 13 solved topics), then
	// tuned on: present tenses and other words for it worked ("that
	// fixes it", "the problem has disappeared", "you nailed it"), an
	// offer to report what may come up puts nothing off, "Please help!!"
	// takes a confirmation back. Tuning solved 0.86/0.76 -> 0.87/0.80;
	// the weeks kept apart did not move.
	//
	// Splits, read again on the tuning weeks (2026-12-06; their split
	// precision was 0.44: 14 of 25 splits were not): a subject renamed by
	// one who answered and asks nothing carries the conversation on, a
	// newcomer answering from their own case ("In my case, …") asks no
	// question of their own, and "the same problem" on another device is
	// a "me too" (unless it says it is not). Tuning split P 0.44 -> 0.65
	// (FP 14 -> 6), R 0.44, the rest unchanged; the weeks kept apart did
	// not move.
	//
	// Three tuning weeks' misses read again (2026-12-06, evening): what
	// still works said at length ("will still output the results
	// correctly") takes nothing back, and "working as expected", ending
	// its sentence, confirms. Tuning solved 0.89/0.80 -> 0.89/0.82; the
	// weeks kept apart did not move. A third rule (naming the part at
	// fault confirms) was taken out after a review found it confirming
	// new faults.
	//
	// Solved recall fell as precision rose: a bare "thanks" no longer
	// solves a topic. Issue 16's goals (question F1 0.9, solved P 0.9
	// with R 0.7, answers 0.8, splits 0.8, resources P 0.95 with R 0.8)
	// are not all met.
	for _, f := range []struct {
		name       string
		got, floor float64
	}{
		{"question F1", apart.Question.F1(), 0.9},
		{"solved precision", apart.Solved.Precision(), 0.85},
		{"solved recall", apart.Solved.Recall(), 0.45},
		{"answer accuracy", apart.AnswerAccuracy(), 0.8},
		{"topic-split F1", apart.Split.F1(), 0.8},
		{"resource precision", apart.Resource.Precision(), 0.95},
		{"resource recall", apart.Resource.Recall(), 0.8},
	} {
		if f.got < f.floor {
			t.Errorf("%s on the weeks kept apart: %.2f, below %.2f", f.name, f.got, f.floor)
		}
	}
}

// TestEvaluateKeptApartOtherArchive: on an archive that is not the one
// the set labels, there are no figures (the bench then reports null),
// rather than figures made of nothing.
func TestEvaluateKeptApartOtherArchive(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := store.NewList("cop@example.org", "CoP")
	if err := st.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := EvaluateKeptApart(ctx, st, l.ID); err != nil || ok {
		t.Errorf("EvaluateKeptApart on an empty archive = %v, %v, %v; want not ok", s, ok, err)
	}
}
