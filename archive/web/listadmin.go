package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"praxis/listserv/request"
	"praxis/listserv/store"
)

// The owners' and moderators' pages, under /l/LIST/admin. Who may do
// what follows Mailman 3's Postorius: the held queue and whether a
// member's posts are moderated are the moderators' (Postorius lets a
// moderator set a member's moderation action from the held queue, and
// decide held posts and subscription requests, all behind
// list_moderator_required); the list's settings, the roster otherwise
// (adding, removing, roles, delivery, the CSV export and import), the
// bans and the audit log are the owners' (list_owner_required). A
// moderator asking for an owner's page is told so (403: they know the
// list); a member, a visitor or anyone signed out gets the 404 of a page
// that is not there, so that the pages show nothing of a list to them.
//
// Every change goes through the same function of the list domain as the
// CLI's (Lists: SetList, AddMemberBy, …), which applies the same rules
// and writes the audit log; every POST carries the CSRF token.

// adminRoutes adds the admin pages to mux.
func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /l/{list}/admin", s.adminHome)
	mux.HandleFunc("GET /l/{list}/admin/settings", s.adminSettings)
	mux.HandleFunc("POST /l/{list}/admin/settings", s.adminSettingsPost)
	mux.HandleFunc("GET /l/{list}/admin/members", s.adminMembers)
	mux.HandleFunc("POST /l/{list}/admin/members", s.adminMembersPost)
	mux.HandleFunc("GET /l/{list}/admin/members.csv", s.adminMembersCSV)
	mux.HandleFunc("POST /l/{list}/admin/import", s.adminImport)
	mux.HandleFunc("GET /l/{list}/admin/bans", s.adminBans)
	mux.HandleFunc("POST /l/{list}/admin/bans", s.adminBansPost)
	mux.HandleFunc("GET /l/{list}/admin/requests", s.adminRequests)
	mux.HandleFunc("POST /l/{list}/admin/requests", s.adminRequestsPost)
	mux.HandleFunc("GET /l/{list}/admin/log", s.adminLog)
	mux.HandleFunc("GET /l/{list}/admin/held", s.heldPage)
	mux.HandleFunc("GET /l/{list}/admin/held/{id}", s.heldPage)
	mux.HandleFunc("POST /l/{list}/admin/held/{id}", s.heldDecide)
	mux.HandleFunc("GET /l/{list}/admin/remove/{id}", s.removeForm)
	mux.HandleFunc("POST /l/{list}/admin/remove/{id}", s.removePost)
	mux.HandleFunc("POST /l/{list}/admin/answers", s.answerEdit)
	// The held queue's first addresses, which the notices already sent
	// link to.
	mux.HandleFunc("GET /l/{list}/held", s.heldMoved)
	mux.HandleFunc("GET /l/{list}/held/{id}", s.heldMoved)
	mux.HandleFunc("POST /l/{list}/held/{id}", s.heldMoved)
}

// owns tells whether v is an owner of l.
func (v *visitor) owns(l *store.List) bool {
	if !v.signedIn() {
		return false
	}
	m := v.member[l.ID]
	return m != nil && m.Role == store.RoleOwner
}

// actor is v as the audit log names who made a change on the web.
func (v *visitor) actor() store.Actor {
	return store.Actor{Who: v.Address, Via: store.AuditWeb}
}

// Who an admin page is for.
const (
	forModerators = iota // moderators and owners
	forOwners
)

