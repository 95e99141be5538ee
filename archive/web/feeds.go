package web

import (
	"compress/gzip"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"time"

	"praxis/archive"
	"praxis/archive/mbox"
	"praxis/archive/render"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Atom (RFC 4287) of a list's latest posts, a thread, or a search.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	Title   string     `xml:"title"`
	ID      string     `xml:"id"`
	Updated string     `xml:"updated"`
	Author  atomAuthor `xml:"author"`
	Link    atomLink   `xml:"link"`
	Content atomText   `xml:"content"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// feedPosts is how many posts a feed carries; feedText how much of each.
const (
	feedPosts = 30
	feedText  = 2000
)

func (s *Server) absolute(path string) string {
	return strings.TrimRight(s.svc.BaseURL(), "/") + path
}

// atomOf writes posts as an Atom feed, newest first, each with the start
// of its own text (quotes and signature left out) as plain text.
func (s *Server) atomOf(w http.ResponseWriter, r *http.Request, l *store.List, title, path string, posts []*store.ArchivedPost) {
	feed := atomFeed{Title: title + " · " + l.Name, ID: s.absolute(path), Links: []atomLink{{Href: s.absolute(path)}}}
	latest := time.Unix(0, 0)
	start := max(0, len(posts)-feedPosts)
	v := s.who(r)
	hide := !v.seesAddresses(l)
	for i := len(posts) - 1; i >= start; i-- {
		p := posts[i]
		if p.Date.After(latest) {
			latest = p.Date
		}
		text := ""
		if raw, err := s.st.ArchiveRaw(r.Context(), p.Hash); err == nil {
			m := render.Render(raw)
			if hide {
				m.HideAddresses()
			}
			text = ownText(m, feedText)
		}
		name, subject := p.FromName, p.Subject
		if name == "" {
			name = p.FromAddr
		}
		if hide {
			subject = mailmsg.HideAddresses(subject)
		}
		if hide || mailmsg.Demunged(name) != name {
			name = v.author(l, p.FromAddr, p.FromName)
		}
		feed.Entries = append(feed.Entries, atomEntry{Title: subject, ID: s.absolute(messagePath(p.MessageID)),
			Updated: p.Date.UTC().Format(time.RFC3339), Author: atomAuthor{Name: name},
			Link: atomLink{Href: s.absolute(messagePath(p.MessageID))}, Content: atomText{Type: "text", Body: text}})
	}
	feed.Updated = latest.UTC().Format(time.RFC3339)
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(feed); err != nil {
		s.log.Warn("atom feed", "err", err)
	}
}

// ownText is the start of what a post says itself, for feeds.
func ownText(m *render.Message, limit int) string {
	var b strings.Builder
	for _, part := range m.Parts {
		for _, bl := range part.Blocks {
			if bl.Kind != render.Plain {
				continue
			}
			b.WriteString(bl.Text)
			b.WriteString("\n")
			if b.Len() > limit {
				return b.String()[:limit] + "…"
			}
		}
	}
	return b.String()
}

// listAtom is the feed of a list's latest posts.
func (s *Server) listAtom(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	posts, err := s.st.ArchiveLatest(r.Context(), l.ID, feedPosts)
	if err != nil {
		s.fail(w, r, "feed", err)
		return
	}
	// atomOf takes oldest first, as threads come.
	for i, j := 0, len(posts)-1; i < j; i, j = i+1, j-1 {
		posts[i], posts[j] = posts[j], posts[i]
	}
	s.atomOf(w, r, l, "Latest posts", listPath(l.Address), posts)
}

// searchPosts runs a search and returns its posts, newest first. It
// answers the request itself when the search cannot run.
func (s *Server) searchPosts(w http.ResponseWriter, r *http.Request, l *store.List, limit int) ([]*store.ArchivedPost, bool) {
	sr := readSearch(r)
	sr.Newest = true
	res, err := s.search(r, l, sr, limit, false)
	if err != nil {
		status, msg := s.searchFailure(r, err)
		http.Error(w, msg, status)
		return nil, false
	}
	ids := make([]int64, 0, len(res.Hits))
	for _, h := range res.Hits {
		if n, err := parseInt(h.ID); err == nil {
			ids = append(ids, n)
		}
	}
	posts, err := s.st.ArchiveByIDs(r.Context(), ids)
	if err != nil {
		s.fail(w, r, "search", err)
		return nil, false
	}
	return posts, true
}

// searchAtom is a search as a feed: follow a question across the archive.
func (s *Server) searchAtom(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	posts, ok := s.searchPosts(w, r, l, feedPosts)
	if !ok {
		return
	}
	for i, j := 0, len(posts)-1; i < j; i, j = i+1, j-1 {
		posts[i], posts[j] = posts[j], posts[i]
	}
	s.atomOf(w, r, l, "Search: "+readSearch(r).Q, listPath(l.Address)+"search?q="+readSearch(r).Q, posts)
}

// searchMbox is a search's hits (up to 1,000) as an mbox.
func (s *Server) searchMbox(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	if !s.who(r).takesRaw(l) {
		s.rawRefused(w, r, l)
		return
	}
	posts, ok := s.searchPosts(w, r, l, 1000)
	if !ok {
		return
	}
	s.mboxOf(w, r, l.Address+"-search.mbox", posts)
}

func attachmentName(name string) string {
	return `attachment; filename="` + strings.NewReplacer(`"`, "", "\r", "", "\n", "").Replace(name) + `"`
}

// mboxOf streams posts as an mboxrd download, each post's bytes read from
// the store as it is written.
func (s *Server) mboxOf(w http.ResponseWriter, r *http.Request, name string, posts []*store.ArchivedPost) {
	s.download(w, r, s.exports, "application/mbox", attachmentName(name), func(out io.Writer) error {
		mw := mbox.NewWriter(out)
		for _, p := range posts {
			raw, err := s.st.ArchiveRaw(r.Context(), p.Hash)
			if err != nil {
				s.log.Warn("mbox", "post", p.ID, "err", err)
				continue
			}
			if err := mw.Write(p.FromAddr, p.Date, archive.ExportBytes(p, raw)); err != nil {
				return err
			}
		}
		return mw.Close()
	})
}

// export is the whole archive of a list as a gzipped mboxrd, streamed: a
// big archive takes longer than any overall write timeout, so it is the
// per-chunk deadline of download that cuts a client who stops reading.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	if !s.who(r).takesRaw(l) {
		s.rawRefused(w, r, l)
		return
	}
	s.download(w, r, s.exports, "application/gzip", attachmentName(l.Address+".mbox.gz"), func(out io.Writer) error {
		zw := gzip.NewWriter(out)
		mw := mbox.NewWriter(zw)
		err := s.st.ArchiveEach(r.Context(), l.ID, time.Time{}, func(p *store.ArchivedPost) error {
			raw, err := s.st.ArchiveRaw(r.Context(), p.Hash)
			if err != nil {
				return err
			}
			return mw.Write(p.FromAddr, p.Date, archive.ExportBytes(p, raw))
		})
		if err == nil {
			err = mw.Close()
		}
		if err == nil {
			err = zw.Close()
		}
		return err
	})
}
