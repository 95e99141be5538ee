package dmarc

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"strings"

	// Registers the charsets go-message decodes RFC 2047 words with, so
	// that an author's name in ISO-8859-1 or Shift_JIS survives munging.
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

var (
	// ErrNoAuthor reports a post whose From has no address that parses.
	ErrNoAuthor = errors.New("dmarc: post has no usable From address")
	// ErrListAddress reports a list address that is not an address.
	ErrListAddress = errors.New("dmarc: invalid list address")
)

// Munge rewrites the header of a post for relaying under the list's
// address, as Mailman's munge_from does for authors whose domain publishes
// a strict DMARC policy. h is modified in place.
//
// From becomes the list's address with the author's name and "via
// <listName>" (`"Alice Example via CoP" <cop@example.org>`); the name is
// the author's display name, or the local part of their address when they
// have none, quoted or RFC 2047-encoded as it needs. The list's own domain
// then signs and aligns, and receivers applying the author's policy never
// see the author's domain in From.
//
// The author goes to Reply-To so that a plain reply still reaches them:
// Reply-To becomes the original From when the post had none. When it had
// one, its addresses are kept and the author's are added unless already
// there, because the author set Reply-To for a reason and the reply should
// reach both (Mailman does the same when the list does not munge Reply-To
// itself). A Reply-To that does not parse is replaced by the author, since
// replies could not have reached it anyway. Cc is left alone.
//
// DKIM-Signature fields are kept: they no longer verify once From has
// changed, and a broken signature is read as no signature (RFC 6376 §6.1),
// so they do no harm, and they help whoever investigates a complaint.
func Munge(h *textproto.Header, listAddress, listName string) error {
	list, err := mail.ParseAddress(listAddress)
	if err != nil {
		return fmt.Errorf("%w %q: %w", ErrListAddress, listAddress, err)
	}
	authors, err := mail.ParseAddressList(h.Get("From"))
	if err != nil || len(authors) == 0 {
		if err == nil {
			err = errors.New("no address")
		}
		return fmt.Errorf("%w: %w", ErrNoAuthor, err)
	}

	replyTo := authors
	if h.Get("Reply-To") != "" {
		if existing, err := mail.ParseAddressList(h.Get("Reply-To")); err == nil && len(existing) > 0 {
			replyTo = existing
			for _, a := range authors {
				if !containsAddress(replyTo, a.Address) {
					replyTo = append(replyTo, a)
				}
			}
		}
	}

	name := authors[0].Name
	if strings.TrimSpace(name) == "" {
		local, _, _ := strings.Cut(authors[0].Address, "@")
		name = local
	}
	if listName == "" {
		listName, _, _ = strings.Cut(list.Address, "@")
	}
	from := &mail.Address{Name: name + " via " + listName, Address: list.Address}

	// go-message's header inserts at the top; setting Reply-To first puts
	// From above it.
	h.Set("Reply-To", formatAddressList(replyTo))
	h.Set("From", formatAddress(from))
	return nil
}

// containsAddress reports whether list holds addr. Domains compare
// case-insensitively (RFC 5321 §2.4); local parts are compared that way
// too, since a reader would take Alice@ and alice@ for one person.
func containsAddress(list []*mail.Address, addr string) bool {
	for _, a := range list {
		if strings.EqualFold(a.Address, addr) {
			return true
		}
	}
	return false
}

func formatAddressList(l []*mail.Address) string {
	s := make([]string, len(l))
	for i, a := range l {
		s[i] = formatAddress(a)
	}
	return strings.Join(s, ", ")
}

// formatAddress formats a as net/mail does, except for one case it gets
// wrong. net/mail writes a display name that needs RFC 2047 encoding as a
// Q-encoded word unless it holds one of a list of specials, and that list
// lacks the backslash, which RFC 2047 §5(3) does not allow in an encoded
// word within a phrase either; parsers then reject the field. Such names
// are B-encoded here, which is always safe.
func formatAddress(a *mail.Address) string {
	needsEncoding := strings.ContainsFunc(a.Name, func(r rune) bool {
		return r != '\t' && (r < 0x20 || r > 0x7e)
	})
	unsafeInQ := strings.ContainsFunc(a.Name, func(r rune) bool {
		return r < 0x80 && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
			strings.ContainsRune(" !*+-/=?_", r))
	})
	if needsEncoding && unsafeInQ {
		addr := (&mail.Address{Address: a.Address}).String()
		return mime.BEncoding.Encode("utf-8", a.Name) + " " + addr
	}
	return a.String()
}

