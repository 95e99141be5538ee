package imapview

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/backend/backendutil"
	"github.com/emersion/go-message/textproto"

	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// fetchPlan is what a FETCH's items need of each post.
type fetchPlan struct {
	items    []imap.FetchItem
	sections map[imap.FetchItem]*imap.BodySectionName
	flags    bool // FLAGS asked
	headers  bool // an item that needs only the header block (ENVELOPE, BODY[HEADER…])
	setsSeen bool // a body section without PEEK: sets \Seen (RFC 3501 §6.4.5)
}

func planFetch(items []imap.FetchItem) (*fetchPlan, error) {
	p := &fetchPlan{items: items, sections: make(map[imap.FetchItem]*imap.BodySectionName)}
	for _, it := range items {
		switch it {
		case imap.FetchEnvelope:
			p.headers = true
		case imap.FetchUid, imap.FetchInternalDate, imap.FetchRFC822Size, imap.FetchBody, imap.FetchBodyStructure:
		case imap.FetchFlags:
			p.flags = true
		default:
			s, err := imap.ParseBodySectionName(it)
			if err != nil {
				return nil, &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespBad, Info: fmt.Sprintf("Unknown FETCH item %.40q", string(it))}}
			}
			p.sections[it] = s
			if len(s.Path) == 0 && s.Specifier == imap.HeaderSpecifier {
				p.headers = true
			}
			if !s.Peek {
				p.setsSeen = true
			}
		}
	}
	return p, nil
}

