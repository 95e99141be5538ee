package robot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/emersion/go-message/textproto"

	"praxis/archive"
	"praxis/listserv/inbound"
	"praxis/listserv/mailmsg"
	"praxis/listserv/notice"
	"praxis/listserv/request"
	"praxis/listserv/store"
)

// MaxAutoRepliesPerDay bounds the results mails sent to one address in a
// day: two robots answering each other stop here.
const MaxAutoRepliesPerDay = 10

// maxCommandLines is how many body lines the robot reads (Mailman reads
// the subject and the first ten lines).
const maxCommandLines = 10

// Process runs the email robot for mail to LIST-request@, -join@,
// -leave@ and -confirm+TOKEN@.
func (s *Robot) Process(ctx context.Context, l *store.List, m *store.Message) error {
	sum := inbound.Summarize(m.Raw)
	h := sum.Header
	// RFC 3834 §2: never answer automatic mail, and lists' own traffic.
	if m.MailFrom == "" {
		return s.d.Store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, "command mail from the null sender", "", nil)
	}
	if as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); as != "" && as != "no" {
		return s.d.Store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, "command mail that is Auto-Submitted: "+as, "", nil)
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return s.d.Store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, "command mail with Precedence "+h.Get("Precedence"), "", nil)
	}
	if isAutoReply(h, sum.Subject) {
		return s.d.Store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, "command mail that is an automatic reply", "", nil)
	}
	sender := sum.From
	if sender == "" {
		sender = m.MailFrom
	}
	if _, err := store.ParseAddress(sender); err != nil {
		return s.d.Store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, "command mail without a usable sender", "", nil)
	}
	subject := strings.TrimSpace(inbound.StripReplyMarkers(sum.Subject))
	body := inbound.FirstTextLines(m.Raw, maxCommandLines+5)

	var proof commandProof
	if m.Kind == store.KindJoin || m.Kind == store.KindRequest {
		var err error
		if proof.proven, proof.why, err = s.d.Authors.CommandProven(ctx, m, sender); err != nil {
			return err
		}
	}
	var err error
	switch m.Kind {
	case store.KindJoin:
		_, err = s.subs.subscribe(ctx, l, sender, sum.FromName, proof.proven)
	case store.KindLeave:
		_, err = s.subs.Unsubscribe(ctx, l, sender)
	case store.KindConfirm:
		var out Outcome
		out, err = s.subs.Confirm(ctx, m.Extra, sender, strings.Join(body, "\n"))
		if err == nil {
			// Say what the reply did, or why it did nothing (expired,
			// already confirmed, a moderator's reply without a decision).
			err = s.replyResult(ctx, l, sender, sum.MessageID, []commandResult{{"(your reply)", out.Message}})
		}
	default:
		// set and who act on the sender's word alone, so they need mail
		// that proves it is the sender's (authorship.Verifier.CommandProven) or a confirmation
		// by the address; subscribe and unsubscribe are confirmed by the
		// address itself anyway.
		err = s.runCommands(ctx, l, m, sum, sender, subject, body, proof)
	}
	if err != nil {
		return err
	}
	return s.d.Store.Transition(ctx, m.ID, store.StateReceived, store.StateProcessed, "", "", nil)
}

// commandResult is one line of a results mail.
type commandResult struct{ Line, Result string }

// commandProof is whether a command mail proves its sender, and if not, why.
type commandProof struct {
	proven bool
	why    string
}

