package inbound

import (
	"strings"

	"praxis/listserv/store"
)

// Route is what an envelope recipient means: which list and which of its
// addresses (SPEC: addresses of a list, Mailman 3's scheme).
type Route struct {
	List  string // the list's posting address, lower case
	Kind  string // store.KindPost, KindRequest, …
	Extra string // the part after '+' for -confirm and -bounces
}

// ParseRoute splits rcpt into a list address and a kind. It does not know
// which lists exist; the caller looks the list up.
func ParseRoute(rcpt string) (Route, bool) {
	rcpt = strings.ToLower(strings.Trim(strings.TrimSpace(rcpt), "<>"))
	at := strings.LastIndexByte(rcpt, '@')
	if at <= 0 {
		return Route{}, false
	}
	local, domain := rcpt[:at], rcpt[at+1:]
	base, extra, hasPlus := strings.Cut(local, "+")
	kinds := []struct{ suffix, kind string }{
		{"-request", store.KindRequest},
		{"-join", store.KindJoin},
		{"-leave", store.KindLeave},
		{"-owner", store.KindOwner},
		{"-confirm", store.KindConfirm},
		{"-bounces", store.KindBounce},
	}
	for _, k := range kinds {
		if name, ok := strings.CutSuffix(base, k.suffix); ok && name != "" {
			// Only -confirm and -bounces take a +tag (a token, a VERP address).
			if hasPlus && k.kind != store.KindConfirm && k.kind != store.KindBounce {
				return Route{}, false
			}
			if k.kind == store.KindConfirm && extra == "" {
				return Route{}, false
			}
			return Route{List: name + "@" + domain, Kind: k.kind, Extra: extra}, true
		}
	}
	if hasPlus {
		return Route{}, false
	}
	return Route{List: local + "@" + domain, Kind: store.KindPost}, true
}

// Address returns the list's address of the given kind: request, join, …
func Address(list, kind string) string {
	local, domain, _ := strings.Cut(list, "@")
	if kind == store.KindPost {
		return list
	}
	suffix := map[string]string{
		store.KindRequest: "-request", store.KindJoin: "-join", store.KindLeave: "-leave",
		store.KindOwner: "-owner", store.KindConfirm: "-confirm", store.KindBounce: "-bounces",
	}[kind]
	return local + suffix + "@" + domain
}

// ConfirmAddress is the address that confirms a request by reply.
func ConfirmAddress(list, token string) string {
	local, domain, _ := strings.Cut(list, "@")
	return local + "-confirm+" + token + "@" + domain
}
