package relay

import (
	"bytes"
	"net/url"

	"praxis/listserv/inbound"
	"praxis/listserv/rewrite"
	"praxis/listserv/store"
)

// CopyList is what the rewriter needs to know of a list to build its copies.
func (s *Copies) CopyList(l *store.List) rewrite.List {
	archive := ""
	if l.ArchivePolicy != store.ArchiveNone {
		archive = s.baseURL + "/l/" + url.PathEscape(l.Address) + "/"
	}
	var footer bytes.Buffer
	if err := s.tpl.Mail.ExecuteTemplate(&footer, "footer.txt", map[string]string{
		"Name": l.Name, "Address": l.Address, "Request": inbound.Address(l.Address, store.KindRequest), "Archive": archive,
	}); err != nil {
		// The templates are parsed and tested at start-up; a failure here
		// means a bad field, and a post without footer beats no post.
		s.log.Error("footer template", "list", l.Address, "err", err)
		footer.Reset()
	}
	permalinks := ""
	if archive != "" {
		permalinks = s.baseURL + "/m/"
	}
	// A list that keeps no archive links to none (RFC 2369 §3.6, RFC 5064).
	return rewrite.List{
		Address:       l.Address,
		Name:          l.Name,
		Prefix:        l.Prefix,
		ArchiveURL:    archive,
		PermalinkBase: permalinks,
		Footer:        footer.String(),
	}
}
