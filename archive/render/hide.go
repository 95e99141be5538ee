package render

import (
	"html/template"

	"praxis/listserv/mailmsg"
)

// HideAddresses hides every address of m, for a reader who may not see
// them (the archive's visitors who are not signed in as members): the
// sender shown by name, To and Cc by names, and the addresses in the
// text — attributions ("On …, Ann <ann@…> wrote:"), quotes, signatures,
// plain text and HTML — cut down by mailmsg.HideAddresses.
func (m *Message) HideAddresses() {
	m.Header.hide()
	for i := range m.Parts {
		p := &m.Parts[i]
		if p.Enclosed != nil {
			p.Enclosed.hide()
		}
		for j := range p.Blocks {
			b := &p.Blocks[j]
			b.Text = mailmsg.HideAddresses(b.Text)
			b.Attribution = mailmsg.HideAddresses(b.Attribution)
		}
		// The sanitised HTML is text and attribute values, escaped; an
		// address in either (mailto: links too) is cut as in text.
		p.HTML = template.HTML(mailmsg.HideAddresses(string(p.HTML)))
	}
}

func (h *Header) hide() {
	h.From = mailmsg.HiddenAuthor(h.FromAddr, h.From)
	h.FromAddr = ""
	h.To = mailmsg.HideAddresses(h.To)
	h.Cc = mailmsg.HideAddresses(h.Cc)
	h.Subject = mailmsg.HideAddresses(h.Subject)
}