// adminList finds the list of an admin request and checks that the
// visitor may use the page: it answers the request itself (404, or 403
// for a moderator on an owner's page) and returns false otherwise. For a
// POST it checks the CSRF token too, after the role, so that a form from
// another site learns nothing either.
func (s *Server) adminList(w http.ResponseWriter, r *http.Request, who int) (*store.List, bool) {
	l, err := s.svc.List(r.Context(), r.PathValue("list"))
	if err != nil || !s.who(r).moderates(l) {
		s.notFound(w, r)
		return nil, false
	}
	if who == forOwners && !s.who(r).owns(l) {
		s.page(w, r, http.StatusForbidden, "error.html", map[string]any{"Title": "For the list's owners", "List": l,
			"Message": "This page is for the owners of " + l.Name + ". Its moderators have the held posts and the members' moderation: see " + listPath(l.Address) + "admin."})
		return nil, false
	}
	if r.Method != http.MethodPost {
		return l, true
	}
	if err := parsePost(r); err != nil {
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not understood", "List": l,
			"Message": "The form did not arrive whole. A members file bigger than 1 MB is imported with `praxis import members`."})
		return nil, false
	}
	if !s.checkCSRF(r) {
		s.formExpired(w, r)
		return nil, false
	}
	return l, true
}

// parsePost reads a POST's form, a file's upload (multipart) too, within
// the server's limit on a body.
func parsePost(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(1 << 20)
	}
	return r.ParseForm()
}

// adminPage renders one of the admin pages with what every one shows.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, status int, name string, l *store.List, data map[string]any) {
	data["List"] = l
	data["Owner"] = s.who(r).owns(l)
	data["Admin"] = listPath(l.Address) + "admin"
	data["Done"] = r.URL.Query().Get("done")
	// The pages show addresses and settings to their own users only.
	w.Header().Set("Cache-Control", "no-store")
	s.page(w, r, status, name, data)
}

// adminDone sends the browser back to a page after a change, saying what
// was done (one of the words the page knows).
func (s *Server) adminDone(w http.ResponseWriter, r *http.Request, l *store.List, page, done string) {
	http.Redirect(w, r, listPath(l.Address)+"admin/"+page+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forModerators)
	if !ok {
		return
	}
	_, held, err := s.mod.Held(r.Context(), l.Address)
	if err != nil {
		s.fail(w, r, "admin", err)
		return
	}
	_, members, err := s.svc.Members(r.Context(), l.Address)
	if err != nil {
		s.fail(w, r, "admin", err)
		return
	}
	s.adminPage(w, r, http.StatusOK, "admin.html", l, map[string]any{"Title": "Admin · " + l.Name, "Held": len(held), "Members": len(members)})
}

// settingField is one of the settings form's fields.
type settingField struct {
	*store.Setting
	Value string
}

func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forOwners)
	if !ok {
		return
	}
	s.showSettingsForm(w, r, http.StatusOK, l, l, "")
}

// showSettingsForm shows the settings form with shown's values (the
// list's, or those just refused) and what was wrong with them.
func (s *Server) showSettingsForm(w http.ResponseWriter, r *http.Request, status int, l, shown *store.List, problem string) {
	fields := make([]settingField, len(store.ListSettings))
	for i := range store.ListSettings {
		set := &store.ListSettings[i]
		fields[i] = settingField{set, set.Get(shown)}
	}
	s.adminPage(w, r, status, "admin_settings.html", l, map[string]any{"Title": "Settings · " + l.Name, "Fields": fields, "Problem": problem})
}

// adminSettingsPost changes the settings the form sent; a setting it
// does not name stays as it is. A switch's checkbox follows a hidden
// "false" of the same name, so that a switch turned off is sent too: the
// last value of a field is the one taken.
func (s *Server) adminSettingsPost(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forOwners)
	if !ok {
		return
	}
	changed := *l
	var errs []error
	for i := range store.ListSettings {
		set := &store.ListSettings[i]
		vs, sent := r.PostForm[set.Name]
		if !sent || len(vs) == 0 {
			continue
		}
		errs = append(errs, set.Set(&changed, vs[len(vs)-1]))
	}
	err := errors.Join(errs...)
	if err == nil {
		err = s.svc.SetList(r.Context(), s.who(r).actor(), &changed)
	}
	if errors.Is(err, store.ErrInvalid) {
		s.showSettingsForm(w, r, http.StatusBadRequest, l, &changed, store.ErrorText(err))
		return
	}
	if err != nil {
		s.fail(w, r, "list settings", err)
		return
	}
	s.log.Info("list settings changed on the web", "list", l.Address, "by", s.who(r).Address)
	s.adminDone(w, r, l, "settings", "saved")
}

