package web

import (
	"net/http"
	"net/url"
	"praxis/listserv/store"
)

// signInForm asks for an address; ?list= names the list the visitor came
// from, which the link then leads back to.
func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "signin.html", map[string]any{"Title": "Sign in", "ListAddress": r.URL.Query().Get("list")})
}

// signInPost mails a sign-in link to a member of the list. The answer is
// the same whether or not the address is a member, so the form tells
// nobody who is on a private list.
func (s *Server) signInPost(w http.ResponseWriter, r *http.Request) {
	if !s.mailForm(w, r) {
		return
	}
	ctx := r.Context()
	addr, err := store.ParseAddress(r.PostFormValue("address"))
	if err != nil {
		s.page(w, r, http.StatusBadRequest, "signin.html", map[string]any{"Title": "Sign in", "ListAddress": r.PostFormValue("list"),
			"Error": "That does not look like an email address."})
		return
	}
	if !s.addressQuota(w, r, "signin", addr) {
		return
	}
	ms, err := s.svc.Memberships(ctx, addr)
	if err != nil {
		s.fail(w, r, "sign-in", err)
		return
	}
	// The list the visitor came from if they are on it, else any of theirs.
	var l *store.List
	if want, err := s.svc.List(ctx, r.PostFormValue("list")); err == nil && ms[want.ID] != nil {
		l = want
	}
	for id := range ms {
		if l != nil {
			break
		}
		l, _ = s.st.ListByID(ctx, id)
	}
	if l != nil {
		expires := s.now().Add(signInLife)
		tok, err := s.signInToken(ctx, addr, l.Address, expires)
		if err == nil {
			_, err = s.subs.SendSignIn(ctx, l, addr, s.absolute("/signin/"+tok), expires)
		}
		if err != nil {
			s.fail(w, r, "sign-in", err)
			return
		}
	}
	s.page(w, r, http.StatusOK, "error.html", map[string]any{"Title": "Check your mail",
		"Message": "If " + addr + " is a member of a list here, a sign-in link is on its way there. It works once, for 30 minutes."})
}

// signInLink shows a button for a sign-in link: a GET changes nothing, as
// mail scanners follow links, and the POST of the button signs in.
func (s *Server) signInLink(w http.ResponseWriter, r *http.Request) {
	si, err := s.parseSignIn(r.Context(), r.PathValue("token"))
	if err != nil {
		s.page(w, r, http.StatusNotFound, "error.html", map[string]any{"Title": "Link not valid",
			"Message": "This sign-in link is not valid or has expired. Ask for a new one."})
		return
	}
	s.page(w, r, http.StatusOK, "signin.html", map[string]any{"Title": "Sign in", "Confirm": true, "Address": si.addr,
		"Action": "/signin/" + url.PathEscape(r.PathValue("token"))})
}

func (s *Server) signInUse(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	si, err := s.parseSignIn(ctx, r.PathValue("token"))
	if err != nil || !s.checkCSRF(r) {
		s.page(w, r, http.StatusNotFound, "error.html", map[string]any{"Title": "Link not valid",
			"Message": "This sign-in link is not valid or has expired. Ask for a new one."})
		return
	}
	fresh, err := s.st.UseSignIn(ctx, si.nonce, si.expires)
	if err != nil {
		s.fail(w, r, "sign-in", err)
		return
	}
	if !fresh {
		s.page(w, r, http.StatusGone, "error.html", map[string]any{"Title": "Link used",
			"Message": "This sign-in link was used already; each works once. Ask for a new one."})
		return
	}
	id := randomToken()
	if err := s.st.CreateSession(ctx, id, si.addr, s.now().Add(sessionLife)); err != nil {
		s.fail(w, r, "sign-in", err)
		return
	}
	s.setCookie(w, sessionCookie, id, sessionLife)
	// Back to the list the link was for: a path we make, never one the
	// request names, so the link cannot send anyone elsewhere.
	http.Redirect(w, r, listPath(si.list), http.StatusSeeOther)
}

// signOut ends the session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if !s.checkCSRF(r) {
		s.formExpired(w, r)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.st.DeleteSession(r.Context(), c.Value)
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
