package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"praxis/archive"
	"praxis/archive/learn"
	"praxis/archive/related"
	"praxis/archive/render"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
	"praxis/templates"
)

// Page sizes: what one page of a listing holds.
const (
	threadsPerPage = 30
	hitsPerPage    = 20
	resourcesPage  = 50
	postsPerPage   = 100
)

// page renders an HTML page with what every page needs: the visitor and a
// CSRF token for its forms.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	v := s.who(r)
	data["Visitor"] = v
	if l, ok := data["List"].(*store.List); ok {
		data["Raw"] = v.takesRaw(l)
		data["Manages"] = v.moderates(l)
	}
	data["CSRF"] = s.csrfToken(w, r)
	for _, k := range []string{"Q", "Feed"} {
		if _, ok := data[k]; !ok {
			data[k] = ""
		}
	}
	if _, ok := data["Path"]; !ok {
		data["Path"] = r.URL.Path
	}
	s.render(w, status, name, data)
}

// rawRefused answers a download of posts as they came that l's owner
// keeps for members signed in.
func (s *Server) rawRefused(w http.ResponseWriter, r *http.Request, l *store.List) {
	s.page(w, r, http.StatusForbidden, "error.html", map[string]any{"Title": "For members",
		"Message": "The posts of " + l.Name + " as they came, with their addresses, are for its members: sign in to download them. Every post can be read on its page."})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusNotFound, "error.html", map[string]any{"Title": "Not found",
		"Message": "There is nothing here, or nothing you may see without signing in."})
}

// readableList finds the list of a request that the visitor may read; it
// answers 404 itself otherwise, the same for a private list as for none,
// so that a private list's existence shows nowhere.
func (s *Server) readableList(w http.ResponseWriter, r *http.Request) (*store.List, bool) {
	l, err := s.svc.List(r.Context(), r.PathValue("list"))
	if err != nil || !s.who(r).canRead(l) {
		s.notFound(w, r)
		return nil, false
	}
	return l, true
}

// Paths of the archive, escaped: Message-IDs and thread ids may hold any
// character, '/' included.
var (
	listPath    = templates.ListPath
	threadPath  = templates.ThreadPath
	messagePath = templates.MessagePath
)

func attachmentPath(id string, n int, name string) string {
	return messagePath(id) + "/a/" + itoa(n) + "/" + url.PathEscape(name)
}

type listRow struct {
	List    *store.List
	Posts   int
	Threads int
	Latest  *store.ThreadSummary
	Member  bool
}

// home lists the public lists, and the private ones the visitor is on.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		s.notFound(w, r)
		return
	}
	v := s.who(r)
	lists, err := s.svc.Lists(r.Context())
	if err != nil {
		s.fail(w, r, "listing lists", err)
		return
	}
	var rows []listRow
	for _, l := range lists {
		if !v.canRead(l) {
			continue
		}
		row := listRow{List: l, Member: v.signedIn() && v.member[l.ID] != nil}
		row.Posts, _ = s.st.ArchivePostCount(r.Context(), l.ID)
		row.Threads, _ = s.st.ArchiveThreadCount(r.Context(), l.ID)
		if ts, _ := s.st.ArchiveThreads(r.Context(), l.ID, store.ThreadCursor{}, 1); len(ts) == 1 {
			row.Latest = ts[0]
		}
		rows = append(rows, row)
	}
	s.page(w, r, http.StatusOK, "home.html", map[string]any{"Title": "Communities", "Lists": rows})
}

type threadRow struct {
	*store.ThreadSummary
	Authors int
	Path    string
	Starter string // who wrote its first post, as the visitor may see them
}