// ListMessages is backend.Mailbox's (FETCH, UID FETCH): the posts a set
// names, a page at a time, each read from the store only for the items
// that need its bytes.
func (m *mailbox) ListMessages(uid bool, set *imap.SeqSet, items []imap.FetchItem, ch chan<- *imap.Message) error {
	defer close(ch)
	ctx, cancel := m.ctx()
	defer cancel()
	if err := m.stillVisible(ctx); err != nil {
		return m.fail("fetch", err)
	}
	plan, err := planFetch(items)
	if err != nil {
		return err
	}
	setSeen := plan.setsSeen && !m.readOnly
	st := m.u.b.deps.Store
	err = m.each(ctx, uid, set, func(ids []int64, seqs []uint32) error {
		posts, err := st.IMAPPosts(ctx, m.list.ID, ids)
		if err != nil {
			return err
		}
		byID := make(map[int64]store.IMAPPost, len(posts))
		for _, p := range posts {
			byID[p.ID] = p
		}
		var flags map[int64][]string
		if plan.flags || setSeen {
			if flags, err = m.flags(ctx, ids); err != nil {
				return err
			}
		}
		seenNow := make(map[int64]bool)
		if setSeen {
			var unseen []int64
			for _, id := range ids {
				if _, ok := byID[id]; ok && !hasFlag(flags[id], imap.SeenFlag) {
					unseen = append(unseen, id)
				}
			}
			changed, err := m.storeFlags(ctx, unseen, store.FlagsAdd, []string{imap.SeenFlag})
			if err != nil {
				return err
			}
			for id, f := range changed {
				flags[id], seenNow[id] = f, true
			}
		}
		// The header blocks kept (imap_headers) for header items: a
		// client listing a mailbox then reads a few KB a post, not the
		// whole post with its attachments.
		var headers map[string][]byte
		if plan.headers {
			hashes := make([]string, 0, len(posts))
			for _, p := range posts {
				hashes = append(hashes, p.Hash)
			}
			if headers, err = st.IMAPHeaders(ctx, hashes); err != nil {
				return err
			}
		}
		for i, id := range ids {
			p, ok := byID[id]
			if !ok {
				continue // gone from the archive meanwhile
			}
			msg, err := m.message(ctx, p, seqs[i], plan, flags[id], seenNow[id], headers)
			if err != nil {
				return err
			}
			select {
			case ch <- msg:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	if err != nil {
		return m.fail("fetch", err)
	}
	return nil
}

// message builds one FETCH response. The post's bytes are read only for
// the items that need them (RFC822.SIZE is kept beside the post, counted
// when it was archived). Header items take the header block from headers
// (by hash), which the store keeps for every post (ArchivePut; 0013 for
// older ones); were one missing, it is cut from the post.
func (m *mailbox) message(ctx context.Context, p store.IMAPPost, seq uint32, plan *fetchPlan, flags []string, seenNow bool, headers map[string][]byte) (*imap.Message, error) {
	items := plan.items
	if seenNow && !plan.flags {
		// The flags changed: say so in the same response (RFC 3501 §6.4.5).
		items = append(items[:len(items):len(items)], imap.FetchFlags)
	}
	msg := imap.NewMessage(seq, items)
	// stored is the post as stored; raw the whole of it in CRLF form, head
	// its header block in CRLF form (what header items need: a post's
	// body, attachments and all, is not copied for them).
	var stored, raw, head []byte
	fetch := func() error {
		if stored != nil {
			return nil
		}
		b, err := m.u.b.deps.Store.ArchiveRaw(ctx, p.Hash)
		if err != nil {
			return err
		}
		stored = b
		return nil
	}
	load := func() error {
		if err := fetch(); err != nil || raw != nil {
			return err
		}
		raw = toCRLF(stored)
		return nil
	}
	loadHead := func() error {
		if head != nil {
			return nil
		}
		if h, ok := headers[p.Hash]; ok && stored == nil {
			head = toCRLF(h)
			return nil
		}
		if err := fetch(); err != nil {
			return err
		}
		head = toCRLF(store.HeaderBlock(stored))
		return nil
	}
	for _, it := range items {
		switch it {
		case imap.FetchUid:
			msg.Uid = uint32(p.ID)
		case imap.FetchFlags:
			msg.Flags = flags
			if msg.Flags == nil {
				msg.Flags = []string{}
			}
		case imap.FetchInternalDate:
			msg.InternalDate = p.Date
		case imap.FetchRFC822Size:
			msg.Size = uint32(p.Size)
		case imap.FetchEnvelope:
			if err := loadHead(); err != nil {
				return nil, err
			}
			msg.Envelope = envelope(head)
		case imap.FetchBody, imap.FetchBodyStructure:
			if err := load(); err != nil {
				return nil, err
			}
			msg.BodyStructure = bodyStructure(raw, it == imap.FetchBodyStructure)
		default:
			s := plan.sections[it]
			if len(s.Path) == 0 && s.Specifier == imap.HeaderSpecifier {
				if err := loadHead(); err != nil {
					return nil, err
				}
				msg.Body[s] = bodySection(head, s)
				continue
			}
			if err := load(); err != nil {
				return nil, err
			}
			msg.Body[s] = bodySection(raw, s)
		}
	}
	return msg, nil
}

// toCRLF returns raw with every bare LF made CRLF, as IMAP serves a
// message (RFC 3501 §2.3.3 counts RFC822.SIZE on that form). A bare CR is
// left alone. raw itself is returned when it has no bare LF.
func toCRLF(raw []byte) []byte {
	bare := mailmsg.CRLFSize(raw) - len(raw)
	if bare == 0 {
		return raw
	}
	out := make([]byte, 0, len(raw)+bare)
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// split reads a message's header; ok is false when it does not parse,
// and body is then what follows the first empty line.
func split(raw []byte) (h textproto.Header, body *bufio.Reader, ok bool) {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		rest := raw
		if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
			rest = raw[i+4:]
		}
		return textproto.Header{}, bufio.NewReader(bytes.NewReader(rest)), false
	}
	return h, br, true
}

func envelope(raw []byte) *imap.Envelope {
	h, _, _ := split(raw)
	env, err := backendutil.FetchEnvelope(h)
	if err != nil || env == nil {
		// An address list that does not parse: the envelope without it.
		return &imap.Envelope{Subject: h.Get("Subject"), MessageId: h.Get("Message-Id"), InReplyTo: h.Get("In-Reply-To")}
	}
	return env
}

func bodyStructure(raw []byte, extended bool) *imap.BodyStructure {
	h, body, ok := split(raw)
	if ok {
		if bs, err := backendutil.FetchBodyStructure(h, body, extended); err == nil && bs != nil {
			return bs
		}
	}
	// A message whose MIME does not parse is shown as the text it is.
	_, body, _ = split(raw)
	rest, _ := io.ReadAll(body)
	return &imap.BodyStructure{MIMEType: "text", MIMESubType: "plain", Params: map[string]string{"charset": "us-ascii"},
		Encoding: "7bit", Size: uint32(len(rest)), Lines: uint32(bytes.Count(rest, []byte("\n"))), Extended: extended}
}

// bodySection returns a BODY[section]<partial> of a message in CRLF form.
// A part that does not exist is the empty string (RFC 3501 §6.4.5).
func bodySection(raw []byte, s *imap.BodySectionName) imap.Literal {
	var b []byte
	if len(s.Path) == 0 && s.Specifier == imap.EntireSpecifier {
		b = raw // byte for byte: what RFC822.SIZE counts
	} else if len(s.Path) == 0 && s.Specifier == imap.HeaderSpecifier && len(s.Fields) == 0 {
		// The header block byte for byte, as stored: parsing it only to
		// write it out again cost a listing client ~90 µs a post.
		b = headerOf(raw)
	} else if h, body, ok := split(raw); ok {
		whole := *s
		whole.Partial = nil
		if l, err := backendutil.FetchBodySection(h, body, &whole); err == nil {
			b, _ = io.ReadAll(l)
		}
	} else if len(s.Path) == 0 {
		// A header that does not parse: HEADER is up to the first empty
		// line, TEXT after it.
		i := bytes.Index(raw, []byte("\r\n\r\n"))
		switch {
		case i < 0 && s.Specifier == imap.HeaderSpecifier:
			b = raw
		case i < 0:
		case s.Specifier == imap.HeaderSpecifier:
			b = raw[:i+4]
		case s.Specifier == imap.TextSpecifier:
			b = raw[i+4:]
		}
	}
	return bytes.NewReader(partial(b, s.Partial))
}

// headerOf is BODY[HEADER] of raw (CRLF form): the header block with the
// empty line that ends it. A message without that line (all header, no
// body) gets one, as the section always ends with it (RFC 3501 §6.4.5).
func headerOf(raw []byte) []byte {
	h := store.HeaderBlock(raw)
	switch {
	case bytes.HasSuffix(h, []byte("\r\n\r\n")) || bytes.Equal(h, []byte("\r\n")):
		return h
	case bytes.HasSuffix(h, []byte("\r\n")):
		return append(h[:len(h):len(h)], '\r', '\n')
	case len(h) == 0:
		return []byte("\r\n")
	}
	return append(h[:len(h):len(h)], '\r', '\n', '\r', '\n')
}

// partial cuts <from.length> out of b; a start past the end is empty.
func partial(b []byte, p []int) []byte {
	if len(p) == 0 {
		return b
	}
	from := p[0]
	if from < 0 || from > len(b) {
		return nil
	}
	b = b[from:]
	if len(p) > 1 && p[1] >= 0 && p[1] < len(b) {
		b = b[:p[1]]
	}
	return b
}
