package web

import (
	"net/http"
	"praxis/listserv/inbound"
	"strings"

	"praxis/listserv/store"
)

// infoPage is a list's about page, with the subscribe and leave forms.
// A private list shows nothing to anyone but its members, not even that
// it exists: people join it by mail to its -request address.
func (s *Server) infoPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.knownList(w, r)
	if !ok {
		return
	}
	s.page(w, r, http.StatusOK, "info.html", map[string]any{"Title": "About " + l.Name, "List": l,
		"CanRead": s.who(r).canRead(l), "Request": inbound.Address(l.Address, "request")})
}

// membershipPost handles the subscribe and leave forms: either way the
// address gets a mail to confirm, so nobody can sign someone else up or
// out, and the page says the same whatever the address, so it tells
// nobody who is a member.
func (s *Server) membershipPost(w http.ResponseWriter, r *http.Request) {
	l, ok := s.knownList(w, r)
	if !ok {
		return
	}
	if !s.mailForm(w, r) {
		return
	}
	var err error
	addr, perr := store.ParseAddress(r.PostFormValue("address"))
	if perr != nil {
		s.page(w, r, http.StatusBadRequest, "info.html", map[string]any{"Title": "About " + l.Name, "List": l,
			"CanRead": s.who(r).canRead(l), "Request": inbound.Address(l.Address, "request"),
			"Error": "That does not look like an email address."})
		return
	}
	if !s.addressQuota(w, r, "confirm", addr) {
		return
	}
	leaving := r.PathValue("action") == "leave"
	if leaving {
		_, err = s.subs.Unsubscribe(r.Context(), l, addr)
	} else {
		_, err = s.subs.RequestSubscription(r.Context(), l, addr, strings.TrimSpace(r.PostFormValue("name")))
	}
	if err != nil {
		s.fail(w, r, "membership request", err)
		return
	}
	msg := "If " + addr + " can join, a message is on its way there: follow its link (or reply to it) to confirm."
	if leaving {
		msg = "If " + addr + " is a member, a message is on its way there: follow its link (or reply to it) to confirm leaving."
	}
	s.page(w, r, http.StatusOK, "error.html", map[string]any{"Title": "Check your mail", "Message": msg})
}

// knownList finds the list of a request whose existence the visitor may
// learn: a public list, a list without an archive, or a private one they
// are on. Otherwise it answers the same 404 as for no list at all.
func (s *Server) knownList(w http.ResponseWriter, r *http.Request) (*store.List, bool) {
	l, err := s.svc.List(r.Context(), r.PathValue("list"))
	if err != nil || (l.ArchivePolicy == store.ArchivePrivate && !s.who(r).canRead(l)) {
		s.notFound(w, r)
		return nil, false
	}
	return l, true
}

// mailForm checks a POST of a form that makes Praxis send mail: its CSRF
// token, and the client's rate. It answers the request itself when the
// form may not go on.
func (s *Server) mailForm(w http.ResponseWriter, r *http.Request) bool {
	if !s.checkCSRF(r) {
		s.formExpired(w, r)
		return false
	}
	if !s.limit.take(r.Context(), s.client(r), s.now()) {
		s.page(w, r, http.StatusTooManyRequests, "error.html", map[string]any{"Title": "Slow down",
			"Message": "Too many requests from your network; please try again in a few minutes."})
		return false
	}
	return true
}

// perRequesterPerAddress is how many mails of one kind one client may
// have sent to one address a day. The service allows an address
// request.MaxSignInsPerDay sign-in links and MaxConfirmationsPerDay
// confirmation requests a day, whoever asks; this share is below both, so
// a stranger asking for someone's address leaves its owner some of the
// day's quota.
const perRequesterPerAddress = 2

// addressQuota checks the client's share of the mail of kind to addr,
// answering 429 itself when it is used up. It is counted whether or not
// the address is a member, so the answer tells nothing about who is.
func (s *Server) addressQuota(w http.ResponseWriter, r *http.Request, kind, addr string) bool {
	if s.addrLimit.take(r.Context(), s.client(r)+"\x00"+kind+"\x00"+store.AddressKey(addr), s.now()) {
		return true
	}
	s.log.Info("address quota", "kind", kind, "remote", s.client(r))
	s.page(w, r, http.StatusTooManyRequests, "error.html", map[string]any{"Title": "Slow down",
		"Message": "Enough messages were asked for " + addr + " from your network today; please try again tomorrow."})
	return false
}

func (s *Server) formExpired(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusForbidden, "error.html", map[string]any{"Title": "Form expired",
		"Message": "This form was not sent from this site's page, or your browser did not keep its cookie. Go back, reload the page and try again."})
}