// wrapCopied are the fields Wrap copies to the outer header, in the order
// they are written: what a reader sees in the message list and what
// threads the wrapper with the conversation.
var wrapCopied = []string{"To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References"}

// Wrap returns a new message from the list whose only body part is the
// original post, byte for byte, as message/rfc822 (Mailman's
// wrap_message): the post and any DKIM signature on it stay intact for
// whoever opens it, while the outer message is the list's own.
//
// The outer header has From and Reply-To as Munge makes them, and a copy
// of To, Cc, Subject, Date, Message-ID, In-Reply-To and References, so the
// wrapper sorts and threads as the post would. It is multipart/mixed, so
// that a footer can later be added as a part of its own.
//
// Lines are written with CRLF, and a post with bare LF line ends is
// converted: that is the form it takes on the wire anyway.
func Wrap(raw []byte, listAddress, listName string) ([]byte, error) {
	raw = toCRLF(raw)
	inner, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, fmt.Errorf("dmarc: reading the post's header: %w", err)
	}

	// Fields are inserted at the top, so the last one added comes first.
	var outer textproto.Header
	is8bit := has8bit(raw)
	if is8bit {
		// RFC 2045 §6.4: a multipart holding 8-bit data is labelled
		// 8bit, never encoded.
		outer.Add("Content-Transfer-Encoding", "8bit")
	}
	boundary := boundaryFor(raw)
	outer.Add("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	// AddRaw keeps the RFC 2045 spelling; Add would write "Mime-Version".
	outer.AddRaw([]byte("MIME-Version: 1.0\r\n"))
	for i := len(wrapCopied) - 1; i >= 0; i-- {
		k := wrapCopied[i]
		// Copied as they were, folding and encoding included.
		fields := inner.FieldsByKey(k)
		var raws [][]byte
		for fields.Next() {
			b, err := fields.Raw()
			if err != nil {
				return nil, fmt.Errorf("dmarc: copying %s: %w", k, err)
			}
			raws = append(raws, b)
		}
		for j := len(raws) - 1; j >= 0; j-- {
			outer.AddRaw(bytes.Clone(raws[j]))
		}
	}
	if v := inner.Get("Reply-To"); v != "" {
		outer.Add("Reply-To", v)
	}
	outer.Add("From", inner.Get("From"))
	if err := Munge(&outer, listAddress, listName); err != nil {
		return nil, err
	}

	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, outer); err != nil {
		return nil, fmt.Errorf("dmarc: writing the wrapper's header: %w", err)
	}
	mw := textproto.NewMultipartWriter(&b)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, fmt.Errorf("dmarc: %w", err)
	}
	var part textproto.Header
	if is8bit {
		// RFC 2046 §5.2.1: message/rfc822 is 7bit, 8bit or binary,
		// never encoded.
		part.Add("Content-Transfer-Encoding", "8bit")
	}
	part.Add("Content-Disposition", "inline")
	part.Add("Content-Type", "message/rfc822")
	w, err := mw.CreatePart(part)
	if err != nil {
		return nil, fmt.Errorf("dmarc: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("dmarc: %w", err)
	}
	// Close starts the closing delimiter with a CRLF of its own, which
	// belongs to the delimiter and not to the post (RFC 2046 §5.1.1), so
	// the part holds raw exactly, whether or not it ends in a line end.
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("dmarc: %w", err)
	}
	return b.Bytes(), nil
}

// boundaryFor derives the multipart boundary from the post itself. A hash
// of the post cannot occur in it, and the same post always gets the same
// wrapper, so a relay step that runs twice after a crash produces the same
// bytes.
func boundaryFor(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "praxis=_" + hex.EncodeToString(sum[:12])
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// toCRLF turns bare LF line ends into CRLF, leaving CRLF ones alone.
func toCRLF(b []byte) []byte {
	bare := false
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			bare = true
			break
		}
	}
	if !bare {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/32)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