// listPage shows a list: its latest threads, paged, with the activity of
// the last weeks beside them.
func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	after := threadCursor(r)
	ts, err := s.st.ArchiveThreads(ctx, l.ID, after, threadsPerPage+1)
	if err != nil {
		s.fail(w, r, "listing threads", err)
		return
	}
	next := ""
	if len(ts) > threadsPerPage {
		ts = ts[:threadsPerPage]
		last := ts[len(ts)-1]
		next = "?after=" + url.QueryEscape(cursorOf(last))
	}
	rows, err := s.threadRows(r, l, ts)
	if err != nil {
		s.fail(w, r, "listing threads", err)
		return
	}
	// The archive by month opens on the year of the latest thread.
	year := s.now().UTC().Year()
	if len(ts) > 0 {
		year = ts[0].LastDate.UTC().Year()
	}
	data := map[string]any{"Title": l.Name, "List": l, "Threads": rows, "Next": next, "First": after.ThreadID == "",
		"Moderator": s.who(r).moderates(l), "Year": year}
	if after.ThreadID == "" {
		act, err := s.activity(r, l)
		if err != nil {
			s.fail(w, r, "activity", err)
			return
		}
		data["Activity"] = act
	}
	s.page(w, r, http.StatusOK, "list.html", data)
}

// threadCursor reads a page of threads' ?after=, "SECONDS.THREAD-ID" of
// the previous page's last thread; cursorOf writes it.
func threadCursor(r *http.Request) store.ThreadCursor {
	if secs, id, ok := strings.Cut(r.URL.Query().Get("after"), "."); ok {
		if n, err := parseInt(secs); err == nil {
			return store.ThreadCursor{LastDate: time.Unix(n, 0), ThreadID: id}
		}
	}
	return store.ThreadCursor{}
}

func cursorOf(t *store.ThreadSummary) string { return itoa64(t.LastDate.Unix()) + "." + t.ThreadID }

func (s *Server) threadRows(r *http.Request, l *store.List, ts []*store.ThreadSummary) ([]threadRow, error) {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ThreadID
	}
	authors, err := s.st.ArchiveThreadAuthors(r.Context(), l.ID, ids)
	if err != nil {
		return nil, err
	}
	roots := make([]int64, len(ts))
	for i, t := range ts {
		roots[i] = t.RootID
	}
	posts, err := s.st.ArchiveByIDs(r.Context(), roots)
	if err != nil {
		return nil, err
	}
	starter := map[int64]string{}
	v := s.who(r)
	for _, p := range posts {
		starter[p.ID] = mailmsg.Demunged(p.FromName)
		if p.FromName == "" || !v.seesAddresses(l) {
			starter[p.ID] = v.author(l, p.FromAddr, p.FromName)
		}
	}
	rows := make([]threadRow, len(ts))
	for i, t := range ts {
		rows[i] = threadRow{ThreadSummary: t, Authors: authors[t.ThreadID], Path: threadPath(l.Address, t.ThreadID), Starter: starter[t.RootID]}
	}
	return rows, nil
}

type postView struct {
	Post    *store.ArchivedPost
	Depth   int
	Indent  int // depth capped, for the page's indentation
	Path    string
	Message *render.Message
	Attach  []attachmentLink
	Raw     bool // the visitor may download the post as it came
	// Subject is the post's own subject, set on a thread's page when it
	// is about something else than the thread's (a topic renamed midway).
	Subject string
	// NewTopic marks a post that starts a topic of its own inside the
	// thread (learn.TopicStarts): a new matter under a new subject, or
	// someone else's own question; the thread and its links stay as
	// they are.
	NewTopic bool
	// Reply is a mailto: link that answers the post on the list.
	Reply string
	// Remove is the page that removes the post from the archive, for
	// the list's moderators and owners; "" for everyone else.
	Remove string
	// Best is where a moderator makes the post its thread's best answer
	// in the answers library (with CSRF, their form's token); "" for
	// everyone else and for the asker's posts.
	Best, CSRF string
}

type attachmentLink struct {
	render.Attachment
	Path string // "" when the visitor may not download it (takesRaw)
}

