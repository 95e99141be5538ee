package listserv

import (
	"context"

	"praxis/listserv/moderation"
	"praxis/listserv/store"
)

// Moderation is the held queue (the moderation room).
func (s *Service) Moderation() *moderation.Queue { return s.held }

// Held returns the posts of a list waiting for a moderator, oldest first.
func (s *Service) Held(ctx context.Context, list string) (*List, []*store.Message, error) {
	return s.held.Held(ctx, list)
}

// Approve relays a held post to the list as if it had passed the checks.
func (s *Service) Approve(ctx context.Context, list string, id int64) error {
	return s.held.Approve(ctx, list, id)
}

// Discard drops a held post without telling its author (spam).
func (s *Service) Discard(ctx context.Context, list string, id int64) error {
	return s.held.Discard(ctx, list, id)
}

// Reject refuses a held post and tells its author why.
func (s *Service) Reject(ctx context.Context, list string, id int64, reason string) error {
	return s.held.Reject(ctx, list, id, reason)
}
