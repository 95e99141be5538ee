package spam

import (
	"strings"
	"testing"

	"praxis/listserv/store"
)

func TestJudge(t *testing.T) {
	gtube := &store.Spam{Filter: "spamd", Scored: true, Score: 1003.5, Required: 5, Over: true, Rules: []string{"GTUBE"}}
	ham := &store.Spam{Filter: "rspamd", Scored: true, Score: 7.9, Required: 15}
	listed := &store.Spam{Listed: []string{"bl.example (127.0.0.2)"}}
	spfFail := &store.Spam{SPF: "fail", SPFDomain: "example.net"}
	down := &store.Spam{Filter: "rspamd", Unscored: "rspamd did not answer"}
	all := &store.Spam{SPF: "fail", SPFDomain: "example.net", Listed: []string{"bl.example (127.0.0.2)"}, Filter: "spamd", Scored: true, Score: 9, Over: true}
	list := func(change func(l *store.List)) *store.List {
		l := store.NewList("cop@example.org", "CoP")
		if change != nil {
			change(l)
		}
		return l
	}
	cases := []struct {
		name   string
		l      *store.List
		sp     *store.Spam
		member bool
		action string
		cause  Cause
		reason string // a part of the reason
	}{
		{"nothing checked", list(nil), nil, false, "", "", ""},
		{"GTUBE, default", list(nil), gtube, false, store.SpamHold, CauseContent, "spamd scored 1003.5, at or over its own threshold (GTUBE)"},
		{"GTUBE, refused", list(func(l *store.List) { l.SpamAction = store.SpamReject }), gtube, false, store.SpamReject, CauseContent, "GTUBE"},
		{"GTUBE, discarded", list(func(l *store.List) { l.SpamAction = store.SpamDiscard }), gtube, false, store.SpamDiscard, CauseContent, "GTUBE"},
		{"a member's GTUBE is held, not discarded", list(func(l *store.List) { l.SpamAction = store.SpamDiscard }), gtube, true, store.SpamHold, CauseContent, "GTUBE"},
		{"a member's GTUBE is held, not refused", list(func(l *store.List) { l.SpamAction = store.SpamReject }), gtube, true, store.SpamHold, CauseContent, "GTUBE"},
		{"the filter's own verdict: not spam", list(nil), ham, false, "", "", ""},
		{"the list's threshold under the score", list(func(l *store.List) { l.SpamScore = 6 }), ham, false, store.SpamHold, CauseContent, "the list's 6"},
		{"the list's threshold over the score", list(func(l *store.List) { l.SpamScore = 8 }), gtube, false, store.SpamHold, CauseContent, ""},
		{"content check off", list(func(l *store.List) { l.SpamAction = store.SpamAccept }), gtube, false, "", "", ""},
		{"blocklisted, default", list(nil), listed, false, store.SpamReject, CauseBlocklist, "bl.example (127.0.0.2)"},
		{"blocklisted member", list(nil), listed, true, store.SpamHold, CauseBlocklist, "blocklisted"},
		{"blocklist held", list(func(l *store.List) { l.BlocklistAction = store.SpamHold }), listed, false, store.SpamHold, CauseBlocklist, ""},
		{"SPF fail, default", list(nil), spfFail, false, store.SpamReject, CauseSPF, "SPF fail for example.net"},
		{"SPF fail, held", list(func(l *store.List) { l.SPFFailAction = store.SpamHold }), spfFail, false, store.SpamHold, CauseSPF, ""},
		{"SPF fail, accepted", list(func(l *store.List) { l.SPFFailAction = store.SpamAccept }), spfFail, false, "", "", ""},
		{"SPF softfail asks nothing", list(nil), &store.Spam{SPF: "softfail", SPFDomain: "example.net"}, false, "", "", ""},
		{"filter down: a non-member's post waits", list(nil), down, false, store.SpamHold, CauseUnscored, "not scored: rspamd did not answer"},
		{"filter down: a member's post goes on", list(nil), down, true, "", "", ""},
		{"filter down, content check off", list(func(l *store.List) { l.SpamAction = store.SpamAccept }), down, false, "", "", ""},
		{"the strictest wins, first cause named", list(func(l *store.List) { l.SpamAction = store.SpamDiscard }), all, false, store.SpamReject, CauseSPF, "SPF fail for example.net; the sending address is blocklisted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := Judge(tc.l, tc.sp, tc.member)
			if v.Action != tc.action || v.Cause != tc.cause || !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("Judge = %+v, want %q from %q with %q", v, tc.action, tc.cause, tc.reason)
			}
			if tc.action == "" && v.Reason != "" {
				t.Errorf("no action, but a reason: %q", v.Reason)
			}
		})
	}
}

func TestScoreText(t *testing.T) {
	for _, tc := range []struct {
		sp   *store.Spam
		want string
	}{{nil, "-"}, {&store.Spam{Filter: "spamd", Unscored: "down"}, "-"}, {&store.Spam{Scored: true, Score: 7.94}, "7.9"}, {&store.Spam{Scored: true, Score: -0.1}, "-0.1"}} {
		if got := ScoreText(tc.sp); got != tc.want {
			t.Errorf("ScoreText(%+v) = %q, want %q", tc.sp, got, tc.want)
		}
	}
}
