package digest

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"praxis/archive"
	"praxis/archive/learn"
	"praxis/listserv/mailmsg"
)

// WeekLabels is one labelled week of the evaluation set
// (archive/learn/testdata/eval, whose RULES.md says what each field
// means): what a careful reader says the week's summary should judge.
type WeekLabels struct {
	Week      string       `json:"week"` // the Monday, YYYY-MM-DD
	KeptApart bool         `json:"kept_apart"`
	Labeller  string       `json:"labeller"`
	Topics    []TopicLabel `json:"topics"`
	Resources []URLLabel   `json:"resources"`
}

// TopicLabel is one conversation of the week.
type TopicLabel struct {
	Start         string   `json:"start"`
	ThreadRoot    string   `json:"thread_root"`
	Subject       string   `json:"subject"`
	Asker         string   `json:"asker"`
	StartedBefore bool     `json:"started_before"`
	HelpRequest   bool     `json:"help_request"`
	SolvedBy      *string  `json:"solved_by"`
	Evidence      string   `json:"solved_evidence"`
	AskerThanked  bool     `json:"asker_thanked"`
	Posts         []string `json:"posts"`
	Notes         string   `json:"notes"`
}

// URLLabel says whether a URL of a post is a resource.
type URLLabel struct {
	Post     string `json:"post"`
	URL      string `json:"url"`
	Resource bool   `json:"resource"`
	Why      string `json:"why"`
}

// Start is the week's first instant, UTC.
func (w *WeekLabels) Start() (time.Time, error) {
	t, err := time.Parse("2006-01-02", w.Week)
	if err != nil {
		return time.Time{}, fmt.Errorf("eval: week %q: %w", w.Week, err)
	}
	if t.Weekday() != time.Monday {
		return time.Time{}, fmt.Errorf("eval: week %s does not start on a Monday", w.Week)
	}
	return t, nil
}