// threadPage shows a thread as a tree, every post rendered, quotes folded.
// THREAD.mbox and THREAD.atom are the thread as mbox and as a feed.
func (s *Server) threadPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	id := r.PathValue("thread")
	suffix := ""
	posts, err := s.st.ArchiveThread(ctx, l.ID, id)
	if err == nil && len(posts) == 0 {
		for _, sfx := range []string{".mbox", ".atom"} {
			if base, ok := strings.CutSuffix(id, sfx); ok {
				id, suffix = base, sfx
				posts, err = s.st.ArchiveThread(ctx, l.ID, id)
				break
			}
		}
	}
	if err != nil {
		s.fail(w, r, "thread", err)
		return
	}
	if len(posts) == 0 {
		s.notFound(w, r)
		return
	}
	switch suffix {
	case ".mbox":
		if !s.who(r).takesRaw(l) {
			s.rawRefused(w, r, l)
			return
		}
		s.mboxOf(w, r, l.Address+"-thread.mbox", posts)
		return
	case ".atom":
		s.atomOf(w, r, l, "Thread: "+templates.Title(posts[0].Subject), threadPath(l.Address, id), posts)
		return
	}
	// A long thread is shown a page of the tree at a time.
	tree := archive.Tree(posts)
	pg := pageNumber(r)
	from := min(len(tree), (pg-1)*postsPerPage)
	shown := tree[from:min(len(tree), from+postsPerPage)]
	keep := map[string]bool{}
	for _, n := range shown {
		keep[n.Post.Hash] = true
	}
	starts, read := s.topicStarts(ctx, posts, keep)
	views := make([]postView, 0, len(shown))
	for _, n := range shown {
		var pv postView
		if raw, ok := read[n.Post.Hash]; ok {
			pv = s.postViewOf(r, l, n.Post, raw)
		} else if pv, err = s.postView(r, l, n.Post); err != nil {
			s.fail(w, r, "thread", err)
			return
		}
		pv.Depth, pv.Indent = n.Depth, min(n.Depth, 6)
		if s.who(r).moderates(l) && n.Post != posts[0] && mailmsg.AuthorKey(n.Post.FromAddr, n.Post.FromName) != mailmsg.AuthorKey(posts[0].FromAddr, posts[0].FromName) {
			pv.Best, pv.CSRF = answerEditPath(l), s.csrfToken(w, r)
		}
		pv.NewTopic = starts[n.Post.MessageID]
		if !strings.EqualFold(mailmsg.Topic(n.Post.Subject), mailmsg.Topic(posts[0].Subject)) {
			pv.Subject = templates.Title(n.Post.Subject)
		}
		views = append(views, pv)
	}
	path := threadPath(l.Address, id)
	prev, next, err := s.st.ArchiveThreadNeighbours(ctx, l.ID, id)
	if err != nil {
		s.fail(w, r, "thread", err)
		return
	}
	data := map[string]any{"PrevThread": prev, "NextThread": next, "Title": templates.Title(posts[0].Subject), "List": l, "Posts": views, "Count": len(posts),
		"ThreadID": id, "Path": path}
	if rel := s.answeredBefore(ctx, l, id, posts[0]); len(rel) > 0 {
		if !s.who(r).seesAddresses(l) {
			for i := range rel {
				rel[i].Subject = mailmsg.HideAddresses(rel[i].Subject)
			}
		}
		data["Related"] = rel
	}
	if s.who(r).moderates(l) {
		data["AnswerEdit"] = answerEditPath(l)
	}
	if from+postsPerPage < len(tree) {
		data["Next"] = path + "?page=" + itoa(pg+1)
	}
	if pg > 1 {
		data["Prev"] = path + "?page=" + itoa(min(pg-1, len(tree)/postsPerPage+1))
	}
	s.page(w, r, http.StatusOK, "thread.html", data)
}

// maxTopicReads bounds the posts a thread page reads to find where topics
// start: beyond it, a newcomer's post is judged by its subject alone.
const maxTopicReads = 64

