package render

import (
	"strings"
	"unicode/utf8"
)

// walker goes through a parsed message once, in order, deciding for each
// leaf whether it is read (a Part) or offered for download (an
// Attachment). Render and AttachmentData share it, so that an attachment's
// Index and entry are the same in both.
type walker struct {
	m      *Message
	parts  bool // build Parts; AttachmentData needs only the attachments
	budget int  // text left to show before the note
	cut    bool // the budget ran out

	want  int // the attachment AttachmentData asks for
	found bool
	data  []byte
	att   Attachment
}

func newWalker(raw []byte, parts bool, want int) *walker {
	root := parse(raw)
	w := &walker{
		m:      &Message{Header: headerOf(root.header)},
		parts:  parts,
		budget: maxText,
		want:   want,
	}
	w.walk(root, nil, false)
	return w
}

// walk visits an entity. enclosed is the header of the attached message
// the entity belongs to, if any. listOnly is set below the alternatives
// not chosen for reading: their text is the same content again and is
// left out, but what else they hold (the images of an HTML alternative,
// an invitation) is listed as attachments.
func (w *walker) walk(e *entity, enclosed *Header, listOnly bool) {
	switch {
	case e.mediaType == "multipart/alternative" && !listOnly:
		best := chooseAlternative(e.children)
		for _, c := range e.children {
			w.walk(c, enclosed, c != best)
		}
	case strings.HasPrefix(e.mediaType, "multipart/"):
		for _, c := range e.children {
			w.walk(c, enclosed, listOnly)
		}
	case isMessageType(e.mediaType):
		w.attach(e)
		if e.inner != nil {
			h := headerOf(e.inner.header)
			w.walk(e.inner, &h, listOnly)
		}
	default:
		switch k := leafKind(e); {
		case k == kindAttachment:
			w.attach(e)
		case listOnly:
		case k == kindText:
			w.text(e, enclosed)
		case k == kindHTML:
			w.html(e, enclosed)
		}
	}
}

type kind int

const (
	kindAttachment kind = iota
	kindText
	kindHTML
)

// leafKind decides how a leaf is shown. Text that the sender named or
// marked as an attachment (RFC 2183) is an attachment; unnamed inline
// text/plain (and patches) is read; unnamed inline HTML is read,
// sanitised; everything else is an attachment.
func leafKind(e *entity) kind {
	if e.disp == "attachment" || e.filename() != "" {
		return kindAttachment
	}
	switch e.mediaType {
	case "text/plain", "text/x-patch", "text/x-diff", "text/x-log":
		return kindText
	case "text/html":
		return kindHTML
	}
	return kindAttachment
}

// chooseAlternative picks the alternative to read (RFC 2046 §5.1.4):
// text/plain when it has any text, else HTML, else a multipart (such as
// multipart/related holding the HTML and its images), else the last.
func chooseAlternative(cs []*entity) *entity {
	for _, c := range cs {
		if leafKind(c) == kindText && !isBlank(c.text()) {
			return c
		}
	}
	for _, c := range cs {
		if leafKind(c) == kindHTML {
			return c
		}
	}
	for _, c := range cs {
		if strings.HasPrefix(c.mediaType, "multipart/") {
			return c
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return cs[len(cs)-1]
}

// take spends budget on n bytes of text; it returns how many may be
// shown, and adds the note when that is fewer.
func (w *walker) take(s string) string {
	if len(s) <= w.budget {
		w.budget -= len(s)
		return s
	}
	cut := w.budget
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if nl := strings.LastIndexByte(s[:cut], '\n'); nl > cut/2 {
		cut = nl
	}
	w.budget, w.cut = 0, true
	return s[:cut]
}

func (w *walker) note() {
	w.m.Parts = append(w.m.Parts, Part{Blocks: []Block{{
		Kind:  Note,
		Text:  "This message is too long to show in full; the rest is in the original.",
		Lines: 1,
	}}})
}

func (w *walker) text(e *entity, enclosed *Header) {
	if !w.parts || w.cut {
		return
	}
	s := e.text()
	if isBlank(s) {
		return
	}
	s = w.take(s)
	var blocks []Block
	if e.mediaType == "text/plain" {
		flowed := strings.EqualFold(e.params["format"], "flowed")
		blocks = splitBlocks(s, flowed, strings.EqualFold(e.params["delsp"], "yes"))
	} else if b, ok := block(Plain, 0, strings.Split(s, "\n")); ok {
		blocks = []Block{b} // a patch: its "-- " and ">" lines are code
	}
	if len(blocks) > 0 {
		w.m.Parts = append(w.m.Parts, Part{Blocks: blocks, Enclosed: enclosed})
	}
	if w.cut {
		w.note()
	}
}

func (w *walker) html(e *entity, enclosed *Header) {
	if !w.parts || w.cut {
		return
	}
	s := e.text()
	if isBlank(s) {
		return
	}
	// The budget is spent on the source; sanitising only shortens it.
	out, remote, links := sanitize(w.take(s))
	if strings.TrimSpace(string(out)) != "" || remote {
		w.m.Parts = append(w.m.Parts, Part{HTML: out, RemoteContent: remote, Enclosed: enclosed, links: links})
	}
	if w.cut {
		w.note()
	}
}

// attach lists a leaf as an attachment and, for AttachmentData, keeps
// the content of the one asked for.
func (w *walker) attach(e *entity) {
	if !w.parts && e.index != w.want {
		return // AttachmentData: only the one asked for is decoded
	}
	name := e.filename()
	if name == "" && e.inner != nil {
		if subj := headerOf(e.inner.header).Subject; subj != "" {
			name = subj + ".eml"
		}
	}
	a := Attachment{
		Index:       e.index,
		Filename:    safeFilename(name, e.index, e.mediaType),
		ContentType: e.mediaType,
	}
	data := e.content()
	a.SafeType = safeType(e.mediaType, a.Filename, data)
	if a.SafeType == typeText && strings.HasPrefix(e.mediaType, "text/") {
		data = []byte(e.utf8())
	}
	a.Size = len(data)
	w.m.Attachments = append(w.m.Attachments, a)
	if e.index == w.want {
		w.found, w.data, w.att = true, data, a
	}
}
