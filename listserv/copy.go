package listserv

import (
	"bytes"
	"net/url"

	"praxis/listserv/rewrite"
)

// CopyList is what the rewriter needs to know of a list to build its copies.
func (s *Service) CopyList(l *List) rewrite.List {
	archive := ""
	if l.ArchivePolicy != ArchiveNone {
		archive = s.cfg.BaseURL + "/l/" + url.PathEscape(l.Address) + "/"
	}
	var footer bytes.Buffer
	if err := s.tpl.Mail.ExecuteTemplate(&footer, "footer.txt", map[string]string{
		"Name": l.Name, "Address": l.Address, "Request": Address(l.Address, "request"), "Archive": archive,
	}); err != nil {
		// The templates are parsed and tested at start-up; a failure here
		// means a bad field, and a post without footer beats no post.
		s.log.Error("footer template", "list", l.Address, "err", err)
		footer.Reset()
	}
	permalinks := ""
	if archive != "" {
		permalinks = s.cfg.BaseURL + "/m/"
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
