package web

import (
	"errors"
	"net/http"
	"praxis/listserv/request"
	"praxis/listserv/store"
)

// unsubscribePage answers a GET of a one-click link with a confirm button:
// mail scanners fetch links, so a GET must never unsubscribe (RFC 8058 §4).
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	list, token := r.PathValue("list"), r.PathValue("token")
	addr, err := s.oc.CheckUnsubscribeToken(list, token)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "Link not valid", "This unsubscribe link is not valid. Use the link in a recent message from the list, or write to the list's -request address with the word unsubscribe.")
		return
	}
	l, err := s.svc.List(r.Context(), list)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "No such list", "This list no longer exists.")
		return
	}
	_, _, merr := s.svc.Member(r.Context(), list, addr)
	s.page(w, r, http.StatusOK, "unsubscribe.html", map[string]any{
		"Title": "Leave " + l.Name, "ListName": l.Name, "ListAddress": l.Address, "Address": addr,
		"Action": request.UnsubscribePath(l.Address, token), "Gone": errors.Is(merr, store.ErrNotFound),
	})
}

// unsubscribePost is the RFC 8058 one-click endpoint: a POST whose body
// holds List-Unsubscribe=One-Click unsubscribes at once, with no cookie and
// no further step (§3.2). The confirm button of the page posts the same.
func (s *Server) unsubscribePost(w http.ResponseWriter, r *http.Request) {
	list, token := r.PathValue("list"), r.PathValue("token")
	if r.FormValue("List-Unsubscribe") != "One-Click" {
		s.errorPage(w, r, http.StatusBadRequest, "Not understood", "A one-click unsubscribe request carries List-Unsubscribe=One-Click.")
		return
	}
	addr, gone, err := s.oc.UnsubscribeByToken(r.Context(), list, token)
	switch {
	case errors.Is(err, store.ErrInvalid):
		s.errorPage(w, r, http.StatusNotFound, "Link not valid", "This unsubscribe link is not valid.")
		return
	case err != nil:
		s.log.Error("one-click unsubscribe", "list", list, "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "Try again", "Something went wrong on our side; please try again in a minute.")
		return
	}
	name := list
	if l, err := s.svc.List(r.Context(), list); err == nil {
		name = l.Name
	}
	s.page(w, r, http.StatusOK, "unsubscribe.html", map[string]any{
		"Title": "Left " + name, "ListName": name, "ListAddress": list, "Address": addr, "Done": !gone, "Gone": gone,
	})
}
