package spam

import (
	"fmt"
	"strings"

	"praxis/listserv/store"
)

// Cause names the check a Verdict's action comes from.
type Cause string

const (
	CauseSPF       Cause = "spf"
	CauseBlocklist Cause = "blocklist"
	CauseContent   Cause = "content"
	CauseUnscored  Cause = "unscored"
)

// Verdict is what a list does with a post, by what the checks found.
type Verdict struct {
	// Action is store.SpamHold, SpamDiscard or SpamReject; "" when the
	// findings ask for nothing on this list.
	Action string
	// Cause is the check that asked for Action (the first, of several
	// that asked for the same).
	Cause Cause
	// Reason says everything the checks found that counts on this list,
	// for the moderator and the log.
	Reason string
}

// severity orders the actions: the strictest asked for wins.
var severity = map[string]int{store.SpamAccept: 0, store.SpamHold: 1, store.SpamDiscard: 2, store.SpamReject: 3}

// Judge reads the findings sp with l's settings. member says whether the
// author is a member of l: a member's post is at most held, and one no
// filter scored is not held for that alone.
func Judge(l *store.List, sp *store.Spam, member bool) Verdict {
	if sp.IsZero() {
		return Verdict{}
	}
	var v Verdict
	var reasons []string
	flag := func(action string, cause Cause, reason string) {
		if severity[action] == 0 { // accept, or a setting never made
			return
		}
		reasons = append(reasons, reason)
		if severity[action] > severity[v.Action] {
			v.Action, v.Cause = action, cause
		}
	}
	// RFC 7208 §8.4: "fail" is the domain saying the address may not
	// send its mail. softfail and the errors ask for nothing more than a
	// look, which a non-member's post gets anyway.
	if sp.SPF == "fail" {
		flag(l.SPFFailAction, CauseSPF, "SPF fail for "+sp.SPFDomain)
	}
	if len(sp.Listed) > 0 {
		flag(l.BlocklistAction, CauseBlocklist, "the sending address is blocklisted: "+strings.Join(sp.Listed, ", "))
	}
	switch {
	case sp.Scored:
		over := sp.Over
		threshold := "its own threshold"
		if l.SpamScore > 0 {
			over = sp.Score >= l.SpamScore
			threshold = "the list's " + fmt.Sprint(l.SpamScore)
		}
		if over {
			flag(l.SpamAction, CauseContent, fmt.Sprintf("%s scored %s, at or over %s%s", sp.Filter, ScoreText(sp), threshold, rules(sp.Rules)))
		}
	case sp.Filter != "" && !member:
		// Safe, not lost: a post no filter could judge waits for a
		// moderator, unless the list turned the content check off.
		if l.SpamAction != store.SpamAccept {
			flag(store.SpamHold, CauseUnscored, "not scored: "+sp.Unscored)
		}
	}
	if member && severity[v.Action] > severity[store.SpamHold] {
		v.Action = store.SpamHold
	}
	v.Reason = strings.Join(reasons, "; ")
	return v
}

// ScoreText is a filter's score as the held queue shows it: "7.9", "-" for
// a post no filter scored.
func ScoreText(sp *store.Spam) string {
	if sp == nil || !sp.Scored {
		return "-"
	}
	return fmt.Sprintf("%.1f", sp.Score)
}

func rules(rs []string) string {
	if len(rs) == 0 {
		return ""
	}
	return " (" + strings.Join(rs, ", ") + ")"
}
