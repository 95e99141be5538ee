package listserv

import (
	"praxis/listserv/inbound"
	"praxis/listserv/request"
	"praxis/listserv/robot"
)

// The robot's room names these for the Service's callers.
type Outcome = request.Outcome

const (
	MaxConfirmationsPerDay = robot.MaxConfirmationsPerDay
	MaxAutoRepliesPerDay   = robot.MaxAutoRepliesPerDay
	MaxSignInsPerDay       = robot.MaxSignInsPerDay
)

// ConfirmAddress is the -confirm+TOKEN address of a request.
func ConfirmAddress(list, token string) string { return inbound.ConfirmAddress(list, token) }

// UnsubscribePath is where the web server answers one-click requests.
func UnsubscribePath(list, token string) string { return request.UnsubscribePath(list, token) }

// Subscriptions is the robot's room for joining and leaving a list, its
// confirmations and bans.
func (s *Service) Subscriptions() *robot.Subscriptions { return s.subs }

// OneClick signs and checks the members' one-click unsubscribe links.
func (s *Service) OneClick() *robot.OneClick { return s.oneclick }
