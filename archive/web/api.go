package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"praxis/archive"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// The JSON API under /api/: the same reads as the pages, with the same
// access rules (a private list is a 404 unless signed in as a member, by
// the same session cookie). Documented in README.md.

func (s *Server) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) apiError(w http.ResponseWriter, status int, msg string) {
	s.json(w, status, map[string]string{"error": msg})
}

type apiList struct {
	Address     string `json:"address"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Archive     string `json:"archive"`
	Posts       int    `json:"posts"`
	Threads     int    `json:"threads"`
}

func (s *Server) apiLists(w http.ResponseWriter, r *http.Request) {
	lists, err := s.svc.Lists(r.Context())
	if err != nil {
		s.apiError(w, http.StatusInternalServerError, "try again")
		return
	}
	v := s.who(r)
	out := []apiList{}
	for _, l := range lists {
		if !v.canRead(l) {
			continue
		}
		a := apiList{Address: l.Address, Name: l.Name, Description: l.Description, Archive: l.ArchivePolicy}
		a.Posts, _ = s.st.ArchivePostCount(r.Context(), l.ID)
		a.Threads, _ = s.st.ArchiveThreadCount(r.Context(), l.ID)
		out = append(out, a)
	}
	s.json(w, http.StatusOK, map[string]any{"lists": out})
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request) (*store.List, bool) {
	l, err := s.svc.List(r.Context(), r.PathValue("list"))
	if err != nil || !s.who(r).canRead(l) {
		s.apiError(w, http.StatusNotFound, "not found")
		return nil, false
	}
	return l, true
}

type apiThread struct {
	ThreadID  string `json:"thread_id"`
	Subject   string `json:"subject"`
	Posts     int    `json:"posts"`
	Authors   int    `json:"authors"`
	FirstDate string `json:"first_date"`
	LastDate  string `json:"last_date"`
	URL       string `json:"url"`
}

func (s *Server) apiThreads(w http.ResponseWriter, r *http.Request) {
	l, ok := s.apiList(w, r)
	if !ok {
		return
	}
	ts, err := s.st.ArchiveThreads(r.Context(), l.ID, threadCursor(r), threadsPerPage)
	if err == nil {
		var rows []threadRow
		if rows, err = s.threadRows(r, l, ts); err == nil {
			out := []apiThread{}
			for _, t := range rows {
				out = append(out, apiThread{ThreadID: t.ThreadID, Subject: t.Subject, Posts: t.Posts, Authors: t.Authors,
					FirstDate: t.FirstDate.Format(time.RFC3339), LastDate: t.LastDate.Format(time.RFC3339), URL: s.absolute(t.Path)})
			}
			next := ""
			if len(ts) == threadsPerPage {
				next = cursorOf(ts[len(ts)-1])
			}
			s.json(w, http.StatusOK, map[string]any{"threads": out, "next": next})
			return
		}
	}
	s.apiError(w, http.StatusInternalServerError, "try again")
}

type apiMessage struct {
	MessageID   string   `json:"message_id"`
	ThreadID    string   `json:"thread_id"`
	ParentID    string   `json:"parent_id"`
	List        string   `json:"list"`
	Subject     string   `json:"subject"`
	From        string   `json:"from"`
	Date        string   `json:"date"`
	Depth       int      `json:"depth"`
	Attachments []string `json:"attachments"`
	URL         string   `json:"url"`
	Text        string   `json:"text,omitempty"`
}

// apiPost is a post as the API gives it; its from is the address for a
// member signed in, the name for everyone else.
func (s *Server) apiPost(r *http.Request, l *store.List, p *store.ArchivedPost, depth int) apiMessage {
	att := p.Attachments
	if att == nil {
		att = []string{}
	}
	from, subject := p.FromAddr, p.Subject
	if v := s.who(r); !v.seesAddresses(l) {
		from, subject = v.author(l, p.FromAddr, p.FromName), mailmsg.HideAddresses(subject)
	}
	return apiMessage{MessageID: p.MessageID, ThreadID: p.ThreadID, ParentID: p.ParentID, List: l.Address, Subject: subject,
		From: from, Date: p.Date.Format(time.RFC3339), Depth: depth, Attachments: att, URL: s.absolute(messagePath(p.MessageID))}
}

func (s *Server) apiThread(w http.ResponseWriter, r *http.Request) {
	l, ok := s.apiList(w, r)
	if !ok {
		return
	}
	posts, err := s.st.ArchiveThread(r.Context(), l.ID, r.PathValue("thread"))
	if err != nil || len(posts) == 0 {
		s.apiError(w, http.StatusNotFound, "not found")
		return
	}
	out := []apiMessage{}
	for _, n := range archive.Tree(posts) {
		out = append(out, s.apiPost(r, l, n.Post, n.Depth))
	}
	// The list's earlier answered threads that asked the same, as the
	// thread's page shows them ("Answered before").
	related := []apiRelated{}
	hide := !s.who(r).seesAddresses(l)
	for _, rt := range s.answeredBefore(r.Context(), l, posts[0].ThreadID, posts[0]) {
		if hide {
			rt.Subject = mailmsg.HideAddresses(rt.Subject)
		}
		related = append(related, apiRelated{ThreadID: rt.ThreadID, Subject: rt.Subject, Date: rt.Date.UTC().Format(time.RFC3339), Posts: rt.Posts,
			URL: s.absolute(threadPath(l.Address, rt.ThreadID))})
	}
	s.json(w, http.StatusOK, map[string]any{"thread_id": posts[0].ThreadID, "messages": out, "answered_before": related})
}

type apiRelated struct {
	ThreadID string `json:"thread_id"`
	Subject  string `json:"subject"`
	Date     string `json:"date"`
	Posts    int    `json:"posts"`
	URL      string `json:"url"`
}

func (s *Server) apiMessage(w http.ResponseWriter, r *http.Request) {
	posts, err := s.st.ArchiveFind(r.Context(), strings.Trim(r.PathValue("id"), "<>"))
	if err == nil {
		v := s.who(r)
		for _, p := range posts {
			l, err := s.st.ListByID(r.Context(), p.ListID)
			if err != nil || !v.canRead(l) {
				continue
			}
			m := s.apiPost(r, l, p, 0)
			if pv, err := s.postView(r, l, p); err == nil {
				m.Text = ownText(pv.Message, 1<<20)
			}
			s.json(w, http.StatusOK, m)
			return
		}
	}
	if l, err := s.removedFrom(r, strings.Trim(r.PathValue("id"), "<>")); err == nil && l != nil {
		s.apiError(w, http.StatusGone, "removed from the archive")
		return
	}
	s.apiError(w, http.StatusNotFound, "not found")
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	l, ok := s.apiList(w, r)
	if !ok {
		return
	}
	sr := readSearch(r)
	limit, _ := parseInt(r.URL.Query().Get("limit"))
	if limit <= 0 {
		limit = hitsPerPage
	}
	res, err := s.search(r, l, sr, int(min(limit, 100)), r.URL.Query().Get("facets") != "")
	if err != nil {
		status, msg := s.searchFailure(r, err)
		s.apiError(w, status, msg)
		return
	}
	hits := []archive.SearchHit{}
	for _, h := range res.Hits {
		hits = append(hits, archive.SearchHit{MessageID: h.MessageID, ThreadID: h.Thread, List: h.List, Subject: h.Subject,
			From: h.From, Date: h.Date.UTC().Format(time.RFC3339), Snippet: h.Snippet})
	}
	// Above a few hundred hits the total is an estimate (the page is
	// exact): it says so, as `praxis search --json`'s never is.
	out := map[string]any{"total": res.Total, "total_estimated": res.Estimated, "hits": hits}
	if len(res.Hits) > 0 && len(res.Hits) == int(min(limit, 100)) {
		out["after"] = strings.Join(res.Hits[len(res.Hits)-1].Sort, ",")
	}
	if res.Authors != nil || res.Months != nil {
		if !s.who(r).seesAddresses(l) {
			// Authors are counted by address; the name stands for it.
			for i := range res.Authors {
				res.Authors[i].Term = res.Authors[i].Name
			}
		}
		out["authors"], out["months"] = res.Authors, res.Months
		if res.FacetSample > 0 {
			out["facet_sample"] = res.FacetSample
		}
	}
	s.json(w, http.StatusOK, out)
}
