package notice

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"

	"praxis/listserv/check"
	"praxis/listserv/inbound"
	"praxis/listserv/store"
	"praxis/templates"
)

// Notice is a mail Praxis writes itself: a confirmation request, a command
// result, a moderator's notice, a warning.
type Notice struct {
	List     *store.List
	To       []string
	From     string // default LIST-request@
	ReplyTo  string
	Subject  string
	Template string // templates/mail/NAME.txt
	Data     map[string]any
	// Text and HTML, when Template is "", are the mail's body made
	// already: plain text, and (optional) an HTML alternative of it.
	Text, HTML string
	Attach     []byte   // a message attached whole, as message/rfc822
	Excerpt    *Excerpt // or a big one's header and first lines
	InReply    string   // Message-ID this answers
	// auto is the Auto-Submitted value (RFC 3834 §5): auto-replied for
	// answers to a person's mail, auto-generated otherwise.
	Auto string
	// Request, if set, is the request this mail asks to confirm: stored in
	// the same transaction as the mail, so neither exists without the other.
	Request *store.Pending
}

// Store is what the sender needs of the store: to spool a notice with its
// deliveries (and its request, and its claim) in one transaction, and to
// find who to tell.
type Store interface {
	SpoolNotice(ctx context.Context, m *store.Message, ds []*store.Delivery, requests ...*store.Pending) error
	SpoolNoticeOnce(ctx context.Context, c store.JobClaim, m *store.Message, ds []*store.Delivery, requests ...*store.Pending) (bool, error)
	MembersWithRole(ctx context.Context, listID int64, role string) ([]*store.Member, error)
}

// Sender composes notices and queues them for delivery.
type Sender struct {
	store    Store
	tpl      *templates.Set
	baseURL  string
	hostname string
	now      func() time.Time
	queued   func()
}

// New builds a sender. baseURL goes into links, hostname into Message-IDs;
// queued (may be nil) is called after a notice is queued.
func New(st Store, tpl *templates.Set, baseURL, hostname string, now func() time.Time, queued func()) *Sender {
	if queued == nil {
		queued = func() {}
	}
	return &Sender{store: st, tpl: tpl, baseURL: baseURL, hostname: hostname, now: now, queued: queued}
}

// NewMessageID makes a Message-ID for mail Praxis writes.
func (s *Sender) NewMessageID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return fmt.Sprintf("praxis.%d.%s@%s", s.now().Unix(), hex.EncodeToString(b), s.hostname)
}