// topicStarts finds the posts of a thread that start a topic of their own
// (learn.TopicStarts). Only a post that is its author's first in the
// thread can be someone else's own question, and a post under another
// subject than the one it answers (other words, not only "Re:" or a
// tag) starts a topic only when it asks (or its author is new), so only
// those (and the thread's first post, whose models a "me too" is
// compared with) are read, at most maxTopicReads; the others are judged
// by their subjects (a renamed one, unread, as a new matter).
// What it read of the posts in keep (the page's) is returned by hash, so
// that the page does not read them again; the rest is let go at once.
func (s *Server) topicStarts(ctx context.Context, posts []*store.ArchivedPost, keep map[string]bool) (starts map[string]bool, read map[string][]byte) {
	read = map[string][]byte{}
	seen := map[string]bool{}
	reads := 0
	lp := make([]*learn.Post, 0, len(posts))
	subjects := make(map[string]string, len(posts)) // by Message-ID
	for _, p := range posts {
		q := &learn.Post{ID: p.ID, MessageID: p.MessageID, ThreadID: p.ThreadID, ParentID: p.ParentID, Date: p.Date,
			FromAddr: p.FromAddr, FromName: p.FromName, Key: mailmsg.AuthorKey(p.FromAddr, p.FromName), Subject: p.Subject}
		// The subject it answers: its parent's, or the post before it
		// (as learn reads a post whose parent is not in the thread).
		answered, ok := subjects[p.ParentID]
		if !ok && len(lp) > 0 {
			answered = lp[len(lp)-1].Subject
		}
		renamed := len(lp) > 0 && p.Subject != answered && learn.CleanSubject(p.Subject) != learn.CleanSubject(answered)
		subjects[p.MessageID] = p.Subject
		if (!seen[q.Key] || renamed) && reads < maxTopicReads {
			// A post that cannot be read is judged by its subject: the
			// mark is not worth failing the page for.
			if raw, err := s.st.ArchiveRaw(ctx, p.Hash); err == nil {
				q.Body = learn.OwnText(learn.QuickText(raw))
				if keep[p.Hash] {
					read[p.Hash] = raw
				}
			}
			reads++
		}
		seen[q.Key] = true
		lp = append(lp, q)
	}
	return learn.TopicStarts(lp), read
}

// postView renders a post of l for the visitor: with its addresses cut
// unless they may see them.
func (s *Server) postView(r *http.Request, l *store.List, p *store.ArchivedPost) (postView, error) {
	raw, err := s.st.ArchiveRaw(r.Context(), p.Hash)
	if err != nil {
		return postView{}, err
	}
	return s.postViewOf(r, l, p, raw), nil
}

// postViewOf is postView of a post whose stored bytes are already read.
func (s *Server) postViewOf(r *http.Request, l *store.List, p *store.ArchivedPost, raw []byte) postView {
	m := render.Render(raw)
	if !s.who(r).seesAddresses(l) {
		m.HideAddresses()
	}
	pv := postView{Post: p, Path: messagePath(p.MessageID), Message: m, Raw: s.who(r).takesRaw(l), Reply: replyLink(l, p)}
	if s.who(r).moderates(l) {
		pv.Remove = removePath(l, p.MessageID)
	}
	for _, a := range m.Attachments {
		al := attachmentLink{Attachment: a}
		if pv.Raw {
			al.Path = attachmentPath(p.MessageID, a.Index, a.Filename)
		}
		pv.Attach = append(pv.Attach, al)
	}
	return pv
}

// replyLink is a mailto: URL (RFC 6068) that writes to the list in reply
// to p: its Subject "Re: " and the post's topic, and In-Reply-To and
// References its Message-ID, so that the answer lands in the thread.
// Each value is percent-encoded, a space as %20 (RFC 6068 §5: "+" is not
// a space in mailto:).
func replyLink(l *store.List, p *store.ArchivedPost) string {
	enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	subject := "Re: " + mailmsg.Topic(p.Subject)
	id := "<" + p.MessageID + ">"
	return "mailto:" + url.PathEscape(l.Address) + "?subject=" + enc(subject) + "&In-Reply-To=" + enc(id) + "&References=" + enc(id)
}

