package listserv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"praxis/listserv/check"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"

	"praxis/listserv/store"
)

// notice is a mail Praxis writes itself: a confirmation request, a command
// result, a moderator's notice, a warning.
type notice struct {
	list     *List
	to       []string
	from     string // default LIST-request@
	replyTo  string
	subject  string
	template string // templates/mail/NAME.txt
	data     map[string]any
	attach   []byte   // a message attached whole, as message/rfc822
	excerpt  *excerpt // or a big one's header and first lines
	inReply  string   // Message-ID this answers
	// auto is the Auto-Submitted value (RFC 3834 §5): auto-replied for
	// answers to a person's mail, auto-generated otherwise.
	auto string
	// request, if set, is the request this mail asks to confirm: stored in
	// the same transaction as the mail, so neither exists without the other.
	request *store.Pending
}

// compose renders n into a message. Notices are written with go-message:
// a held post must travel as message/rfc822 unencoded (RFC 2046 §5.2.1
// allows only 7bit, 8bit or binary there), which jordan-wright/email cannot
// do, as it base64-encodes every attachment.
func (s *Service) compose(n *notice) ([]byte, error) {
	data := map[string]any{}
	for k, v := range n.data {
		data[k] = v
	}
	data["List"] = n.list
	data["ListName"] = n.list.Name
	data["ListAddress"] = n.list.Address
	data["Request"] = Address(n.list.Address, store.KindRequest)
	data["Owner"] = Address(n.list.Address, store.KindOwner)
	data["BaseURL"] = s.cfg.BaseURL
	var body bytes.Buffer
	if err := s.tpl.Mail.ExecuteTemplate(&body, n.template, data); err != nil {
		return nil, fmt.Errorf("notice %s: %w", n.template, err)
	}
	text := strings.ReplaceAll(strings.TrimLeft(body.String(), "\n"), "\n", "\r\n")

	from := n.from
	if from == "" {
		from = Address(n.list.Address, store.KindRequest)
	}
	auto := n.auto
	if auto == "" {
		auto = "auto-generated"
	}
	fields := [][2]string{
		{"From", quoteName(n.list.Name, from).String()},
		{"To", strings.Join(n.to, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", n.subject)},
		{"Date", s.cfg.Now().UTC().Format(time.RFC1123Z)},
		{"Message-Id", "<" + s.newMessageID() + ">"},
	}
	if n.replyTo != "" {
		fields = append(fields, [2]string{"Reply-To", n.replyTo})
	}
	if n.inReply != "" && validMessageID(n.inReply) {
		fields = append(fields, [2]string{"In-Reply-To", "<" + n.inReply + ">"}, [2]string{"References", "<" + n.inReply + ">"})
	}
	fields = append(fields,
		[2]string{"Auto-Submitted", auto},
		[2]string{"Precedence", "bulk"},
		[2]string{"X-Loop", n.list.Address},
		[2]string{"List-Id", quoteName(n.list.Name, "").String() + "<" + check.ListIDValue(n.list.Address) + ">"},
		[2]string{"MIME-Version", "1.0"},
	)
	// go-message's Header.Add puts a field first: add them last to first,
	// so they are written in the order people expect to read them.
	var h message.Header
	for i := len(fields) - 1; i >= 0; i-- {
		h.Add(fields[i][0], fields[i][1])
	}

	var out bytes.Buffer
	cte := transferEncoding(text)
	textHeader := func(h *message.Header) {
		h.Set("Content-Transfer-Encoding", cte)
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	if n.attach == nil && n.excerpt == nil {
		textHeader(&h)
		w, err := message.CreateWriter(&out, h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(text)); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	}
	h.Set("Content-Type", "multipart/mixed")
	w, err := message.CreateWriter(&out, h)
	if err != nil {
		return nil, err
	}
	var th message.Header
	textHeader(&th)
	tw, err := w.CreatePart(th)
	if err != nil {
		return nil, err
	}
	if _, err := tw.Write([]byte(text)); err != nil {
		return nil, err
	}
	tw.Close()
	if n.excerpt != nil {
		if err := n.excerpt.write(w); err != nil {
			return nil, err
		}
	} else {
		var ah message.Header
		ah.Set("Content-Type", "message/rfc822")
		ah.Set("Content-Disposition", "inline")
		aw, err := w.CreatePart(ah)
		if err != nil {
			return nil, err
		}
		if _, err := aw.Write(n.attach); err != nil {
			return nil, err
		}
		aw.Close()
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// excerpt is what a notice carries of a message too big to attach: its
// header block and the first lines of its body.
type excerpt struct {
	header, body []byte
	size         int // the whole message's
}

// excerptOf cuts raw into its header and at most max bytes of its body,
// ending at a line end.
func excerptOf(raw []byte, max int) *excerpt {
	header, body := raw, []byte(nil)
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			header, body = raw[:i+len(sep)/2], raw[i+len(sep):]
			break
		}
	}
	return &excerpt{header: cutAtLine(header, max), body: cutAtLine(body, max), size: len(raw)}
}

// cutAtLine returns at most max bytes of b, ending at a line end if one is
// in them.
func cutAtLine(b []byte, max int) []byte {
	if len(b) <= max {
		return b
	}
	b = b[:max]
	if i := bytes.LastIndexByte(b, '\n'); i > 0 {
		b = b[:i+1]
	}
	return b
}

// write adds the header as text/rfc822-headers (RFC 6522 §5) and the
// first lines as a text part that says what it is.
func (e *excerpt) write(w *message.Writer) error {
	part := func(h message.Header, b []byte) error {
		h.Set("Content-Disposition", "inline")
		h.Set("Content-Transfer-Encoding", transferEncoding(string(b)))
		pw, err := w.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := pw.Write(b); err != nil {
			return err
		}
		return pw.Close()
	}
	var hh message.Header
	hh.Set("Content-Type", "text/rfc822-headers")
	hh.Set("Content-Description", fmt.Sprintf("The header of the post (%d bytes in all)", e.size))
	if err := part(hh, e.header); err != nil {
		return err
	}
	var bh message.Header
	charset := "utf-8"
	if !utf8.Valid(e.body) {
		charset = "unknown-8bit" // RFC 1428
	}
	bh.Set("Content-Type", "text/plain; charset="+charset)
	bh.Set("Content-Description", fmt.Sprintf("The first %d bytes of the post's body; the whole post is in the held queue", len(e.body)))
	return part(bh, e.body)
}

// mailAddress formats "Name <addr>" with the name quoted or encoded as
// needed (RFC 5322 §3.4, RFC 2047 §5).
type mailAddress struct{ name, addr string }

func quoteName(name, addr string) mailAddress { return mailAddress{name, addr} }

func (a mailAddress) String() string {
	name := a.name
	if name != "" {
		if needsEncoding(name) {
			name = mime.QEncoding.Encode("utf-8", name)
		} else {
			name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
		}
	}
	switch {
	case a.addr == "":
		if name == "" {
			return ""
		}
		return name + " "
	case name == "":
		return a.addr
	default:
		return name + " <" + a.addr + ">"
	}
}

func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x7f || s[i] < ' ' {
			return true
		}
	}
	return false
}

// send composes a notice and queues it for its recipients, in one
// transaction, from the list's bounce address (so bounces of notices come
// back to Praxis, not to a person).
func (s *Service) send(ctx context.Context, n *notice) error {
	raw, err := s.compose(n)
	if err != nil {
		return fmt.Errorf("%w: %v", errCompose, err)
	}
	m := &store.Message{ListID: n.list.ID, ListAddress: n.list.Address, MailFrom: Address(n.list.Address, store.KindBounce),
		Rcpt: strings.Join(n.to, ", "), Raw: raw, Subject: n.subject}
	ds := make([]*store.Delivery, 0, len(n.to))
	for _, to := range n.to {
		ds = append(ds, &store.Delivery{ListID: n.list.ID, Rcpt: to, Mode: store.ModeRaw, EnvFrom: Address(n.list.Address, store.KindBounce)})
	}
	var requests []*store.Pending
	if n.request != nil {
		requests = append(requests, n.request)
	}
	if err := s.store.SpoolNotice(ctx, m, ds, requests...); err != nil {
		return err
	}
	signal(s.queued)
	return nil
}

// moderators returns the addresses that decide held posts and requests:
// moderators and owners.
func (s *Service) moderators(ctx context.Context, l *List) ([]string, error) {
	ms, err := s.store.Members(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if m.Role == RoleModerator || m.Role == RoleOwner {
			out = append(out, m.Address)
		}
	}
	return out, nil
}

// owners returns the owners' addresses.
func (s *Service) owners(ctx context.Context, l *List) ([]string, error) {
	ms, err := s.store.Members(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if m.Role == RoleOwner {
			out = append(out, m.Address)
		}
	}
	return out, nil
}

// transferEncoding picks the lightest encoding that carries text: 7bit for
// ASCII, 8bit for UTF-8 (every MTA of our time speaks 8BITMIME, RFC 6152),
// quoted-printable only when a line is too long for SMTP (RFC 5322 §2.1.1).
func transferEncoding(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if len(line) > 900 {
			return "quoted-printable"
		}
	}
	if needsEncoding(strings.NewReplacer("\r", "", "\n", "", "\t", "").Replace(text)) {
		return "8bit"
	}
	return "7bit"
}

// validMessageID tells whether id can go into a header: a hostile message
// may carry any bytes in its Message-ID.
func validMessageID(id string) bool {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c == 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return id != ""
}

// errCompose marks a notice that cannot be written from what a message
// gave us: trying again would fail again, so the message is set aside.
var errCompose = errors.New("notice cannot be composed")
