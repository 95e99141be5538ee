package moderation

import (
	"context"
	"errors"
	"strings"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/inbound"
	"praxis/listserv/notice"
	"praxis/listserv/store"
)

// waitingJob is the claim of a "your post waits" notice: one per list,
// sender and day (UTC), whichever node holds the post, so a non-member
// who posts ten times in a day is told once, and a forged sender's
// victim gets at most one such mail a day from a list.
const waitingJob = "held-waiting"

// TellWaiting tells the author of a post held because they are not a
// member that it waits for a moderator, at most once a day per list, and
// never when the mail looks automatic or bulk (see autoSender): answering
// those makes loops and backscatter.
func (q *Queue) TellWaiting(ctx context.Context, l *store.List, m *store.Message, h textproto.Header) error {
	to := authorOf(m)
	if why := autoSender(m.MailFrom, to, h); why != "" {
		q.d.Log.Info("held post's author not told", "list", l.Address, "spool_id", m.ID, "why", why)
		return nil
	}
	day := q.d.Now().UTC().Format("2006-01-02")
	claim := store.JobClaim{Job: waitingJob, Period: strings.ToLower(l.Address) + " " + store.AddressKey(to) + " " + day}
	_, err := q.d.Notices.SendOnce(ctx, claim, &notice.Notice{
		List: l, To: []string{to}, From: inbound.Address(l.Address, store.KindOwner),
		Subject: "Your post to " + l.Name + " waits for a moderator", Template: "held_waiting.txt", Auto: "auto-replied", InReply: m.MessageID,
		Data: map[string]any{"Subject": m.Subject, "Days": l.HoldDays}})
	if errors.Is(err, notice.ErrCompose) {
		// The post is held all the same; its author just is not told.
		q.d.Log.Error("held post's author could not be told", "list", l.Address, "spool_id", m.ID, "err", err)
		return nil
	}
	return err
}

// autoSender says why mail from these senders, with this header, must get
// no automatic answer, or "" when it may: RFC 3834 §2 (Auto-Submitted, and
// no answer to the null return path), the Precedence of bulk mail and
// lists, mail from a list (List-Id, RFC 2919), and addresses nobody reads.
func autoSender(mailFrom, author string, h textproto.Header) string {
	if mailFrom == "" {
		return "null return path"
	}
	if author == "" {
		return "no author"
	}
	if as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); as != "" && as != "no" {
		return "Auto-Submitted: " + as
	}
	switch p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p {
	case "bulk", "list", "junk", "auto_reply":
		return "Precedence: " + p
	}
	if h.Has("List-Id") {
		return "mail from a list (List-Id)"
	}
	for _, addr := range []string{mailFrom, author} {
		// The local part without its +detail (VERP) and separators:
		// No-Reply, do_not_reply and noreply are one.
		local, _, _ := strings.Cut(strings.ToLower(addr), "@")
		local, _, _ = strings.Cut(local, "+")
		local = strings.NewReplacer("-", "", "_", "", ".", "").Replace(local)
		switch {
		case local == "mailerdaemon", local == "postmaster", local == "noreply", local == "donotreply", local == "bounce",
			strings.HasSuffix(local, "bounces"):
			return "automatic sender " + addr
		}
	}
	return ""
}
