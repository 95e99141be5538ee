package web

import (
	"net/http"
	"net/url"
	"strings"

	"praxis/listserv/store"
	"praxis/templates"
)

// A moderator's removal of a post from a list's archive: the web's side
// of `praxis archive rm`, the same store.ArchiveRemove (a tombstone, the
// post out of every page, feed, export, index and IMAP view, and a 410
// on its permalink). A link on the post leads to a page that shows it
// and asks for a reason; its form removes it. Everyone but the list's
// moderators and owners gets the 404 of a page that is not there.

// removePath is the page that removes a post from l's archive.
func removePath(l *store.List, messageID string) string {
	return listPath(l.Address) + "admin/remove/" + url.PathEscape(messageID)
}

// removalTarget finds the list of a removal request and the post of its
// archive the request names, for a moderator of that list (adminList: a
// form's CSRF token checked too). It answers itself (and returns ok
// false) when the visitor does not moderate the list, or the post is not
// in its archive. Its pages show a post with its addresses to a
// moderator: no cache keeps them.
func (s *Server) removalTarget(w http.ResponseWriter, r *http.Request) (*store.List, *store.ArchivedPost, bool) {
	ctx := r.Context()
	l, ok := s.adminList(w, r, forModerators)
	if !ok {
		return nil, nil, false
	}
	w.Header().Set("Cache-Control", "no-store")
	id := strings.Trim(r.PathValue("id"), "<>")
	posts, err := s.st.ArchiveFind(ctx, id)
	if err != nil {
		s.fail(w, r, "remove", err)
		return nil, nil, false
	}
	for _, p := range posts {
		// Another list's post of the same Message-ID is that list's
		// moderators' to remove.
		if p.ListID == l.ID {
			return l, p, true
		}
	}
	gone, err := s.st.ArchiveRemoved(ctx, id)
	if err != nil {
		s.fail(w, r, "remove", err)
		return nil, nil, false
	}
	for _, g := range gone {
		if g.ListID == l.ID {
			s.page(w, r, http.StatusGone, "error.html", map[string]any{"Title": "Already removed", "List": l,
				"Message": "That post was removed from the archive of " + l.Address + " (by " + g.By + ")."})
			return nil, nil, false
		}
	}
	s.notFound(w, r)
	return nil, nil, false
}

// removeForm shows the post and asks for the removal's reason.
func (s *Server) removeForm(w http.ResponseWriter, r *http.Request) {
	l, p, ok := s.removalTarget(w, r)
	if !ok {
		return
	}
	pv, err := s.postView(r, l, p)
	if err != nil {
		s.fail(w, r, "remove", err)
		return
	}
	pv.Remove = "" // this page is where it leads
	s.page(w, r, http.StatusOK, "remove.html", map[string]any{"Title": "Remove from the archive · " + l.Name, "List": l, "Post": pv,
		"Subject": templates.Title(p.Subject), "Action": removePath(l, p.MessageID), "MaxReason": store.MaxRemovalReason})
}

// removePost removes the post, as `praxis archive rm` does, naming the
// moderator in the tombstone.
func (s *Server) removePost(w http.ResponseWriter, r *http.Request) {
	l, p, ok := s.removalTarget(w, r)
	if !ok {
		return
	}
	by := s.who(r).Address
	if _, err := s.st.ArchiveRemove(r.Context(), store.Removal{ListID: l.ID, MessageID: p.MessageID, By: "web (" + by + ")", Reason: r.PostFormValue("reason")}); err != nil {
		s.fail(w, r, "remove", err)
		return
	}
	s.log.Info("post removed from the archive on the web", "list", l.Address, "msg_id", p.MessageID, "by", by)
	s.page(w, r, http.StatusOK, "remove.html", map[string]any{"Title": "Removed · " + l.Name, "List": l, "Done": true,
		"Subject": templates.Title(p.Subject), "Permalink": messagePath(p.MessageID)})
}