// messagePost finds the post of /m/ID the visitor may read: a post sent to
// several lists is in each archive, and the first readable one is shown.
func (s *Server) messagePost(w http.ResponseWriter, r *http.Request) (*store.ArchivedPost, *store.List, bool) {
	posts, err := s.st.ArchiveFind(r.Context(), strings.Trim(r.PathValue("id"), "<>"))
	if err != nil {
		s.fail(w, r, "message", err)
		return nil, nil, false
	}
	v := s.who(r)
	for _, p := range posts {
		l, err := s.st.ListByID(r.Context(), p.ListID)
		if err == nil && v.canRead(l) {
			return p, l, true
		}
	}
	s.removedOrNotFound(w, r, strings.Trim(r.PathValue("id"), "<>"))
	return nil, nil, false
}

// removedOrNotFound answers 410 Gone for a post removed from a list the
// visitor may read (`praxis archive rm`), and 404 otherwise.
func (s *Server) removedOrNotFound(w http.ResponseWriter, r *http.Request, messageID string) {
	l, err := s.removedFrom(r, messageID)
	switch {
	case err != nil:
		s.fail(w, r, "message", err)
	case l != nil:
		s.page(w, r, http.StatusGone, "error.html", map[string]any{"Title": "Removed",
			"Message": "This post was removed from the archive of " + l.Address + "."})
	default:
		s.notFound(w, r)
	}
}

// removedFrom returns a list the visitor may read whose archive a post
// was removed from, or nil: a private list's removals show no more than
// its posts.
func (s *Server) removedFrom(r *http.Request, messageID string) (*store.List, error) {
	gone, err := s.st.ArchiveRemoved(r.Context(), messageID)
	if err != nil {
		return nil, err
	}
	v := s.who(r)
	for _, g := range gone {
		if l, err := s.st.ListByID(r.Context(), g.ListID); err == nil && v.canRead(l) {
			return l, nil
		}
	}
	return nil, nil
}

// messagePage is a post's permalink.
func (s *Server) messagePage(w http.ResponseWriter, r *http.Request) {
	p, l, ok := s.messagePost(w, r)
	if !ok {
		return
	}
	pv, err := s.postView(r, l, p)
	if err != nil {
		s.fail(w, r, "message", err)
		return
	}
	s.page(w, r, http.StatusOK, "message.html", map[string]any{"Title": templates.Subject(p.Subject), "List": l, "Post": pv,
		"ThreadPath": threadPath(l.Address, p.ThreadID)})
}

// rawMessage serves the post as stored, as text: never as anything a
// browser would render or run. The post is loaded only once a download
// slot is taken, so requests beyond the slots cost no memory.
func (s *Server) rawMessage(w http.ResponseWriter, r *http.Request) {
	p, l, ok := s.messagePost(w, r)
	if !ok {
		return
	}
	if !s.who(r).takesRaw(l) {
		s.rawRefused(w, r, l)
		return
	}
	s.loadAndDownload(w, r, s.posts, func() *downloadBody {
		raw, err := s.postBytes(r, p)
		if err != nil {
			s.fail(w, r, "raw message", err)
			return nil
		}
		return bytesBody("text/plain; charset=utf-8", "", raw)
	})
}

