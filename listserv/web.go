package listserv

import (
	"context"

	"praxis/listserv/store"
)

// Memberships returns the lists addr belongs to, by list id.
func (s *Service) Memberships(ctx context.Context, addr string) (map[int64]*store.Member, error) {
	return s.store.Memberships(ctx, addr)
}