// membersPerPage is how many members one page of the roster shows.
const membersPerPage = 50

func (s *Server) adminMembers(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forModerators)
	if !ok {
		return
	}
	s.showMembers(w, r, http.StatusOK, l, nil)
}

// showMembers shows the roster, the members whose address or name holds
// the search's words, a page at a time; extra adds to what it shows (the
// report of an import, a refused change).
func (s *Server) showMembers(w http.ResponseWriter, r *http.Request, status int, l *store.List, extra map[string]any) {
	_, all, err := s.svc.Members(r.Context(), l.Address)
	if err != nil {
		s.fail(w, r, "members", err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	found := all
	if q != "" {
		needle := strings.ToLower(q)
		found = slices.DeleteFunc(slices.Clone(all), func(m *store.Member) bool {
			return !strings.Contains(strings.ToLower(m.Address), needle) && !strings.Contains(strings.ToLower(m.Name), needle)
		})
	}
	pg := pageNumber(r)
	from := min(len(found), (pg-1)*membersPerPage)
	data := map[string]any{"Title": "Members · " + l.Name, "Members": found[from:min(len(found), from+membersPerPage)],
		"Found": len(found), "Total": len(all), "Find": q,
		"Roles":      []string{store.RoleMember, store.RoleModerator, store.RoleOwner},
		"Deliveries": []string{store.DeliverEach, store.DeliverDigest, store.DeliverSummary, store.DeliverNomail}}
	page := func(n int) string {
		v := url.Values{"page": {itoa(n)}}
		if q != "" {
			v.Set("q", q)
		}
		return "members?" + v.Encode()
	}
	if from+membersPerPage < len(found) {
		data["Next"] = page(pg + 1)
	}
	if pg > 1 {
		data["Prev"] = page(min(pg-1, len(found)/membersPerPage+1))
	}
	for k, v := range extra {
		data[k] = v
	}
	s.adminPage(w, r, status, "admin_members.html", l, data)
}

// adminMembersPost adds, changes or removes a member. Moderators may only
// set whether a member's posts are moderated ("moderate").
func (s *Server) adminMembersPost(w http.ResponseWriter, r *http.Request) {
	// Which page's rights the change needs is in the form; adminList
	// checks the form's token after.
	action := r.PostFormValue("action")
	who := forOwners
	if action == "moderate" {
		who = forModerators
	}
	l, ok := s.adminList(w, r, who)
	if !ok {
		return
	}
	ctx, by := r.Context(), s.who(r).actor()
	addr := strings.TrimSpace(r.PostFormValue("address"))
	var err error
	switch action {
	case "add":
		m := &store.Member{Address: addr, Name: store.CleanName(r.PostFormValue("name")), Role: r.PostFormValue("role"), Delivery: r.PostFormValue("delivery")}
		err = s.svc.AddMemberBy(ctx, by, l.Address, m)
	case "set", "moderate":
		var m *store.Member
		if _, m, err = s.svc.Member(ctx, l.Address, addr); err != nil {
			break
		}
		if action == "set" {
			m.Role, m.Delivery = r.PostFormValue("role"), r.PostFormValue("delivery")
		}
		m.Moderated = lastValue(r.PostForm, "moderated") == "true"
		err = s.svc.SetMember(ctx, by, m)
	case "remove":
		err = s.svc.RemoveMemberBy(ctx, by, l.Address, addr)
	default:
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not understood", "Message": "Choose one of the page's buttons."})
		return
	}
	switch {
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrDuplicate), errors.Is(err, store.ErrNotFound):
		s.showMembers(w, r, http.StatusBadRequest, l, map[string]any{"Problem": store.ErrorText(err)})
		return
	case err != nil:
		s.fail(w, r, "members", err)
		return
	}
	s.log.Info("member changed on the web", "list", l.Address, "rcpt", addr, "action", action, "by", by.Who)
	s.adminDone(w, r, l, "members", action)
}

// lastValue is the last value of a form's field: a checkbox's, when it
// follows a hidden field of the same name that stands for it unchecked.
func lastValue(form url.Values, name string) string {
	vs := form[name]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// adminMembersCSV exports the roster as a members file, which the import
// (and `praxis import members`) reads back.
func (s *Server) adminMembersCSV(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forOwners)
	if !ok {
		return
	}
	_, ms, err := s.svc.Members(r.Context(), l.Address)
	if err != nil {
		s.fail(w, r, "members export", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="members.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := store.WriteMembersCSV(w, ms); err != nil {
		s.log.Info("members export cut", "list", l.Address, "err", err)
	}
}

// adminImport adds the members of an uploaded members file, as `praxis
// import members` does (one function does both). The upload is bounded
// by the server's limit on a request's body (1 MiB, some 20,000
// members); a bigger roster goes in by the CLI.
func (s *Server) adminImport(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forOwners)
	if !ok {
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		s.showMembers(w, r, http.StatusBadRequest, l, map[string]any{"Problem": "Choose a members file to import."})
		return
	}
	defer f.Close()
	rep, err := s.svc.ImportMembers(r.Context(), s.who(r).actor(), l.Address, f)
	if err != nil && !errors.Is(err, store.ErrNotMembersFile) {
		s.fail(w, r, "members import", err)
		return
	}
	type refused struct {
		Line int
		Why  string
	}
	var bad []refused
	for _, b := range rep.Refused {
		bad = append(bad, refused{b.Line, store.ErrorText(b.Err)})
	}
	report := map[string]any{"Added": rep.Added, "Already": rep.Already, "Refused": bad}
	if err != nil {
		report["Problem"] = store.ErrorText(err)
	}
	s.log.Info("members imported on the web", "list", l.Address, "added", rep.Added, "refused", len(bad), "by", s.who(r).Address)
	s.showMembers(w, r, http.StatusOK, l, map[string]any{"Import": report})
}

func (s *Server) adminBans(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forOwners)
	if !ok {
		return
	}
	s.showBans(w, r, http.StatusOK, l, "")
}