// attachment serves one attachment with a safe type, as a download; like
// the raw post, the post is loaded and decoded within a download slot.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	p, l, ok := s.messagePost(w, r)
	if !ok {
		return
	}
	// An attachment is bytes of the post as it came, addresses and all
	// (a forwarded message, a signature file): the raw posts' rule.
	if !s.who(r).takesRaw(l) {
		s.rawRefused(w, r, l)
		return
	}
	n, err := parseInt(r.PathValue("n"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	s.loadAndDownload(w, r, s.posts, func() *downloadBody {
		raw, err := s.postBytes(r, p)
		if err != nil {
			s.fail(w, r, "attachment", err)
			return nil
		}
		data, a, err := render.AttachmentData(raw, int(n))
		if err != nil {
			s.notFound(w, r)
			return nil
		}
		w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
		return bytesBody(a.SafeType, "attachment; filename*=UTF-8''"+url.PathEscape(a.Filename), data)
	})
}

// postBytes loads a post's bytes for a download, counting the loads.
func (s *Server) postBytes(r *http.Request, p *store.ArchivedPost) ([]byte, error) {
	s.postLoads.Add(1)
	return s.st.ArchiveRaw(r.Context(), p.Hash)
}

// maxPage is the highest page number a listing takes: far beyond any
// real thread or queue, and small enough that page × page size stays far
// from overflowing an int.
const maxPage = 1 << 20

// pageNumber reads ?page=, 1 when it is missing or not a number, and
// within 1..maxPage whatever it says (92233720368547760 times a page size
// overflowed into a negative slice index).
func pageNumber(r *http.Request) int {
	n, err := parseInt(r.URL.Query().Get("page"))
	if err != nil {
		return 1
	}
	return int(min(max(n, 1), maxPage))
}

// fail logs an error and shows a page that says so without details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	s.log.Error(what, "path", r.URL.Path, "remote", s.client(r), "err", err)
	s.page(w, r, http.StatusInternalServerError, "error.html", map[string]any{"Title": "Try again",
		"Message": "Something went wrong on our side; please try again in a minute."})
}

// maxNoRelated bounds the threads remembered to have no related ones.
const maxNoRelated = 10000

// answeredBefore returns the threads of the list that asked what a
// thread's question asks, answered before it (related_threads): those
// kept when it was archived, or, for a question archived without (an
// import), found now and kept. Nothing for a thread that does not open
// with a question; a failure shows nothing (the page does not need it).
func (s *Server) answeredBefore(ctx context.Context, l *store.List, id string, root *store.ArchivedPost) []store.RelatedThread {
	kept, err := s.st.Related(ctx, l.ID, []string{id})
	if err != nil {
		s.log.Warn("related threads", "list", l.Address, "thread", id, "err", err)
		return nil
	}
	if rs := kept[id]; len(rs) > 0 || s.related == nil || root.ParentID != "" {
		return rs
	}
	key := strconv.FormatInt(l.ID, 10) + " " + id
	if _, none := s.noRelated.Load(key); none {
		return nil
	}
	feats, err := s.st.PostFeatures(ctx, []int64{root.ID}, true)
	if err != nil {
		s.log.Warn("related threads", "list", l.Address, "thread", id, "err", err)
		return nil
	}
	f := feats[root.ID]
	var rs []store.RelatedThread
	if f != nil && learn.Features(f.Flags).Has(learn.FeatAsks) && learn.StartsThread(root.Subject) {
		found, err := s.related.Find(ctx, l, related.Question{MessageID: root.MessageID, ThreadID: id, Subject: root.Subject, Text: f.Own, Date: root.Date})
		if err != nil {
			s.log.Warn("related threads", "list", l.Address, "thread", id, "err", err)
			return nil
		}
		for _, t := range found {
			rs = append(rs, store.RelatedThread{ThreadID: t.ThreadID, Subject: t.Subject, Date: t.Date, Posts: t.Posts, Score: t.Score})
		}
	}
	if len(rs) == 0 {
		if s.noCount.Add(1) > maxNoRelated {
			s.noRelated.Clear()
			s.noCount.Store(0)
		}
		s.noRelated.Store(key, true)
		return nil
	}
	if _, err := s.st.PutRelated(ctx, l.ID, id, rs); err != nil {
		s.log.Warn("related threads", "list", l.Address, "thread", id, "err", err)
	}
	return rs
}
