package web

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"praxis/archive/answers"
	"praxis/archive/index"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// answersPerPage is a page of the answers library.
const answersPerPage = 20

// searchThreads bounds the posts a library search reads from the index:
// the most relevant.
const searchThreads = 300

// answerQuery is what a reader asked of a library: a search in the
// archive's query language, a key term, a year, the order, a page.
type answerQuery struct {
	Q, Term string
	Year    int
	ByDate  bool
	Page    int
}

func readAnswerQuery(r *http.Request) answerQuery {
	v := r.URL.Query()
	q := answerQuery{Q: strings.TrimSpace(v.Get("q")), Term: strings.TrimSpace(v.Get("term")), ByDate: v.Get("sort") == "date", Page: pageNumber(r)}
	if y, err := strconv.Atoi(v.Get("year")); err == nil && y > 1900 && y < 3000 {
		q.Year = y
	}
	return q
}

// link is the library's URL for this query at page p.
func (q answerQuery) link(base string, p int) string {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Term != "" {
		v.Set("term", q.Term)
	}
	if q.Year > 0 {
		v.Set("year", strconv.Itoa(q.Year))
	}
	if q.ByDate {
		v.Set("sort", "date")
	}
	if p > 1 {
		v.Set("page", strconv.Itoa(p))
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

// libraryUpdates brings each list's answers library up to date, one
// making at a time, apart from the requests that ask for it: a
// reader waits for the making at most LibraryWait, and is then shown
// the library as it stands, told that it is still being made, while the
// making goes on (an imported archive a hundred times usrp-users' took
// the first reader's request a minute, past what a browser and the
// server's own write timeout wait). Once a library has been made, a
// reader does not wait behind a making another request started, and is
// shown the library as it stood: sixteen readers of a page queued behind
// each other's look for new threads, and that queue, not the work, made
// the page's slowest times.
type libraryUpdates struct {
	mu    sync.Mutex
	lists map[int64]*libraryUpdate
	// update brings one list's library up to date (answers.Update;
	// tests hold it).
	update func(ctx context.Context, l *store.List) error
	// life ends the makings when the server shuts down; makings counts
	// those running.
	life    context.Context
	end     context.CancelFunc
	makings sync.WaitGroup
	closed  bool // under mu: stop has begun, no making starts
	// slot lets one making run at a time, whatever the lists: each
	// judges on half the cores, outside the queue the readers take
	// turns in.
	slot chan struct{}
}

type libraryUpdate struct {
	mu      sync.Mutex
	made    bool    // brought up to date once
	running *making // the making under way; nil when none runs
}

// making is one bringing up to date of a library: done is closed when
// it ends, err (written before) is how.
type making struct {
	done chan struct{}
	err  error
}

// defaultLibraryWait is how long a reader waits for a library's making
// when Config.LibraryWait is zero.
const defaultLibraryWait = 3 * time.Second

func (u *libraryUpdates) of(id int64) *libraryUpdate {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.lists == nil {
		u.lists = map[int64]*libraryUpdate{}
	}
	m := u.lists[id]
	if m == nil {
		m = &libraryUpdate{}
		u.lists[id] = m
	}
	return m
}

// start begins bringing l's library up to date unless a making of it is
// under way; it returns the making under way, whether this call started
// it, and whether the library had been made before.
func (u *libraryUpdates) start(l *store.List) (mk *making, started, made bool) {
	m := u.of(l.ID)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running != nil {
		return m.running, false, m.made
	}
	mk = &making{done: make(chan struct{})}
	// Shut down: no making starts (a request Shutdown did not wait for).
	// The check and the count are under u.mu, as stop's closing is, so
	// that Shutdown never waits on a count that grows.
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		mk.err = context.Canceled
		close(mk.done)
		return mk, true, m.made
	}
	u.makings.Add(1)
	u.mu.Unlock()
	m.running = mk
	go func() {
		defer u.makings.Done()
		var err error
		select {
		case u.slot <- struct{}{}:
			err = u.update(u.life, l)
			<-u.slot
		case <-u.life.Done():
			err = u.life.Err()
		}
		m.mu.Lock()
		m.running = nil
		if err == nil {
			m.made = true
		}
		m.mu.Unlock()
		mk.err = err
		close(mk.done)
	}()
	return mk, true, m.made
}

// stop ends the makings under way and waits for them until ctx ends.
func (u *libraryUpdates) stop(ctx context.Context) error {
	u.mu.Lock()
	u.closed = true
	u.end()
	u.mu.Unlock()
	done := make(chan struct{})
	go func() {
		u.makings.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// library brings l's library up to date (the posts archived since it was
// last looked at) and returns the page q asks for, whether there is a
// next one, and whether the library is still being made (the page then
// says so).
func (s *Server) library(ctx context.Context, r *http.Request, l *store.List, q answerQuery, size int) ([]*store.Answer, bool, bool, error) {
	mk, started, made := s.libraries.start(l)
	updating := false
	if started || !made {
		// The wait is on the making, not on a core: the request leaves
		// its turn at the cores meanwhile (a reader waiting with it
		// held, two were enough to keep every search and thread page of
		// the site waiting), and takes one again for its own reads.
		s.leaveQueue(r)
		wait := s.cfg.LibraryWait
		if wait <= 0 {
			wait = defaultLibraryWait
		}
		select {
		case <-mk.done:
			// A library made before is shown as it stood when bringing
			// it up to date failed (the making logged why).
			if mk.err != nil && !made {
				return nil, false, false, fmt.Errorf("answers library: %v", mk.err)
			}
		case <-time.After(wait):
			updating = !made
		case <-ctx.Done():
			return nil, false, false, ctx.Err()
		}
		release, err := s.queue.acquire(ctx, s.client(r))
		if err != nil {
			return nil, false, false, err
		}
		defer release()
	}
	aq := store.AnswerQuery{Term: q.Term, Year: q.Year, ByDate: q.ByDate, Offset: (q.Page - 1) * size, Limit: size + 1}
	if q.Q != "" {
		// The most relevant posts, for their threads alone (no snippet,
		// no facet).
		res, err := s.searchList(ctx, l, q.Q, index.SearchOptions{Size: searchThreads})
		if err != nil {
			return nil, false, false, err
		}
		aq.Threads = []string{}
		seen := map[string]bool{}
		for _, h := range res.Hits {
			if !seen[h.Thread] {
				seen[h.Thread] = true
				aq.Threads = append(aq.Threads, h.Thread)
			}
		}
	}
	as, err := s.st.Answers(ctx, l.ID, aq)
	if err != nil {
		return nil, false, false, err
	}
	if !s.who(r).seesAddresses(l) {
		// What posts said is shown as their pages show it: without
		// addresses to a visitor.
		for _, a := range as {
			a.Title, a.Question, a.Gist = mailmsg.HideAddresses(a.Title), mailmsg.HideAddresses(a.Question), mailmsg.HideAddresses(a.Gist)
			a.Asker, a.AnswerBy = mailmsg.HideAddresses(a.Asker), mailmsg.HideAddresses(a.AnswerBy)
		}
	}
	more := len(as) > size
	if more {
		as = as[:size]
	}
	return as, more, updating, nil
}

type answerView struct {
	*store.Answer
	ThreadPath, AnswerPath string
}

// answersPage is /l/LIST/answers: the questions the list answered, each
// with its best answer's gist.
func (s *Server) answersPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	q := readAnswerQuery(r)
	as, more, updating, err := s.library(r.Context(), r, l, q, answersPerPage)
	if s.queueRefused(w, r, err) {
		return
	}
	if err != nil {
		if status, msg := s.searchFailure(r, err); status == http.StatusBadRequest {
			s.page(w, r, status, "answers.html", map[string]any{"Title": "Answers · " + l.Name, "List": l, "AQ": q, "Error": msg,
				"Years": s.years(), "Base": listPath(l.Address) + "answers"})
			return
		}
		s.fail(w, r, "answers", err)
		return
	}
	views := make([]answerView, len(as))
	for i, a := range as {
		views[i] = answerView{Answer: a, ThreadPath: threadPath(l.Address, a.ThreadID), AnswerPath: messagePath(a.AnswerID)}
	}
	base := listPath(l.Address) + "answers"
	data := map[string]any{"Title": "Answers · " + l.Name, "List": l, "AQ": q, "Answers": views, "Base": base, "Years": s.years(),
		"Feed": base + ".atom", "Updating": updating}
	if s.who(r).moderates(l) {
		// A moderator's page carries forms: no cache keeps it.
		w.Header().Set("Cache-Control", "no-store")
		data["AnswerEdit"] = answerEditPath(l)
	}
	if more {
		data["Next"] = q.link(base, q.Page+1)
	}
	if q.Page > 1 {
		data["Prev"] = q.link(base, q.Page-1)
	}
	s.page(w, r, http.StatusOK, "answers.html", data)
}

// queueRefused answers a request that the queue at the cores refused
// when it came back from waiting for a library's making (see library),
// and tells whether it did.
func (s *Server) queueRefused(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, errClientBusy) && !errors.Is(err, errServerBusy) {
		return false
	}
	s.busyAnswer(w, r, err)
	return true
}

// years are the years the library's filter offers, newest first.
func (s *Server) years() []int {
	var out []int
	for y := s.now().UTC().Year(); y >= 2000; y-- {
		out = append(out, y)
	}
	return out
}

type apiAnswer struct {
	ThreadID   string   `json:"thread_id"`
	Title      string   `json:"title"`
	Question   string   `json:"question"`
	Asker      string   `json:"asker"`
	AskedAt    string   `json:"asked_at"`
	AnswerID   string   `json:"answer_message_id"`
	AnswerBy   string   `json:"answer_by"`
	AnsweredAt string   `json:"answered_at"`
	Gist       string   `json:"gist"`
	Terms      []string `json:"terms"`
	Score      float64  `json:"usefulness"`
	URL        string   `json:"url"`
}

// apiAnswers is /api/l/LIST/answers: a page of the library as JSON, with
// the query parameters of the page.
func (s *Server) apiAnswers(w http.ResponseWriter, r *http.Request) {
	l, ok := s.apiList(w, r)
	if !ok {
		return
	}
	q := readAnswerQuery(r)
	as, more, updating, err := s.library(r.Context(), r, l, q, answersPerPage)
	if s.queueRefused(w, r, err) {
		return
	}
	if err != nil {
		status, msg := s.searchFailure(r, err)
		s.apiError(w, status, msg)
		return
	}
	out := []apiAnswer{}
	for _, a := range as {
		out = append(out, apiAnswer{ThreadID: a.ThreadID, Title: a.Title, Question: a.Question, Asker: a.Asker, AskedAt: a.AskedAt.Format(time.RFC3339),
			AnswerID: a.AnswerID, AnswerBy: a.AnswerBy, AnsweredAt: a.AnsweredAt.Format(time.RFC3339), Gist: a.Gist, Terms: a.Terms,
			Score: a.Score, URL: s.absolute(threadPath(l.Address, a.ThreadID))})
	}
	res := map[string]any{"answers": out}
	if updating {
		res["updating"] = true
	}
	if more {
		res["next"] = s.absolute(q.link("/api"+listPath(l.Address)+"answers", q.Page+1))
	}
	s.json(w, http.StatusOK, res)
}

// answersFeed is /l/LIST/answers.atom: the newest entries of the library.
func (s *Server) answersFeed(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	as, _, _, err := s.library(r.Context(), r, l, answerQuery{ByDate: true, Page: 1}, feedPosts)
	if s.queueRefused(w, r, err) {
		return
	}
	if err != nil {
		s.fail(w, r, "answers feed", err)
		return
	}
	path := listPath(l.Address) + "answers.atom"
	feed := atomFeed{Title: "Answers · " + l.Name, ID: s.absolute(path), Links: []atomLink{{Href: s.absolute(path)}}}
	latest := time.Unix(0, 0).UTC()
	for _, a := range as {
		if a.AnsweredAt.After(latest) {
			latest = a.AnsweredAt
		}
		feed.Entries = append(feed.Entries, atomEntry{Title: a.Title, ID: s.absolute(threadPath(l.Address, a.ThreadID)),
			Updated: a.AnsweredAt.Format(time.RFC3339), Author: atomAuthor{Name: a.AnswerBy},
			Link:    atomLink{Href: s.absolute(threadPath(l.Address, a.ThreadID))},
			Content: atomText{Type: "text", Body: a.Question + "\n\n" + a.AnswerBy + ": " + a.Gist}})
	}
	feed.Updated = latest.Format(time.RFC3339)
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(feed); err != nil {
		s.log.Warn("answers feed", "err", err)
	}
}

// answerEditPath is where a list's moderators correct its library.
func answerEditPath(l *store.List) string { return listPath(l.Address) + "admin/answers" }

// answerEdit keeps a moderator's correction of the library (mark a thread
// answered or not, pick its best answer, retitle its entry), with who
// made it, judges the thread again at once, and goes back to the thread's
// page (or the library's, where the form was).
func (s *Server) answerEdit(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forModerators)
	if !ok {
		return
	}
	ctx := r.Context()
	thread, action, value := r.PostFormValue("thread"), r.PostFormValue("action"), strings.TrimSpace(r.PostFormValue("value"))
	posts, err := s.st.ArchiveThread(ctx, l.ID, thread)
	if err != nil {
		s.fail(w, r, "answers", err)
		return
	}
	refuse := func(msg string) {
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not changed", "List": l, "Message": msg})
	}
	if len(posts) == 0 {
		s.notFound(w, r)
		return
	}
	switch action {
	case store.EditMark, store.EditUnmark:
		value = ""
	case store.EditPick:
		found := false
		for _, p := range posts[1:] {
			found = found || p.MessageID == value
		}
		if !found {
			refuse("That post is not a reply in this thread.")
			return
		}
	case store.EditRetitle:
		if value == "" || len(value) > store.MaxAnswerTitle {
			refuse("A title is needed, of at most " + strconv.Itoa(store.MaxAnswerTitle) + " characters.")
			return
		}
	default:
		refuse("That is not a change the answers library knows.")
		return
	}
	by := "web (" + s.who(r).Address + ")"
	if _, err := answers.Correct(ctx, s.st, l, store.AnswerEdit{ThreadID: thread, At: time.Now(), Actor: by, Action: action, Value: value}); err != nil {
		s.fail(w, r, "answers", err)
		return
	}
	s.log.Info("answers library corrected", "list", l.Address, "thread", thread, "action", action, "by", by)
	back := threadPath(l.Address, thread)
	if r.PostFormValue("back") == "answers" {
		back = listPath(l.Address) + "answers"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