func (s *Server) showBans(w http.ResponseWriter, r *http.Request, status int, l *store.List, problem string) {
	bans, err := s.svc.Bans(r.Context(), l.Address)
	if err != nil {
		s.fail(w, r, "bans", err)
		return
	}
	s.adminPage(w, r, status, "admin_bans.html", l, map[string]any{"Title": "Bans · " + l.Name, "Bans": bans, "Problem": problem})
}

func (s *Server) adminBansPost(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forOwners)
	if !ok {
		return
	}
	ctx, by := r.Context(), s.who(r).actor()
	pattern := strings.TrimSpace(r.PostFormValue("pattern"))
	var err error
	switch action := r.PostFormValue("action"); action {
	case "add":
		err = s.svc.AddBan(ctx, by, l.Address, pattern)
	case "remove":
		err = s.svc.RemoveBan(ctx, by, l.Address, pattern)
	default:
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not understood", "Message": "Choose one of the page's buttons."})
		return
	}
	switch {
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrDuplicate), errors.Is(err, store.ErrNotFound):
		s.showBans(w, r, http.StatusBadRequest, l, store.ErrorText(err))
		return
	case err != nil:
		s.fail(w, r, "bans", err)
		return
	}
	s.log.Info("ban changed on the web", "list", l.Address, "pattern", pattern, "by", by.Who)
	s.adminDone(w, r, l, "bans", r.PostFormValue("action"))
}

func (s *Server) adminRequests(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forModerators)
	if !ok {
		return
	}
	s.showRequests(w, r, http.StatusOK, l, "")
}

