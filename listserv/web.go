package listserv

import (
	"context"
	"praxis/listserv/notice"
	"time"

	"praxis/listserv/store"
)

// RequestSubscription asks addr to confirm joining l, whatever the list's
// policy allows a proven request: a form on a web page proves nothing
// about who typed the address.
func (s *Service) RequestSubscription(ctx context.Context, l *List, addr, name string) (Outcome, error) {
	return s.subscribe(ctx, l, addr, name, false)
}

// MaxSignInsPerDay bounds the sign-in links mailed to one address a day.
const MaxSignInsPerDay = 5

// SendSignIn mails addr a link that signs them in to the web archive,
// valid until expires. The caller checked that addr is a member of l; the
// mail comes from l, as that is the list they asked on. Beyond
// MaxSignInsPerDay a day nothing is sent, and sent reports false.
func (s *Service) SendSignIn(ctx context.Context, l *List, addr, link string, expires time.Time) (sent bool, err error) {
	if ok, err := s.allowAutoMail(ctx, "signin", addr, MaxSignInsPerDay); err != nil || !ok {
		return false, err
	}
	err = s.notices.Send(ctx, &notice.Notice{List: l, To: []string{addr}, Subject: "Sign in to the " + l.Name + " archive", Template: "signin.txt",
		Data: map[string]any{"Link": link, "Expires": expires.UTC().Format("2006-01-02 15:04 MST"), "Address": addr}})
	return err == nil, err
}

// Memberships returns the lists addr belongs to, by list id.
func (s *Service) Memberships(ctx context.Context, addr string) (map[int64]*store.Member, error) {
	return s.store.Memberships(ctx, addr)
}
