package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"praxis/listserv/apppass"
	"praxis/listserv/request"
	"praxis/listserv/store"
)

// deliveryChoice is one way of receiving a list, as the settings page and
// the "stop these summaries" page offer them.
type deliveryChoice struct{ Mode, Label string }

var deliveryChoices = []deliveryChoice{
	{store.DeliverEach, "Every post, as it arrives"},
	{store.DeliverDigest, "A daily digest of the posts"},
	{store.DeliverSummary, "The weekly learning summary"},
	{store.DeliverNomail, "No mail for now (stay a member)"},
}

// membership is one list of the settings page: the list, the member's
// settings on it, and what the last action on it left to say.
type membership struct {
	List     *store.List
	Member   *store.Member
	Password string // a new app password, shown this once
	Note     string
}

// settingsPage shows a signed-in member their settings on every list they
// are on; a visitor who is not signed in is sent to sign in.
func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	if !s.who(r).signedIn() {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	s.showSettings(w, r, http.StatusOK, "", nil)
}

// showSettings renders the settings page; on the list named list, note (a
// new password, an error) is shown beside its forms.
func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, status int, list string, note func(*membership)) {
	ctx := r.Context()
	var ms []*membership
	for id, m := range s.who(r).member {
		l, err := s.st.ListByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			s.fail(w, r, "settings", err)
			return
		}
		one := &membership{List: l, Member: m}
		if note != nil && strings.EqualFold(l.Address, list) {
			note(one)
		}
		ms = append(ms, one)
	}
	slices.SortFunc(ms, func(a, b *membership) int { return strings.Compare(a.List.Address, b.List.Address) })
	s.page(w, r, status, "settings.html", map[string]any{"Title": "Your settings", "Lists": ms,
		"Choices": deliveryChoices, "Done": r.URL.Query().Get("done")})
}

// settingsPost carries out one form of the settings page, for the list
// the path names: save the settings, make or revoke app passwords, leave.
// The session proves the address, so nothing is asked by mail.
func (s *Server) settingsPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := s.who(r)
	if !v.signedIn() {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	if !s.checkCSRF(r) {
		s.formExpired(w, r)
		return
	}
	l, err := s.svc.List(ctx, r.PathValue("list"))
	if err != nil || v.member[l.ID] == nil {
		s.notFound(w, r)
		return
	}
	m := v.member[l.ID]
	back := "/settings?done="
	switch r.PostFormValue("action") {
	case "save":
		for _, setting := range request.Settings {
			if msg := applySetting(m, setting, r.PostForm); msg != "" {
				s.showSettings(w, r, http.StatusBadRequest, l.Address, func(one *membership) { one.Note = msg })
				return
			}
		}
		if msg, err := s.saveMember(r, m); err != nil {
			s.fail(w, r, "settings", err)
			return
		} else if msg != "" {
			s.showSettings(w, r, http.StatusBadRequest, l.Address, func(one *membership) { one.Note = msg })
			return
		}
		s.log.Info("member settings changed on the web", "list", l.Address, "rcpt", m.Address)
		back += "saved"
	case "app-password":
		plain, err := apppass.Issue(ctx, s.st, l.ID, m.Address)
		if err != nil {
			s.fail(w, r, "app password", err)
			return
		}
		s.log.Info("app password made on the web", "list", l.Address, "rcpt", m.Address)
		// Shown on this answer alone, never in a URL or a redirect.
		w.Header().Set("Cache-Control", "no-store")
		s.showSettings(w, r, http.StatusOK, l.Address, func(one *membership) { one.Password = plain })
		return
	case "revoke":
		n, err := s.st.RevokeAppPasswords(ctx, l.ID, m.Address)
		if err != nil {
			s.fail(w, r, "app password", err)
			return
		}
		s.log.Info("app passwords revoked on the web", "list", l.Address, "rcpt", m.Address, "count", n)
		back += "revoked"
	case "leave":
		if err := s.svc.RemoveMemberBy(ctx, store.Actor{Who: m.Address, Via: store.AuditWeb}, l.Address, m.Address); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, r, "leave", err)
			return
		}
		s.log.Info("member left on the web", "list", l.Address, "rcpt", m.Address)
		back += "left"
	default:
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not understood", "Message": "Choose one of the page's buttons."})
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// applySetting sets one of m's own settings from a form's values: the
// field named after the setting (checkboxes "listing" and "suggestions"
// are on when sent). It returns what is wrong with the form, or "".
func applySetting(m *store.Member, setting string, form url.Values) string {
	switch setting {
	case "delivery":
		mode := form.Get("delivery")
		if !slices.ContainsFunc(deliveryChoices, func(c deliveryChoice) bool { return c.Mode == mode }) {
			return "Choose how you receive the list."
		}
		m.Delivery = mode
	case "expertise":
		m.Expertise = request.Expertise(form.Get("expertise"))
	case "listing":
		m.Listed = form.Get("listing") == "on"
	case "suggestions":
		m.SuggestionsOff = form.Get("suggestions") != "on"
	}
	return ""
}