func (s *Robot) runCommands(ctx context.Context, l *store.List, m *store.Message, sum inbound.Summary, sender, subject string, body []string, proof commandProof) error {
	var done []commandResult
	var unprocessed, ignored []string
	stopped := false
	// `solved` names the thread the mail replies to: its parent's
	// Message-ID goes on the line, which a confirmation keeps.
	parent := ""
	if h := mailmsg.HeaderOf(m.Raw); h.Has("In-Reply-To") || h.Has("References") {
		if refs := archive.MessageIDs(h.Get("In-Reply-To")); len(refs) > 0 {
			parent = refs[0]
		} else if refs := archive.MessageIDs(h.Get("References")); len(refs) > 0 {
			parent = refs[len(refs)-1]
		}
	}
	run := func(line string, fromSubject bool) error {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			return nil
		}
		if strings.EqualFold(fields[0], "solved") && len(fields) == 1 && parent != "" {
			fields = append(fields, "<"+parent+">")
			line = strings.Join(fields, " ")
		}
		if stopped {
			ignored = append(ignored, line)
			return nil
		}
		result, known, err := s.command(ctx, l, sender, sum.FromName, fields, proof)
		if err != nil {
			return err
		}
		switch {
		case known && result == "":
			stopped = true // end
		case known:
			done = append(done, commandResult{line, result})
		case !fromSubject:
			// A subject that is not a command is just a subject.
			unprocessed = append(unprocessed, line)
		}
		return nil
	}
	if err := run(subject, true); err != nil {
		return err
	}
	for i, line := range body {
		trimmed := strings.TrimSpace(line)
		if trimmed == "--" || trimmed == "-- " || strings.HasPrefix(trimmed, ">") {
			stopped = true // a signature or quoted text follows
		}
		if i >= maxCommandLines {
			if trimmed != "" {
				ignored = append(ignored, trimmed)
			}
			continue
		}
		if err := run(trimmed, false); err != nil {
			return err
		}
	}
	if len(done) == 0 && len(unprocessed) == 0 {
		done = append(done, commandResult{"(no command)", "No command was found; here is the help.\n\n" + s.helpText(l)})
	}
	return s.replyResults(ctx, l, sender, sum.MessageID, done, unprocessed, ignored)
}

func (s *Robot) replyResult(ctx context.Context, l *store.List, to, inReply string, done []commandResult) error {
	return s.replyResults(ctx, l, to, inReply, done, nil, nil)
}

// replyResults sends a results mail, within the day's limit of automatic
// replies to the address.
func (s *Robot) replyResults(ctx context.Context, l *store.List, to, inReply string, done []commandResult, unprocessed, ignored []string) error {
	if ok, err := s.subs.AllowAutoMail(ctx, "reply", to, MaxAutoRepliesPerDay); err != nil {
		return err
	} else if !ok {
		s.d.Log.Warn("auto-reply limit reached", "list", l.Address, "rcpt", to)
		return nil
	}
	return s.d.Notices.Send(ctx, &notice.Notice{
		List: l, To: []string{to}, Subject: "The results of your email commands", Template: "results.txt", Auto: "auto-replied",
		InReply: inReply,
		Data:    map[string]any{"Done": done, "Unprocessed": unprocessed, "Ignored": ignored},
	})
}

