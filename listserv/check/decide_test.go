package check

import (
	"strings"
	"testing"

	"praxis/listserv/store"
)

// TestDecide covers the rule chain on facts alone: no store, no DNS.
func TestDecide(t *testing.T) {
	list := func(change func(*store.List)) *store.List {
		l := &store.List{Address: "cop@example.org", PostPolicy: store.PostMembers, NonmemberAction: store.ActionHold}
		if change != nil {
			change(l)
		}
		return l
	}
	member := &store.Member{Address: "ann@example.net", Role: store.RoleMember}
	owner := &store.Member{Address: "own@example.net", Role: store.RoleOwner}
	moderated := &store.Member{Address: "mod@example.net", Role: store.RoleMember, Moderated: true}
	gtube := &store.Spam{Filter: "spamd", Scored: true, Score: 1003.5, Required: 5, Over: true, Rules: []string{"GTUBE"}}
	spamList := func(action string) func(*store.List) {
		return func(l *store.List) {
			l.SpamAction, l.BlocklistAction, l.SPFFailAction = action, store.SpamReject, store.SpamReject
		}
	}
	post := func(f Facts) Facts {
		if f.List == nil {
			f.List = list(nil)
		}
		if f.Author == "" {
			f.Author = "ann@example.net"
		}
		if f.Subject == "" {
			f.Subject = "Squaring a lathe bed"
		}
		f.NamesList = true
		return f
	}
	tests := []struct {
		name   string
		facts  Facts
		state  string
		reason string
	}{
		{"a member's post", post(Facts{Member: member}), store.StateAccepted, ""},
		{"our own List-Id", post(Facts{Member: member, Loop: "our own List-Id"}), store.StateDropped, "loop: our own List-Id"},
		{"X-Loop", post(Facts{Member: member, Loop: "X-Loop"}), store.StateDropped, "loop: X-Loop"},
		{"null sender", post(Facts{Member: member, NullSender: true}), store.StateDropped, "bounce: null envelope sender"},
		{"delivery report", post(Facts{DeliveryReport: true}), store.StateDropped, "bounce: delivery report"},
		{"auto-submitted", post(Facts{Member: member, AutoSubmitted: "auto-replied"}), store.StateDropped, "auto-reply: Auto-Submitted auto-replied"},
		{"vacation", post(Facts{Member: member, Vacation: true}), store.StateDropped, "auto-reply: vacation header"},
		{"a loop beats an emergency", post(Facts{Loop: "X-Loop", List: list(func(l *store.List) { l.Emergency = true })}), store.StateDropped, "loop: X-Loop"},
		{"emergency", post(Facts{Member: owner, List: list(func(l *store.List) { l.Emergency = true })}), store.StateHeld, "emergency hold: every post is moderated"},
		{"banned", post(Facts{Member: member, Banned: true}), store.StateDiscarded, "banned address ann@example.net"},
		{"moderated member", post(Facts{Member: moderated, Author: "mod@example.net"}), store.StateHeld, "the member's posts are moderated"},
		{"non-member held", post(Facts{Author: "eve@example.com"}), store.StateHeld, "post from non-member eve@example.com"},
		{"spam held, before the non-member rule", post(Facts{Author: "eve@example.com", Spam: gtube, List: list(spamList(store.SpamHold))}), store.StateHeld, "spam: spamd scored 1003.5"},
		{"spam discarded", post(Facts{Author: "eve@example.com", Spam: gtube, List: list(spamList(store.SpamDiscard))}), store.StateDiscarded, "spam: spamd scored"},
		{"a refusal not made at DATA is a hold", post(Facts{Author: "eve@example.com", Spam: gtube, List: list(spamList(store.SpamReject))}), store.StateHeld, "spam: spamd scored"},
		{"a member's spam is held, not discarded", post(Facts{Member: member, Spam: gtube, List: list(spamList(store.SpamDiscard))}), store.StateHeld, "spam: spamd scored"},
		{"an unauthenticated member's spam is held, not discarded", post(Facts{Author: "ann@example.net", Unauthenticated: "From not authenticated: dmarc fail", Spam: gtube, List: list(spamList(store.SpamDiscard))}), store.StateHeld, "spam: "},
		{"spam on a list that accepts it", post(Facts{Member: member, Spam: gtube, List: list(spamList(store.SpamAccept))}), store.StateAccepted, ""},
		{"a ban beats spam", post(Facts{Member: member, Banned: true, Spam: gtube, List: list(spamList(store.SpamHold))}), store.StateDiscarded, "banned address"},
		{"non-member, not authenticated", post(Facts{Author: "ann@example.net", Unauthenticated: "From not authenticated: dmarc fail"}), store.StateHeld, "post from non-member ann@example.net (From not authenticated: dmarc fail)"},
		{"non-member rejected", post(Facts{Author: "eve@example.com", List: list(func(l *store.List) { l.NonmemberAction = store.ActionReject })}), store.StateRejected, "post from non-member eve@example.com"},
		{"non-member discarded", post(Facts{Author: "eve@example.com", List: list(func(l *store.List) { l.NonmemberAction = store.ActionDiscard })}), store.StateDiscarded, "post from non-member eve@example.com"},
		{"non-member accepted by the list", post(Facts{Author: "eve@example.com", List: list(func(l *store.List) { l.NonmemberAction = store.ActionAccept })}), store.StateAccepted, ""},
		{"open list", post(Facts{Author: "eve@example.com", List: list(func(l *store.List) { l.PostPolicy = store.PostOpen })}), store.StateAccepted, ""},
		{"no author at all", Facts{List: list(nil), Subject: "Lathe", NamesList: true}, store.StateHeld, "post from non-member an unknown sender"},
		{"administrivia subject", post(Facts{Member: member, Subject: "Re: unsubscribe"}), store.StateHeld, "looks like a command for cop-request@example.org, sent to the list"},
		{"administrivia body", post(Facts{Member: member, Subject: "(no subject)", FirstLines: []string{"subscribe", ""}}), store.StateHeld, "looks like a command"},
		{"a long mail that begins with help", post(Facts{Member: member, FirstLines: []string{"help me", "with the", "tailstock"}}), store.StateAccepted, ""},
		{"implicit destination", func() Facts {
			f := post(Facts{Member: member, List: list(func(l *store.List) { l.RequireExplicitDestination = true })})
			f.NamesList = false
			return f
		}(), store.StateHeld, "the list is not named in To or Cc (implicit destination)"},
		{"too many recipients", post(Facts{Member: member, Recipients: 10, List: list(func(l *store.List) { l.MaxRecipients = 10 })}), store.StateHeld, "too many recipients (10 or more)"},
		{"just few enough recipients", post(Facts{Member: member, Recipients: 9, List: list(func(l *store.List) { l.MaxRecipients = 10 })}), store.StateAccepted, ""},
		{"too big", post(Facts{Member: member, Size: 40*1024 + 1, List: list(func(l *store.List) { l.MaxMessageKB = 40 })}), store.StateHeld, "message larger than 40 KB"},
		{"exactly the limit", post(Facts{Member: member, Size: 40 * 1024, List: list(func(l *store.List) { l.MaxMessageKB = 40 })}), store.StateAccepted, ""},
		{"moderated list", post(Facts{Member: owner, Author: "own@example.net", List: list(func(l *store.List) { l.PostPolicy = store.PostModerated })}), store.StateHeld, "the list is moderated"},
		{"announce list, a member", post(Facts{Member: member, List: list(func(l *store.List) { l.PostPolicy = store.PostAnnounce })}), store.StateHeld, "announce-only list: post from ann@example.net"},
		{"announce list, an owner", post(Facts{Member: owner, Author: "own@example.net", List: list(func(l *store.List) { l.PostPolicy = store.PostAnnounce })}), store.StateAccepted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.facts)
			if got.State != tt.state || !strings.HasPrefix(got.Reason, tt.reason) || (tt.reason == "" && got.Reason != "") {
				t.Errorf("Decide = %s %q, want %s %q", got.State, got.Reason, tt.state, tt.reason)
			}
			if got.State != store.StateDropped && got.Author != tt.facts.Author {
				t.Errorf("author %q, want %q", got.Author, tt.facts.Author)
			}
		})
	}
}