// showRequests shows the requests to join that wait for a moderator, and
// those that wait for the person (a subscription to confirm, an
// invitation to accept), with the owners' invitation form.
func (s *Server) showRequests(w http.ResponseWriter, r *http.Request, status int, l *store.List, problem string) {
	_, ps, err := s.subs.Requests(r.Context(), l.Address)
	if err != nil {
		s.fail(w, r, "requests", err)
		return
	}
	var moderator, person []*store.Pending
	for _, p := range ps {
		if p.Kind == store.PendingApproval {
			moderator = append(moderator, p)
		} else {
			person = append(person, p)
		}
	}
	s.adminPage(w, r, status, "admin_requests.html", l, map[string]any{"Title": "Requests · " + l.Name,
		"ForModerator": moderator, "ForPerson": person, "Problem": problem})
}

// adminRequestsPost decides a request to join (moderators: approve,
// reject, discard), or cancels one waiting for the person, or invites
// someone (owners).
func (s *Server) adminRequestsPost(w http.ResponseWriter, r *http.Request) {
	action := r.PostFormValue("action")
	who := forOwners
	if action == "approve" || action == "reject" || action == "discard" {
		who = forModerators
	}
	l, ok := s.adminList(w, r, who)
	if !ok {
		return
	}
	ctx, by := r.Context(), s.who(r).actor()
	var err error
	switch action {
	case "invite":
		var o request.Outcome
		o, err = s.svc.InviteBy(ctx, by, l.Address, strings.TrimSpace(r.PostFormValue("address")), r.PostFormValue("name"))
		if err == nil && !o.Done {
			// Not sent: asked already, or the address's quota is spent.
			s.showRequests(w, r, http.StatusOK, l, o.Message)
			return
		}
	case "approve", "reject", "discard", "cancel":
		id, perr := parseInt(r.PostFormValue("id"))
		if perr != nil {
			s.notFound(w, r)
			return
		}
		_, err = s.subs.DecideRequest(ctx, l.Address, id, by, action, strings.TrimSpace(r.PostFormValue("reason")))
	default:
		s.page(w, r, http.StatusBadRequest, "error.html", map[string]any{"Title": "Not understood", "Message": "Choose one of the page's buttons."})
		return
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.showRequests(w, r, http.StatusConflict, l, "That request is no longer waiting: it was decided or cancelled, or it expired.")
		return
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrDuplicate):
		s.showRequests(w, r, http.StatusBadRequest, l, store.ErrorText(err))
		return
	case err != nil:
		s.fail(w, r, "requests", err)
		return
	}
	s.log.Info("request decided on the web", "list", l.Address, "decision", action, "by", by.Who)
	s.adminDone(w, r, l, "requests", action)
}

// logPerPage is how many entries one page of the audit log shows.
const logPerPage = 50

func (s *Server) adminLog(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forOwners)
	if !ok {
		return
	}
	before, _ := parseInt(r.URL.Query().Get("before"))
	_, es, err := s.svc.AuditLog(r.Context(), l.Address, before, logPerPage+1)
	if err != nil {
		s.fail(w, r, "audit log", err)
		return
	}
	data := map[string]any{"Title": "Log · " + l.Name, "Entries": es}
	if len(es) > logPerPage {
		es = es[:logPerPage]
		data["Entries"] = es
		data["Older"] = "log?before=" + itoa64(es[len(es)-1].ID)
	}
	s.adminPage(w, r, http.StatusOK, "admin_log.html", l, data)
}

// heldMoved sends the held queue's first addresses (/l/LIST/held[/ID]) to
// where it is now, keeping the method (308), so that a moderator's notice
// sent before still leads to the post.
func (s *Server) heldMoved(w http.ResponseWriter, r *http.Request) {
	to := listPath(r.PathValue("list")) + "admin/held"
	if id := r.PathValue("id"); id != "" {
		to += "/" + url.PathEscape(id)
	}
	if r.URL.RawQuery != "" {
		to += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, to, http.StatusPermanentRedirect)
}