// ReadLabels reads every week of the evaluation set in dir of fsys,
// oldest first (learn.EvalSet and learn.EvalDir: the set built in).
func ReadLabels(fsys fs.FS, dir string) ([]*WeekLabels, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*WeekLabels
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		w := &WeekLabels{}
		if err := json.Unmarshal(b, w); err != nil {
			return nil, fmt.Errorf("eval: %s: %w", name, err)
		}
		if _, err := w.Start(); err != nil {
			return nil, fmt.Errorf("eval: %s: %w", name, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// Counts are the tallies a figure is made of; they add up over weeks.
type Counts struct {
	TP, FP, FN int
}

func (c *Counts) add(predicted, actual bool) {
	switch {
	case predicted && actual:
		c.TP++
	case predicted:
		c.FP++
	case actual:
		c.FN++
	}
}

// Precision is TP/(TP+FP); 1 when nothing was predicted.
func (c Counts) Precision() float64 {
	if c.TP+c.FP == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FP)
}

// Recall is TP/(TP+FN); 1 when there was nothing to find.
func (c Counts) Recall() float64 {
	if c.TP+c.FN == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FN)
}

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// Scores are the summary engine's judgements measured against labels.
type Scores struct {
	Weeks int
	// Question: opening posts judged help requests.
	Question Counts
	// Solved: topics judged solved by the asker's own confirmation.
	Solved Counts
	// Answers counts the solved topics whose credited answer is the
	// labelled one (Right) out of all labelled solved (Of).
	AnswersRight, AnswersOf int
	// Split: posts judged to start a topic inside another's thread.
	Split Counts
	// Resource: URLs judged resources, by URL.
	Resource Counts
}

// Add adds another week's tallies.
func (s *Scores) Add(o Scores) {
	s.Weeks += o.Weeks
	for _, p := range [][2]*Counts{{&s.Question, &o.Question}, {&s.Solved, &o.Solved}, {&s.Split, &o.Split}, {&s.Resource, &o.Resource}} {
		p[0].TP, p[0].FP, p[0].FN = p[0].TP+p[1].TP, p[0].FP+p[1].FP, p[0].FN+p[1].FN
	}
	s.AnswersRight += o.AnswersRight
	s.AnswersOf += o.AnswersOf
}

// AnswerAccuracy is the share of solved topics credited to the right
// answer; 1 when none was solved.
func (s Scores) AnswerAccuracy() float64 {
	if s.AnswersOf == 0 {
		return 1
	}
	return float64(s.AnswersRight) / float64(s.AnswersOf)
}

func (s Scores) String() string {
	return fmt.Sprintf("%d weeks: question F1 %.2f (P %.2f R %.2f), solved P %.2f R %.2f, answer accuracy %.2f (%d/%d), split F1 %.2f, resources P %.2f R %.2f",
		s.Weeks, s.Question.F1(), s.Question.Precision(), s.Question.Recall(), s.Solved.Precision(), s.Solved.Recall(),
		s.AnswerAccuracy(), s.AnswersRight, s.AnswersOf, s.Split.F1(), s.Resource.Precision(), s.Resource.Recall())
}

// Evaluate measures the judgements a summary of p (the labelled week)
// makes against the week's labels: the same readings Summarize uses for
// its numbers, top threads, unanswered questions and resources.
func Evaluate(p *Period, w *WeekLabels) Scores {
	an := newAnalysis(p, Options{MaxResources: 1 << 20}.withDefaults())
	p = an.p
	sc := Scores{Weeks: 1}

	// The engine's topics: those started in the week that ask, and
	// those started inside another's thread (splits), by first post.
	asked, split := map[string]bool{}, map[string]bool{}
	for _, tp := range an.Topics() {
		if !p.In(tp.Start.Date) {
			continue
		}
		if an.HelpRequest(tp) {
			asked[tp.Start.MessageID] = true
		}
		if tp.Start != tp.Thread.Root {
			split[tp.Start.MessageID] = true
		}
	}
	goldAsked, goldSplit := map[string]bool{}, map[string]bool{}
	for _, tl := range w.Topics {
		if tl.StartedBefore {
			continue
		}
		goldAsked[tl.Start] = tl.HelpRequest
		goldSplit[tl.Start] = tl.Start != tl.ThreadRoot
	}
	tally(&sc.Question, asked, goldAsked)
	tally(&sc.Split, split, goldSplit)

	for _, tl := range w.Topics {
		if !tl.HelpRequest {
			continue
		}
		// The engine's topic that starts where the labelled one does
		// (none when it reads the start as part of another topic).
		var tp *learn.Topic
		if q := an.Post(tl.Start); q != nil && an.TopicOf(q).Start == q {
			tp = an.TopicOf(q)
		}
		// Solved in the week: the asker's confirmation is dated in it
		// (a topic started before the week and settled before it is
		// not the week's; RULES.md judges such a topic by the week's
		// posts only), or confirmed again in it.
		var ack *learn.Post
		if tp != nil {
			_, ack = an.ConfirmedIn(tp, p.In)
		}
		solved := tl.SolvedBy != nil
		sc.Solved.add(ack != nil, solved)
		if solved {
			sc.AnswersOf++
			if tp != nil {
				if best, _ := an.BestAnswer(tp); best != nil && best.MessageID == *tl.SolvedBy {
					sc.AnswersRight++
				}
			}
		}
	}

	res, _ := an.resources()
	shown := map[string]bool{}
	for _, r := range res {
		if r.Kind == "link" {
			shown[normURL(r.Value)] = true
		}
	}
	isRes := map[string]bool{}
	for _, ul := range w.Resources {
		if ul.Resource {
			isRes[normURL(ul.URL)] = true
		}
	}
	for u := range shown {
		sc.Resource.add(true, isRes[u])
	}
	for u := range isRes {
		if !shown[u] {
			sc.Resource.add(false, true)
		}
	}
	return sc
}

// tally counts a judgement made on some posts (predicted) against the
// labels of others (gold: the post's label; true where it holds).
func tally(c *Counts, predicted, gold map[string]bool) {
	for id := range predicted {
		c.add(true, gold[id])
	}
	for id, g := range gold {
		if g && !predicted[id] {
			c.add(false, true)
		}
	}
}

// EvaluateKeptApart scores the summary on the weeks of the evaluation
// set kept apart, loading each from st's list listID. It returns ok false
// when the list's archive does not hold the labelled posts (it is not the
// usrp-users archive the set labels).
func EvaluateKeptApart(ctx context.Context, st Reader, listID int64) (s Scores, ok bool, err error) {
	weeks, err := ReadLabels(learn.EvalSet, learn.EvalDir)
	if err != nil {
		return s, false, err
	}
	for _, w := range weeks {
		if !w.KeptApart {
			continue
		}
		start, _ := w.Start()
		p, err := Load(ctx, st, listID, start, start.AddDate(0, 0, 7))
		if err != nil {
			return s, false, err
		}
		have := map[string]bool{}
		for _, q := range p.Posts {
			have[q.MessageID] = true
		}
		found := 0
		for _, tl := range w.Topics {
			if have[tl.Start] {
				found++
			}
		}
		if found*10 < len(w.Topics)*9 {
			return s, false, nil
		}
		s.Add(Evaluate(p, w))
	}
	return s, s.Weeks > 0, nil
}

// normURL is the form URLs are compared in: as the pages find them
// (mailmsg.URLs, as archive.Links does, a gateway's wrapper taken off),
// without a trailing slash.
func normURL(u string) string {
	if ls := mailmsg.URLs(u); len(ls) == 1 {
		u = ls[0]
	}
	// A label may name the link as a gateway wrapped it; the summary
	// lists the link inside, the same page.
	return strings.TrimRight(archive.UnwrapRedirect(u), "/")
}