// saveMember stores m's changed settings; a change the list does not
// allow (a digest of a list without an archive) comes back as msg.
func (s *Server) saveMember(r *http.Request, m *store.Member) (msg string, err error) {
	err = s.svc.UpdateMember(r.Context(), m)
	if errors.Is(err, store.ErrInvalid) {
		return "That cannot be: " + err.Error() + ".", nil
	}
	return "", err
}

// settingsGrant reads the token of a settings link. A link that is not
// valid, expired, or names someone no longer a member answers 404 here.
func (s *Server) settingsGrant(w http.ResponseWriter, r *http.Request) (*request.SettingsGrant, *store.List, *store.Member, bool) {
	ctx := r.Context()
	key, err := s.st.Secret(ctx, request.SettingsSecret)
	if err != nil {
		s.fail(w, r, "settings link", err)
		return nil, nil, nil, false
	}
	g, err := request.ParseSettingsToken(key, r.PathValue("token"), s.now())
	var l *store.List
	var m *store.Member
	if err == nil {
		l, m, err = s.svc.Member(ctx, g.List, g.Address)
	}
	if err != nil && !errors.Is(err, request.ErrBadSettingsLink) && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, "settings link", err)
		return nil, nil, nil, false
	}
	if err != nil {
		s.page(w, r, http.StatusNotFound, "error.html", map[string]any{"Title": "Link not valid",
			"Message": "This settings link is not valid or has expired. Sign in to change your settings, or send the command again."})
		return nil, nil, nil, false
	}
	return g, l, m, true
}

// settingsOncePage answers a GET of a settings link with the form of its
// one setting: a GET changes nothing, as mail scanners follow links.
func (s *Server) settingsOncePage(w http.ResponseWriter, r *http.Request) {
	g, l, m, ok := s.settingsGrant(w, r)
	if !ok {
		return
	}
	// The form starts at what the mailed command asked for (?v=), when it
	// is a value the setting takes; saving it is still the member's act.
	shown := *m
	if v := strings.TrimSpace(r.URL.Query().Get("v")); v != "" {
		if g.Setting != "expertise" {
			v = strings.ToLower(v)
		}
		form := url.Values{g.Setting: {v}}
		if on, ok := request.OnOff(v); ok && on {
			form.Set(g.Setting, "on") // the checkboxes' value
		}
		applySetting(&shown, g.Setting, form)
	}
	s.page(w, r, http.StatusOK, "settings_once.html", map[string]any{"Title": "Change a setting · " + l.Name, "List": l, "Member": &shown,
		"Setting": g.Setting, "Choices": deliveryChoices, "Action": request.SettingsOncePath(r.PathValue("token"))})
}

// settingsOncePost makes the one change a settings link allows, once: the
// link's nonce is spent in the store, so a second use, here or on another
// node, is refused.
func (s *Server) settingsOncePost(w http.ResponseWriter, r *http.Request) {
	g, l, m, ok := s.settingsGrant(w, r)
	if !ok {
		return
	}
	if !s.checkCSRF(r) {
		s.formExpired(w, r)
		return
	}
	if msg := applySetting(m, g.Setting, r.PostForm); msg != "" {
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not understood", "Message": msg})
		return
	}
	fresh, err := s.st.UseSignIn(r.Context(), "settings:"+g.Nonce, g.Expires)
	if err != nil {
		s.fail(w, r, "settings link", err)
		return
	}
	if !fresh {
		s.page(w, r, http.StatusGone, "error.html", map[string]any{"Title": "Link used",
			"Message": "This settings link was used already; each works once. Sign in to change your settings."})
		return
	}
	if msg, err := s.saveMember(r, m); err != nil {
		s.fail(w, r, "settings link", err)
		return
	} else if msg != "" {
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not changed", "Message": msg})
		return
	}
	s.log.Info("member setting changed by a settings link", "list", l.Address, "rcpt", m.Address, "setting", g.Setting)
	s.page(w, r, http.StatusOK, "error.html", map[string]any{"Title": "Saved", "List": l,
		"Message": "Your " + g.Setting + " on " + l.Name + " is changed. To change more, sign in: " + s.absolute("/settings")})
}
