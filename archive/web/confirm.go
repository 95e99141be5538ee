package web

import (
	"net/http"
	"praxis/listserv/request"
)

// confirmPage shows what a confirmation link confirms, with a button: a
// GET changes nothing, since mail scanners follow links.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	list, token := r.PathValue("list"), r.PathValue("token")
	p, l, err := s.subs.PendingRequest(r.Context(), list, token)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "Nothing to confirm", "This link is not valid any more: the request may have expired (after three days) or been confirmed already.")
		return
	}
	s.page(w, r, http.StatusOK, "confirm.html", map[string]any{
		"Title": "Confirm: " + l.Name, "Question": request.Describe(p, l),
		"Action": "/l/" + l.Address + "/confirm/" + token,
	})
}

// confirmPost confirms the request; for moderators' decisions the reply by
// mail is the way, as it carries approve, reject or discard.
func (s *Server) confirmPost(w http.ResponseWriter, r *http.Request) {
	list, token := r.PathValue("list"), r.PathValue("token")
	if _, _, err := s.subs.PendingRequest(r.Context(), list, token); err != nil {
		s.errorPage(w, r, http.StatusNotFound, "Nothing to confirm", "This link is not valid any more: the request may have expired or been confirmed already.")
		return
	}
	out, err := s.subs.Confirm(r.Context(), token, "", "")
	if err != nil {
		s.log.Error("confirming by web", "list", list, "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "Try again", "Something went wrong on our side; please try again in a minute.")
		return
	}
	s.page(w, r, http.StatusOK, "confirm.html", map[string]any{"Title": "Confirmed", "Done": true, "Message": out.Message})
}