// Compose renders n into a message. Notices are written with go-message:
// a held post must travel as message/rfc822 unencoded (RFC 2046 §5.2.1
// allows only 7bit, 8bit or binary there), which jordan-wright/email cannot
// do, as it base64-encodes every attachment.
func (s *Sender) Compose(n *Notice) ([]byte, error) {
	data := map[string]any{}
	for k, v := range n.Data {
		data[k] = v
	}
	data["List"] = n.List
	data["ListName"] = n.List.Name
	data["ListAddress"] = n.List.Address
	data["Request"] = inbound.Address(n.List.Address, store.KindRequest)
	data["Owner"] = inbound.Address(n.List.Address, store.KindOwner)
	data["BaseURL"] = s.baseURL
	var body bytes.Buffer
	if n.Template == "" {
		body.WriteString(n.Text)
	} else if err := s.tpl.Mail.ExecuteTemplate(&body, n.Template, data); err != nil {
		return nil, fmt.Errorf("notice %s: %w", n.Template, err)
	}
	text := strings.ReplaceAll(strings.TrimLeft(body.String(), "\n"), "\n", "\r\n")

	from := n.From
	if from == "" {
		from = inbound.Address(n.List.Address, store.KindRequest)
	}
	auto := n.Auto
	if auto == "" {
		auto = "auto-generated"
	}
	fields := [][2]string{
		{"From", QuoteName(n.List.Name, from).String()},
		{"To", strings.Join(n.To, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", n.Subject)},
		{"Date", s.now().UTC().Format(time.RFC1123Z)},
		{"Message-Id", "<" + s.NewMessageID() + ">"},
	}
	if n.ReplyTo != "" {
		fields = append(fields, [2]string{"Reply-To", n.ReplyTo})
	}
	if n.InReply != "" && ValidMessageID(n.InReply) {
		fields = append(fields, [2]string{"In-Reply-To", "<" + n.InReply + ">"}, [2]string{"References", "<" + n.InReply + ">"})
	}
	fields = append(fields,
		[2]string{"Auto-Submitted", auto},
		[2]string{"Precedence", "bulk"},
		[2]string{"X-Loop", n.List.Address},
		[2]string{"List-Id", QuoteName(n.List.Name, "").String() + "<" + check.ListIDValue(n.List.Address) + ">"},
		[2]string{"MIME-Version", "1.0"},
	)
	// go-message's Header.Add puts a field first: add them last to first,
	// so they are written in the order people expect to read them.
	var h message.Header
	for i := len(fields) - 1; i >= 0; i-- {
		h.Add(fields[i][0], fields[i][1])
	}

	var out bytes.Buffer
	cte := TransferEncoding(text)
	textHeader := func(h *message.Header) {
		h.Set("Content-Transfer-Encoding", cte)
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	if n.HTML != "" && n.Attach == nil && n.Excerpt == nil {
		// Text and HTML, the same: the reader's client shows one.
		h.Set("Content-Type", "multipart/alternative")
		w, err := message.CreateWriter(&out, h)
		if err != nil {
			return nil, err
		}
		html := strings.ReplaceAll(n.HTML, "\n", "\r\n")
		for _, part := range []struct{ ctype, body string }{{"text/plain; charset=utf-8", text}, {"text/html; charset=utf-8", html}} {
			var ph message.Header
			ph.Set("Content-Type", part.ctype)
			ph.Set("Content-Transfer-Encoding", TransferEncoding(part.body))
			pw, err := w.CreatePart(ph)
			if err != nil {
				return nil, err
			}
			if _, err := pw.Write([]byte(part.body)); err != nil {
				return nil, err
			}
			pw.Close()
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	}
	if n.Attach == nil && n.Excerpt == nil {
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
	if n.Excerpt != nil {
		if err := n.Excerpt.write(w); err != nil {
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
		if _, err := aw.Write(n.Attach); err != nil {
			return nil, err
		}
		aw.Close()
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Excerpt is what a notice carries of a message too big to attach: its
// header block and the first lines of its body.
type Excerpt struct {
	header, body []byte
	size         int // the whole message's
}

// ExcerptOf cuts raw into its header and at most max bytes of its body,
// ending at a line end.
func ExcerptOf(raw []byte, max int) *Excerpt {
	header, body := raw, []byte(nil)
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			header, body = raw[:i+len(sep)/2], raw[i+len(sep):]
			break
		}
	}
	return &Excerpt{header: cutAtLine(header, max), body: cutAtLine(body, max), size: len(raw)}
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
func (e *Excerpt) write(w *message.Writer) error {
	part := func(h message.Header, b []byte) error {
		h.Set("Content-Disposition", "inline")
		h.Set("Content-Transfer-Encoding", TransferEncoding(string(b)))
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

// MailAddress formats "Name <addr>" with the name quoted or encoded as
// needed (RFC 5322 §3.4, RFC 2047 §5).
type MailAddress struct{ name, addr string }

// QuoteName is name and addr as a MailAddress.
func QuoteName(name, addr string) MailAddress { return MailAddress{name, addr} }

func (a MailAddress) String() string {
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

// Send composes a notice and queues it for its recipients, in one
// transaction, from the list's bounce address (so bounces of notices come
// back to Praxis, not to a person).
func (s *Sender) Send(ctx context.Context, n *Notice) error {
	_, err := s.send(ctx, nil, n)
	return err
}

// SendOnce is Send for a once-only action of scheduled work, which every
// node may decide at the same moment: the notice is queued in the
// transaction that makes claim, and not at all when the claim was made
// already. It says whether this call queued it.
func (s *Sender) SendOnce(ctx context.Context, claim store.JobClaim, n *Notice) (bool, error) {
	return s.send(ctx, &claim, n)
}

func (s *Sender) send(ctx context.Context, claim *store.JobClaim, n *Notice) (bool, error) {
	raw, err := s.Compose(n)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrCompose, err)
	}
	m := &store.Message{ListID: n.List.ID, ListAddress: n.List.Address, MailFrom: inbound.Address(n.List.Address, store.KindBounce),
		Rcpt: strings.Join(n.To, ", "), Raw: raw, Subject: n.Subject}
	ds := make([]*store.Delivery, 0, len(n.To))
	for _, to := range n.To {
		ds = append(ds, &store.Delivery{ListID: n.List.ID, Rcpt: to, Mode: store.ModeRaw, EnvFrom: inbound.Address(n.List.Address, store.KindBounce)})
	}
	var requests []*store.Pending
	if n.Request != nil {
		requests = append(requests, n.Request)
	}
	queued := true
	if claim != nil {
		queued, err = s.store.SpoolNoticeOnce(ctx, *claim, m, ds, requests...)
	} else {
		err = s.store.SpoolNotice(ctx, m, ds, requests...)
	}
	if err != nil || !queued {
		return false, err
	}
	s.queued()
	return true, nil
}

// Moderators returns the addresses that decide held posts and requests:
// moderators and owners. Only their rows are read: a notice to the
// moderators of a list of a million must not load the million.
func (s *Sender) Moderators(ctx context.Context, l *store.List) ([]string, error) {
	var out []string
	for _, role := range []string{store.RoleModerator, store.RoleOwner} {
		ms, err := s.store.MembersWithRole(ctx, l.ID, role)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out = append(out, m.Address)
		}
	}
	// By address, as one reading of the roster gave them.
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(store.AddressKey(a), store.AddressKey(b)) })
	return out, nil
}

// Owners returns the owners' addresses.
func (s *Sender) Owners(ctx context.Context, l *store.List) ([]string, error) {
	ms, err := s.store.MembersWithRole(ctx, l.ID, store.RoleOwner)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Address)
	}
	return out, nil
}

// TransferEncoding picks the lightest encoding that carries text: 7bit for
// ASCII, 8bit for UTF-8 (every MTA of our time speaks 8BITMIME, RFC 6152),
// quoted-printable only when a line is too long for SMTP (RFC 5322 §2.1.1).
func TransferEncoding(text string) string {
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

// ValidMessageID tells whether id can go into a header: a hostile message
// may carry any bytes in its Message-ID.
func ValidMessageID(id string) bool {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c == 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return id != ""
}

// ErrCompose marks a notice that cannot be written from what a message
// gave us: trying again would fail again, so the message is set aside.
var ErrCompose = errors.New("notice cannot be composed")

// NewToken makes the token of a request: a confirmation, a held post.
func NewToken() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	// Hex: the token travels in an address's local part, where case may be
	// folded on the way.
	return hex.EncodeToString(b)
}
