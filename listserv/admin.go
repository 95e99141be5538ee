package listserv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"praxis/listserv/request"
	"praxis/listserv/store"
)

// Actor is who changes a list (store.Actor).
type Actor = store.Actor

// AuditEntry is one entry of a list's audit log.
type AuditEntry = store.AuditEntry

// The ways a change reaches a list, for Actor.Via.
const (
	ViaWeb  = store.AuditWeb
	ViaCLI  = store.AuditCLI
	ViaMail = store.AuditMail
)

// The owners' changes to a list go through the methods here, whoever
// makes them (the CLI, the owners' web pages): each validates the change
// as the domain's rules say (ValidateList, CheckMember, ValidateMember,
// the ban's pattern), makes it, and writes who made it, and what it was,
// to the list's audit log. The entry is written after the change it
// records, which is committed on its own: a crash between the two loses
// the entry, never the change.

// audit writes one entry of l's audit log.
func (s *Service) audit(ctx context.Context, by Actor, l *List, action, target, detail string) error {
	e := &store.AuditEntry{ListID: l.ID, Actor: by.Who, Via: by.Via, Action: action, Target: target, Detail: detail}
	if err := s.store.AddAudit(ctx, e); err != nil {
		return fmt.Errorf("%s was done on %s, but the audit log could not be written: %w", action, l.Address, err)
	}
	return nil
}

// CreateListBy creates a list (CreateList) and logs it.
func (s *Service) CreateListBy(ctx context.Context, by Actor, l *List) error {
	if err := s.CreateList(ctx, l); err != nil {
		return err
	}
	return s.audit(ctx, by, l, "list create", "", "")
}

// SetList validates and stores l's changed settings (l as List returned
// it, changed) and logs what changed. Nothing changed logs nothing.
func (s *Service) SetList(ctx context.Context, by Actor, l *List) error {
	before, err := s.store.ListByID(ctx, l.ID)
	if err != nil {
		return fmt.Errorf("list %s: %w", l.Address, err)
	}
	l.Address, l.CreatedAt = before.Address, before.CreatedAt
	if err := s.UpdateList(ctx, l); err != nil {
		return err
	}
	if what := store.SettingsChanged(before, l); what != "" {
		return s.audit(ctx, by, l, "list set", "", what)
	}
	return nil
}

// AddMemberBy adds a member with no confirmation (AddMember) and logs it.
func (s *Service) AddMemberBy(ctx context.Context, by Actor, list string, m *Member) error {
	if err := s.AddMember(ctx, list, m); err != nil {
		return err
	}
	l, err := s.store.ListByID(ctx, m.ListID)
	if err != nil {
		return err
	}
	return s.audit(ctx, by, l, "member add", m.Address, fmt.Sprintf("role %s, delivery %s", m.Role, m.Delivery))
}

// SetMember validates and stores a member's changed settings (m as
// Member returned it, changed) and logs what changed.
func (s *Service) SetMember(ctx context.Context, by Actor, m *Member) error {
	before, err := s.store.Member(ctx, m.ListID, m.Address)
	if err != nil {
		return err
	}
	if before.ID != m.ID {
		return fmt.Errorf("member %s: %w", m.Address, ErrNotFound)
	}
	if err := s.UpdateMember(ctx, m); err != nil {
		return err
	}
	var what []string
	for _, f := range []struct{ name, a, b string }{
		{"name", before.Name, m.Name},
		{"role", before.Role, m.Role},
		{"delivery", before.Delivery, m.Delivery},
		{"expertise", before.Expertise, m.Expertise},
		{"status", before.Status, m.Status},
		{"moderated", fmt.Sprint(before.Moderated), fmt.Sprint(m.Moderated)},
		{"listing", request.OnOffText(before.Listed), request.OnOffText(m.Listed)},
		{"suggestions", request.OnOffText(!before.SuggestionsOff), request.OnOffText(!m.SuggestionsOff)},
	} {
		if f.a != f.b {
			what = append(what, fmt.Sprintf("%s: %q → %q", f.name, f.a, f.b))
		}
	}
	if len(what) == 0 {
		return nil
	}
	l, err := s.store.ListByID(ctx, m.ListID)
	if err != nil {
		return err
	}
	return s.audit(ctx, by, l, "member set", m.Address, strings.Join(what, "; "))
}

