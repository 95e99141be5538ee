package web

import (
	"errors"
	"net/http"
	"praxis/listserv/request"
	"praxis/listserv/store"
	"slices"
)

// unsubscribePage answers a GET of a member's unsubscribe link (the
// List-Unsubscribe header's, and "Change or stop these summaries" in a
// summary) with the ways of receiving the list first and leaving as one of
// them: most who want fewer mails do not want to leave. Mail scanners
// fetch links, so a GET changes nothing (RFC 8058 §4).
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
	_, m, merr := s.svc.Member(r.Context(), list, addr)
	data := map[string]any{
		"Title": "Mail from " + l.Name, "ListName": l.Name, "ListAddress": l.Address, "Address": addr,
		"Action": request.UnsubscribePath(l.Address, token), "Gone": errors.Is(merr, store.ErrNotFound), "Choices": deliveryChoices,
	}
	if m != nil {
		data["Delivery"] = m.Delivery
	}
	s.page(w, r, http.StatusOK, "unsubscribe.html", data)
}

// unsubscribePost is the RFC 8058 one-click endpoint: a POST whose body
// holds List-Unsubscribe=One-Click unsubscribes at once, with no cookie and
// no further step (§3.2). The page's leave button posts the same; its
// other buttons post delivery=MODE, which changes how the member receives
// the list instead. The token is the member's own secret link, as for the
// one-click POST, so it stands in for a CSRF token.
func (s *Server) unsubscribePost(w http.ResponseWriter, r *http.Request) {
	list, token := r.PathValue("list"), r.PathValue("token")
	if mode := r.PostFormValue("delivery"); mode != "" && r.PostFormValue("List-Unsubscribe") == "" {
		s.deliveryByToken(w, r, list, token, mode)
		return
	}
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

// deliveryByToken changes the delivery of the member an unsubscribe token
// names to mode, one of deliveryChoices.
func (s *Server) deliveryByToken(w http.ResponseWriter, r *http.Request, list, token, mode string) {
	ctx := r.Context()
	addr, err := s.oc.CheckUnsubscribeToken(list, token)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "Link not valid", "This link is not valid. Use the link in a recent message from the list.")
		return
	}
	if !slices.ContainsFunc(deliveryChoices, func(c deliveryChoice) bool { return c.Mode == mode }) {
		s.errorPage(w, r, http.StatusBadRequest, "Not understood", "Choose one of the page's buttons.")
		return
	}
	l, m, err := s.svc.Member(ctx, list, addr)
	if errors.Is(err, store.ErrNotFound) {
		s.page(w, r, http.StatusOK, "unsubscribe.html", map[string]any{"Title": "Mail from " + list, "ListName": list, "ListAddress": list, "Address": addr, "Gone": true})
		return
	}
	if err != nil {
		s.fail(w, r, "delivery", err)
		return
	}
	m.Delivery = mode
	if msg, err := s.saveMember(r, m); err != nil {
		s.fail(w, r, "delivery", err)
		return
	} else if msg != "" {
		s.errorPage(w, r, http.StatusBadRequest, "Not changed", msg)
		return
	}
	s.log.Info("delivery changed by unsubscribe link", "list", l.Address, "rcpt", addr, "delivery", mode)
	label := ""
	for _, c := range deliveryChoices {
		if c.Mode == mode {
			label = c.Label
		}
	}
	s.page(w, r, http.StatusOK, "unsubscribe.html", map[string]any{"Title": "Mail from " + l.Name, "ListName": l.Name, "ListAddress": l.Address,
		"Address": addr, "Changed": label, "Action": request.UnsubscribePath(l.Address, token), "Choices": deliveryChoices, "Delivery": mode})
}
