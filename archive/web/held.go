package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"praxis/archive/render"
	"praxis/listserv/store"
)

// heldPerPage is how many held posts one page of the queue shows.
const heldPerPage = 25

type heldView struct {
	Post     *store.Message
	Rendered *render.Message
}

// heldPage is the moderation queue of a list, for its moderators and
// owners; everyone else gets the same 404 as for a page that is not there.
func (s *Server) heldPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forModerators)
	if !ok {
		return
	}
	_, held, err := s.mod.Held(r.Context(), l.Address)
	if err != nil {
		s.fail(w, r, "held posts", err)
		return
	}
	total := len(held)
	one := r.PathValue("id")
	if one != "" {
		// One post, the one a moderator's notice links to.
		id, err := parseInt(one)
		i := slices.IndexFunc(held, func(m *store.Message) bool { return m.ID == id })
		if err != nil || i < 0 {
			s.page(w, r, http.StatusNotFound, "error.html", map[string]any{"Title": "Not waiting", "List": l,
				"Message": "That post is not waiting for a moderator: it was decided, or it expired. The list's held posts are at " + listPath(l.Address) + "admin/held."})
			return
		}
		held = held[i : i+1]
	}
	// A page at a time: a flood of spam must not make one huge page.
	pg := pageNumber(r)
	from := min(len(held), (pg-1)*heldPerPage)
	shown := held[from:min(len(held), from+heldPerPage)]
	views := make([]heldView, len(shown))
	for i, m := range shown {
		// The queue's listing has no bytes; each shown post is read whole.
		// One decided meanwhile shows as its header alone.
		if whole, err := s.mod.HeldPost(r.Context(), l.Address, m.ID); err == nil {
			m = whole
		} else if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
			s.fail(w, r, "held posts", err)
			return
		}
		views[i] = heldView{Post: m, Rendered: render.Render(m.Raw)}
	}
	data := map[string]any{"Title": "Held posts · " + l.Name, "Held": views, "Total": total, "One": one != ""}
	if from+heldPerPage < len(held) {
		data["Next"] = "held?page=" + itoa(pg+1)
	}
	if pg > 1 {
		data["Prev"] = "held?page=" + itoa(min(pg-1, len(held)/heldPerPage+1))
	}
	s.adminPage(w, r, http.StatusOK, "held.html", l, data)
}

// heldDecide approves, rejects (with a reason to the author) or discards
// one held post.
func (s *Server) heldDecide(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, ok := s.adminList(w, r, forModerators)
	if !ok {
		return
	}
	id, err := parseInt(r.PathValue("id"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	action := r.PostFormValue("action")
	switch action {
	case "approve":
		err = s.mod.Approve(ctx, l.Address, id)
	case "reject":
		err = s.mod.Reject(ctx, l.Address, id, strings.TrimSpace(r.PostFormValue("reason")))
	case "discard":
		err = s.mod.Discard(ctx, l.Address, id)
	default:
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not understood", "Message": "Choose approve, reject or discard."})
		return
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		s.page(w, r, http.StatusConflict, "error.html", map[string]any{"Title": "Already decided",
			"Message": "That post is no longer waiting: another moderator decided it, or it expired."})
		return
	}
	if err != nil {
		s.fail(w, r, "moderation", err)
		return
	}
	// As a decision by reply is logged (robot's decideHeld): who decided what.
	s.log.Info("held post decided on the web", "list", l.Address, "spool_id", id, "decision", action, "by", s.who(r).Address)
	http.Redirect(w, r, listPath(l.Address)+"admin/held?done="+action, http.StatusSeeOther)
}
