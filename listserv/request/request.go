package request

import (
	"net/url"

	"praxis/listserv/store"
)

// Outcome is what a request led to, in words for a results mail or a page.
type Outcome struct {
	Done    bool
	Message string
}

// Describe says in a sentence what confirming a request does.
func Describe(p *store.Pending, l *store.List) string {
	switch p.Kind {
	case store.PendingSubscribe:
		return "Subscribe " + p.Address + " to " + l.Name + " (" + l.Address + ")?"
	case store.PendingInvite:
		return "Accept the invitation for " + p.Address + " to join " + l.Name + " (" + l.Address + ")?"
	case store.PendingUnsubscribe:
		return "Unsubscribe " + p.Address + " from " + l.Name + " (" + l.Address + ")?"
	case store.PendingReenable:
		return "Start delivering " + l.Name + " to " + p.Address + " again?"
	case store.PendingCommand:
		return "Carry out the command “" + p.Data + "” for " + p.Address + " on " + l.Name + " (" + l.Address + ")?"
	}
	return "Moderators decide by replying to the notice they received."
}

// UnsubscribePath is where the web server answers one-click requests.
func UnsubscribePath(list, token string) string {
	return "/l/" + url.PathEscape(list) + "/unsubscribe/" + token
}

// MaxSignInsPerDay bounds the sign-in links mailed to one address a day.
const MaxSignInsPerDay = 5
