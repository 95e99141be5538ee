package listserv

import (
	"context"
	"errors"
	"fmt"
	"praxis/listserv/notice"

	"praxis/listserv/store"
)

// Held returns the posts of a list waiting for a moderator, oldest first.
func (s *Service) Held(ctx context.Context, list string) (*List, []*store.Message, error) {
	l, err := s.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	ms, err := s.store.ListMessages(ctx, l.ID, store.StateHeld)
	return l, ms, err
}

func (s *Service) heldMessage(ctx context.Context, list string, id int64) (*List, *store.Message, error) {
	l, err := s.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.store.Message(ctx, id)
	if err != nil || m.ListID != l.ID || m.Kind != store.KindPost {
		return nil, nil, fmt.Errorf("no held post %d on %s (see `praxis held ls %s`): %w", id, l.Address, l.Address, ErrNotFound)
	}
	if m.State != store.StateHeld {
		return nil, nil, fmt.Errorf("post %d on %s is %s, not held: %w", id, l.Address, m.State, ErrInvalid)
	}
	return l, m, nil
}

// Approve relays a held post to the list as if it had passed the checks.
func (s *Service) Approve(ctx context.Context, list string, id int64) error {
	l, m, err := s.heldMessage(ctx, list, id)
	if err != nil {
		return err
	}
	return s.decided(s.accept(ctx, l, m, store.StateHeld, "approved"), l, id)
}

// Discard drops a held post without telling its author (spam).
func (s *Service) Discard(ctx context.Context, list string, id int64) error {
	l, _, err := s.heldMessage(ctx, list, id)
	if err != nil {
		return err
	}
	return s.decided(s.store.Transition(ctx, id, store.StateHeld, store.StateDiscarded, "discarded", "", nil), l, id)
}

// Reject refuses a held post and tells its author why.
func (s *Service) Reject(ctx context.Context, list string, id int64, reason string) error {
	l, m, err := s.heldMessage(ctx, list, id)
	if err != nil {
		return err
	}
	if err := s.decided(s.store.Transition(ctx, id, store.StateHeld, store.StateRejected, reason, "", nil), l, id); err != nil {
		return err
	}
	to := m.FromAddr
	if to == "" {
		to = m.MailFrom
	}
	return s.rejectNotice(ctx, l, m, to, reason)
}

// rejectNotice tells the author of a post that it was rejected, and why.
func (s *Service) rejectNotice(ctx context.Context, l *List, m *store.Message, to, reason string) error {
	if to == "" {
		return nil
	}
	if ok, err := s.allowAutoMail(ctx, "reply", to, MaxAutoRepliesPerDay); err != nil || !ok {
		return err
	}
	return s.notices.Send(ctx, &notice.Notice{
		List: l, To: []string{to}, From: Address(l.Address, store.KindOwner), Subject: "Your post to " + l.Name + " was rejected",
		Template: "rejected.txt", Auto: "auto-replied", InReply: m.MessageID,
		Data: map[string]any{"Name": l.Name, "Address": l.Address, "Subject": m.Subject, "Reason": reason},
	})
}

func (s *Service) decided(err error, l *List, id int64) error {
	if errors.Is(err, store.ErrState) {
		return fmt.Errorf("post %d on %s was decided by someone else meanwhile: %w", id, l.Address, ErrInvalid)
	}
	return err
}
