package web

import (
	"praxis/listserv"
	"praxis/listserv/moderation"
	"praxis/listserv/robot"
)

// The rooms the web is given are what its interfaces name.
var (
	_ Lists         = (*listserv.Service)(nil)
	_ Subscriptions = (*robot.Subscriptions)(nil)
	_ OneClick      = (*robot.OneClick)(nil)
	_ Moderation    = (*moderation.Queue)(nil)
)

// depsOf gives a test's web server the rooms of a Service, as serve does.
func depsOf(svc *listserv.Service) Deps {
	return Deps{Lists: svc, Subscriptions: svc.Subscriptions(), OneClick: svc.OneClick(), Moderation: svc.Moderation(), Store: svc.Store()}
}