// RemoveMemberBy removes a member (RemoveMember) and logs it.
func (s *Service) RemoveMemberBy(ctx context.Context, by Actor, list, addr string) error {
	l, m, err := s.Member(ctx, list, addr)
	if err != nil {
		return err
	}
	if err := s.RemoveMember(ctx, l.Address, m.Address); err != nil {
		return err
	}
	return s.audit(ctx, by, l, "member rm", m.Address, "was "+m.Role)
}

// AddBan bars an address, or every address a ^regex matches, from posting
// and joining (robot.Subscriptions.AddBan checks the pattern), and logs it.
func (s *Service) AddBan(ctx context.Context, by Actor, list, pattern string) error {
	l, err := s.List(ctx, list)
	if err != nil {
		return err
	}
	if err := s.subs.AddBan(ctx, l.Address, pattern); err != nil {
		return err
	}
	return s.audit(ctx, by, l, "ban add", pattern, "")
}

// RemoveBan lifts a ban and logs it.
func (s *Service) RemoveBan(ctx context.Context, by Actor, list, pattern string) error {
	l, err := s.List(ctx, list)
	if err != nil {
		return err
	}
	if err := s.subs.RemoveBan(ctx, l.Address, pattern); err != nil {
		return err
	}
	return s.audit(ctx, by, l, "ban rm", pattern, "")
}

// InviteBy sends addr an invitation to join a list
// (robot.Subscriptions.Invite) and logs it.
func (s *Service) InviteBy(ctx context.Context, by Actor, list, addr, name string) (request.Outcome, error) {
	l, err := s.List(ctx, list)
	if err != nil {
		return request.Outcome{}, err
	}
	out, err := s.subs.Invite(ctx, l.Address, addr, CleanName(name))
	if err != nil || !out.Done {
		return out, err
	}
	return out, s.audit(ctx, by, l, "member invite", strings.ToLower(strings.TrimSpace(addr)), "")
}

// Bans returns a list's ban patterns.
func (s *Service) Bans(ctx context.Context, list string) ([]string, error) {
	return s.subs.Bans(ctx, list)
}

// AuditLog returns a list's audit log, newest first: up to limit entries
// older than the entry before (0: from the newest).
func (s *Service) AuditLog(ctx context.Context, list string, before int64, limit int) (*List, []*AuditEntry, error) {
	l, err := s.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	es, err := s.store.AuditLog(ctx, l.ID, before, limit)
	return l, es, err
}

// ImportMembers adds the members of a members file
// (store.ReadMembersCSV) to a list, as AddMemberBy would each, with no
// confirmation. Every line is checked before any is added: a bad line is
// reported and the rest still go in, but a file of
// store.MaxBadMemberLines bad lines adds nothing and is
// store.ErrNotMembersFile. Members already on the list are left as they
// are.
func (s *Service) ImportMembers(ctx context.Context, by Actor, list string, r io.Reader) (*store.ImportReport, error) {
	l, err := s.List(ctx, list)
	if err != nil {
		return nil, err
	}
	good, bad, err := store.ReadMembersCSV(r, func(m *Member) error { return CheckMember(l, m) })
	rep := &store.ImportReport{Refused: bad}
	if err != nil {
		return rep, err
	}
	for _, g := range good {
		switch err := s.AddMemberBy(ctx, by, l.Address, g.Member); {
		case err == nil:
			rep.Added++
		case errors.Is(err, ErrDuplicate):
			rep.Already++
		case errors.Is(err, ErrInvalid):
			// Past the check, so not the wrong file: counted, and the
			// import goes on.
			rep.Refused = append(rep.Refused, store.LineError{Line: g.Line, Err: err})
		default:
			return rep, err
		}
	}
	return rep, nil
}