// isAutoReply recognises vacation and out-of-office replies (RFC 3834 and
// the older conventions), which must never confirm or decide anything.
func isAutoReply(h textproto.Header, subject string) bool {
	if h.Has("X-Autoreply") || h.Has("X-Autorespond") || h.Has("X-Auto-Response-Suppress") && strings.Contains(strings.ToLower(h.Get("X-Auto-Response-Suppress")), "oof") {
		return true
	}
	lower := strings.ToLower(subject)
	for _, w := range []string{"out of office", "out-of-office", "automatic reply", "auto reply", "autoreply", "vacation", "abwesenheit", "absence"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// command runs one command line. known is false for words the robot does
// not know; an empty result with known means "end". A command that changes
// or reveals the sender's settings runs at once only on proof that the mail
// is the sender's; otherwise the sender's address is asked to confirm it.
func (s *Robot) command(ctx context.Context, l *store.List, sender, name string, fields []string, proof commandProof) (result string, known bool, err error) {
	word := strings.ToLower(fields[0])
	args := fields[1:]
	verified := proof.proven
	if !verified && (word == "who" || word == "set" || word == "solved" && s.d.Answers != nil) {
		out, err := s.confirmCommand(ctx, l, sender, name, strings.Join(fields, " "), proof.why)
		return out.Message, true, err
	}
	outcome := func(o Outcome, err error) (string, bool, error) { return o.Message, true, err }
	switch word {
	case "subscribe", "join":
		return outcome(s.subs.subscribe(ctx, l, sender, name, verified))
	case "unsubscribe", "leave":
		return outcome(s.subs.Unsubscribe(ctx, l, sender))
	case "confirm":
		if len(args) == 0 {
			return "confirm needs the token from the confirmation request.", true, nil
		}
		return outcome(s.subs.Confirm(ctx, args[0], sender, ""))
	case "help":
		return s.helpText(l), true, nil
	case "who":
		return s.who(ctx, l, sender)
	case "set":
		return s.set(ctx, l, sender, args)
	case "solved":
		if s.d.Answers == nil {
			return "", false, nil
		}
		return s.solved(ctx, l, sender, args)
	case "end", "stop", "thanks":
		return "", true, nil
	}
	return "", false, nil
}

// solved marks, for a moderator, the thread of the post the command mail
// replied to (its Message-ID, which runCommands adds to the line) as
// answered in the answers library.
func (s *Robot) solved(ctx context.Context, l *store.List, sender string, args []string) (string, bool, error) {
	m, err := s.d.Store.Member(ctx, l.ID, sender)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", true, err
	}
	if m == nil || (m.Role != store.RoleModerator && m.Role != store.RoleOwner) {
		return "solved is for the moderators of " + l.Address + ".", true, nil
	}
	if len(args) == 0 {
		return "solved: send it in reply to a post of the thread (the reply names the thread).", true, nil
	}
	out, err := s.d.Answers.Solved(ctx, l, "mail ("+sender+")", strings.Trim(args[0], "<>"), s.d.Now())
	return out, true, err
}

func (s *Robot) helpText(l *store.List) string {
	var b bytes.Buffer
	if err := s.d.Templates.Mail.ExecuteTemplate(&b, "help.txt", map[string]any{
		"ListAddress": l.Address, "Request": inbound.Address(l.Address, store.KindRequest), "Owner": inbound.Address(l.Address, store.KindOwner),
		"Settings": s.settingsPage(),
	}); err != nil {
		s.d.Log.Error("help template", "err", err)
	}
	return b.String()
}

// settingsPage is the web's settings page, "" without a web.
func (s *Robot) settingsPage() string {
	if s.d.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(s.d.BaseURL, "/") + "/settings"
}

// who lists the members to those the list's roster setting allows.
func (s *Robot) who(ctx context.Context, l *store.List, sender string) (string, bool, error) {
	me, err := s.d.Store.Member(ctx, l.ID, sender)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", true, err
	}
	allowed := l.Roster == store.RosterPublic ||
		(l.Roster == store.RosterMembers && me != nil) ||
		(me != nil && (me.Role == store.RoleModerator || me.Role == store.RoleOwner))
	if !allowed {
		return "The member list of " + l.Address + " is visible to " + map[string]string{store.RosterMembers: "members", store.RosterModerators: "its moderators"}[l.Roster] + " only.", true, nil
	}
	ms, err := s.d.Store.Members(ctx, l.ID)
	if err != nil {
		return "", true, err
	}
	var b strings.Builder
	b.WriteString("Members of " + l.Address + ":\n")
	for _, m := range ms {
		b.WriteString("    " + m.Address)
		if m.Name != "" {
			b.WriteString(" (" + m.Name + ")")
		}
		if m.Role != store.RoleMember {
			b.WriteString(" [" + m.Role + "]")
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n"), true, nil
}

const setUsage = "Use: set delivery each|digest|summary|nomail, set expertise TERMS, set listing on|off, or set suggestions on|off."

// set changes one of the sender's own settings.
func (s *Robot) set(ctx context.Context, l *store.List, sender string, args []string) (string, bool, error) {
	if len(args) < 2 {
		return setUsage, true, nil
	}
	m, err := s.d.Store.Member(ctx, l.ID, sender)
	if errors.Is(err, store.ErrNotFound) {
		return sender + " is not a member of " + l.Address + ".", true, nil
	}
	if err != nil {
		return "", true, err
	}
	switch strings.ToLower(args[0]) {
	case "delivery":
		mode := strings.ToLower(args[1])
		switch mode {
		case store.DeliverEach, store.DeliverDigest, store.DeliverSummary, store.DeliverNomail:
		default:
			return "Delivery is one of each, digest, summary or nomail.", true, nil
		}
		m.Delivery = mode
		if err := s.d.Store.UpdateMember(ctx, m); err != nil {
			return "", true, err
		}
		return "You now receive " + deliveryText(mode) + ".", true, nil
	case "expertise":
		terms := request.Expertise(strings.Join(args[1:], " "))
		m.Expertise = terms
		if err := s.d.Store.UpdateMember(ctx, m); err != nil {
			return "", true, err
		}
		return "Your expertise is now: " + terms, true, nil
	case "listing", "suggestions":
		on, ok := request.OnOff(args[1])
		if !ok {
			return "Use: set " + strings.ToLower(args[0]) + " on|off.", true, nil
		}
		if strings.EqualFold(args[0], "listing") {
			m.Listed = on
		} else {
			m.SuggestionsOff = !on
		}
		if err := s.d.Store.UpdateMember(ctx, m); err != nil {
			return "", true, err
		}
		return ownSettingText(strings.ToLower(args[0]), on), true, nil
	}
	return setUsage, true, nil
}

// confirmCommand asks sender's address to confirm a mailed command whose
// mail did not prove it is theirs (why says what it lacked): the round trip
// that proves it, as for a subscription.
func (s *Robot) confirmCommand(ctx context.Context, l *store.List, sender, name, line, why string) (Outcome, error) {
	out, err := s.subs.askConfirmationOf(ctx, l, &store.Pending{Kind: store.PendingCommand, Address: sender, Name: name, Data: line},
		"confirm_command.txt", "Confirm your command to "+l.Name, map[string]any{"Command": line, "Why": why})
	if err != nil || !out.Done {
		return out, err
	}
	msg := "This command changes or reveals the settings of " + sender + ", and this mail does not prove it comes from " + sender +
		" (" + why + "; a DKIM signature of your mail service over the command, on fresh mail, would). A confirmation request was sent to " + sender +
		": reply to it, or open its link, to carry the command out."
	link, err := s.settingsLink(ctx, l, sender, strings.Fields(line))
	if err != nil {
		return Outcome{}, err
	}
	if link != "" {
		msg += "\n\nOr make the change on the web, at this link: it signs you in for this one change, works once, and expires in an hour.\n\n    " + link
	}
	return Outcome{Done: true, Message: msg}, nil
}

// settingsLink is a link to the web's settings page that signs sender in
// for the one setting a `set` command names, on l; "" for any other
// command, an unknown setting or an address that is not a member (the
// page could do nothing for it). The link goes to the address the command
// names, in the results mail, so it proves what a confirmation does.
func (s *Robot) settingsLink(ctx context.Context, l *store.List, sender string, fields []string) (string, error) {
	if len(fields) < 2 || !strings.EqualFold(fields[0], "set") || !slices.Contains(request.Settings, strings.ToLower(fields[1])) || s.d.BaseURL == "" {
		return "", nil
	}
	if _, err := s.d.Store.Member(ctx, l.ID, sender); errors.Is(err, store.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	key, err := s.d.Store.Secret(ctx, request.SettingsSecret)
	if err != nil {
		return "", fmt.Errorf("robot: settings link: %w", err)
	}
	tok := request.SettingsToken(key, request.SettingsGrant{Address: sender, List: l.Address, Setting: strings.ToLower(fields[1]),
		Expires: s.d.Now().Add(request.SettingsLinkLife)})
	// What the command asked for fills the form in; it is no part of the
	// grant: the member still chooses on the page.
	return strings.TrimRight(s.d.BaseURL, "/") + request.SettingsOncePath(tok) + "?v=" + url.QueryEscape(strings.Join(fields[2:], " ")), nil
}
