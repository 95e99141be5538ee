package listserv

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jordan-wright/email"

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
	if to == "" {
		return nil
	}
	raw, err := s.rejectionNotice(l, m, to, reason)
	if err != nil {
		return fmt.Errorf("reject notice: %w", err)
	}
	notice := &store.Message{ListID: l.ID, ListAddress: l.Address, MailFrom: Address(l.Address, store.KindBounce), Rcpt: to, Raw: raw, Subject: "rejected: " + m.Subject}
	return s.store.SpoolNotice(ctx, notice, []*store.Delivery{{ListID: l.ID, Rcpt: to, Mode: store.ModeRaw, EnvFrom: Address(l.Address, store.KindBounce)}})
}

func (s *Service) decided(err error, l *List, id int64) error {
	if errors.Is(err, store.ErrState) {
		return fmt.Errorf("post %d on %s was decided by someone else meanwhile: %w", id, l.Address, ErrInvalid)
	}
	return err
}

func (s *Service) rejectionNotice(l *List, m *store.Message, to, reason string) ([]byte, error) {
	var body bytes.Buffer
	err := s.tpl.Mail.ExecuteTemplate(&body, "rejected.txt", map[string]string{
		"Name": l.Name, "Address": l.Address, "Subject": m.Subject, "Reason": reason,
		"Owner": Address(l.Address, store.KindOwner),
	})
	if err != nil {
		return nil, err
	}
	e := email.NewEmail()
	e.From = Address(l.Address, store.KindOwner)
	e.To = []string{to}
	e.Subject = "Your post to " + l.Name + " was rejected"
	e.Text = body.Bytes()
	e.Headers.Set("Message-Id", "<"+s.newMessageID()+">")
	e.Headers.Set("Auto-Submitted", "auto-replied") // RFC 3834 §5
	if m.MessageID != "" {
		e.Headers.Set("In-Reply-To", "<"+m.MessageID+">")
	}
	e.Headers.Set("Date", s.cfg.Now().Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	raw, err := e.Bytes()
	if err != nil {
		return nil, err
	}
	return raw, nil
}
