package mailmsg

import (
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset decodes
)

// Limits of the walk, so that a hostile post costs no more than a normal
// one.
const (
	// MaxDepth bounds the nesting of multiparts followed.
	MaxDepth = 8
	// MaxParts bounds the parts visited in one post.
	MaxParts = 200
	// MaxText bounds what is buffered of one part of an alternative.
	MaxText = 256 << 10
)

// Part is one leaf of a post's MIME tree, met on the walk.
type Part struct {
	// Header is the part's own header.
	Header message.Header
	// MediaType is the lower-case media type; text/plain when the part
	// names none (RFC 2045 §5.2).
	MediaType string
	// Params are the Content-Type parameters.
	Params map[string]string
	// Disposition is "inline", "attachment" or "" (lower case).
	Disposition string
	// Filename is Content-Disposition's filename, else Content-Type's
	// name (older mailers), with encoded words decoded.
	Filename string
	// Body is the content with its transfer encoding and, for text, its
	// declared charset undone (go-message with go-message/charset). It
	// can be read only until the visitor returns.
	Body io.Reader
	// Depth is how deep in multiparts the part sits; 0 for a post that
	// is not multipart.
	Depth int
}

// Attached tells whether the part is offered as a file rather than shown:
// a Content-Disposition of attachment (RFC 2183 §2.2), or a named part
// that is not text.
func (p *Part) Attached() bool {
	return p.Disposition == "attachment" || (p.Filename != "" && !strings.HasPrefix(p.MediaType, "text/"))
}

// Walk visits the leaves of a post's MIME tree in order, until visit
// returns false. Of a multipart/alternative it visits one part: the
// text/plain one if there is one, else the first multipart or text/html
// (RFC 2046 §5.1.4 orders alternatives simplest first). A malformed post
// gives what could be read: its header read as ReadHeader reads it, and
// unknown charsets and encodings still give their bytes.
func Walk(raw []byte, visit func(*Part) bool) {
	ent, _ := message.Read(bytes.NewReader(raw))
	if ent == nil {
		// go-message refuses a header with a line that is no field; read
		// it the tolerant way, as the relay does, and the body after it.
		h := HeaderOf(raw)
		var err error
		if ent, err = message.New(message.Header{Header: h}, bytes.NewReader(Split(raw).Body)); ent == nil {
			_ = err
			return
		}
	}
	w := walker{visit: visit}
	w.entity(ent, 0)
}

type walker struct {
	visit   func(*Part) bool
	visited int
	stopped bool
}

func (w *walker) done() bool { return w.stopped || w.visited >= MaxParts }

func (w *walker) entity(e *message.Entity, depth int) {
	if depth > MaxDepth || w.done() {
		return
	}
	mt, params, _ := e.Header.ContentType()
	if mr := e.MultipartReader(); mr != nil {
		var alts []*message.Entity
		for n := 0; n < MaxParts && !w.done(); n++ {
			p, err := mr.NextPart()
			if err != nil || p == nil {
				break
			}
			if mt != "multipart/alternative" {
				w.entity(p, depth+1)
				continue
			}
			if pt, _, _ := p.Header.ContentType(); len(alts) == 0 && (pt == "text/plain" || pt == "") {
				// The usual case: the plain text comes first; the rest
				// need not be read.
				w.entity(p, depth+1)
				return
			}
			// An alternative's parts must be read before the next one
			// starts: keep the bytes of each.
			b, _ := io.ReadAll(io.LimitReader(p.Body, MaxText))
			p.Body = bytes.NewReader(b)
			alts = append(alts, p)
		}
		if mt == "multipart/alternative" {
			w.alternative(alts, depth)
		}
		return
	}
	if mt == "" {
		mt = "text/plain"
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name, _ = DecodeWords(name)
	w.visited++
	part := &Part{
		Header: e.Header, MediaType: mt, Params: params,
		Disposition: strings.ToLower(disp), Filename: name,
		Body: e.Body, Depth: depth,
	}
	if !w.visit(part) {
		w.stopped = true
	}
}

func (w *walker) alternative(parts []*message.Entity, depth int) {
	for _, p := range parts {
		if mt, _, _ := p.Header.ContentType(); mt == "text/plain" || mt == "" {
			w.entity(p, depth+1)
			return
		}
	}
	for _, p := range parts {
		mt, _, _ := p.Header.ContentType()
		if strings.HasPrefix(mt, "multipart/") || mt == "text/html" {
			w.entity(p, depth+1)
			return
		}
	}
}

// FirstText returns the first text/plain part of a post that is not an
// attachment, decoded and read up to limit bytes; ok is false when there
// is none.
func FirstText(raw []byte, limit int64) (text []byte, ok bool) {
	Walk(raw, func(p *Part) bool {
		if p.MediaType != "text/plain" || p.Attached() {
			return true
		}
		text, _ = io.ReadAll(io.LimitReader(p.Body, limit))
		ok = true
		return false
	})
	return text, ok
}
