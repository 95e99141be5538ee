package web

import (
	"net/http"
	"net/url"
	"strings"

	"praxis/listserv/store"
)

type resourceView struct {
	store.Resource
	PostPath   string
	ThreadPath string
	Who        string // who shared it, as the visitor may see them
	Host       string // a link's host, shown beside it
}

// resources lists the links and files shared on a list, newest first,
// filtered by what their URL or name contains, paged.
func (s *Server) resources(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg := pageNumber(r)
	rs, err := s.st.ArchiveResources(r.Context(), l.ID, q, (pg-1)*resourcesPage, resourcesPage+1)
	if err != nil {
		s.fail(w, r, "resources", err)
		return
	}
	more := len(rs) > resourcesPage
	if more {
		rs = rs[:resourcesPage]
	}
	views := make([]resourceView, len(rs))
	for i, res := range rs {
		v := resourceView{Resource: res, PostPath: messagePath(res.MessageID), ThreadPath: threadPath(l.Address, res.ThreadID),
			Who: s.who(r).author(l, res.FromAddr, res.FromName)}
		if res.Kind == "link" {
			if u, err := url.Parse(res.Value); err == nil {
				v.Host = u.Host
			}
		}
		views[i] = v
	}
	link := func(p int) string {
		v := url.Values{"page": {itoa(p)}}
		if q != "" {
			v.Set("q", q)
		}
		return listPath(l.Address) + "resources?" + v.Encode()
	}
	data := map[string]any{"Title": "Resources · " + l.Name, "List": l, "Q": q, "Resources": views}
	if more {
		data["Next"] = link(pg + 1)
	}
	if pg > 1 {
		data["Prev"] = link(pg - 1)
	}
	s.page(w, r, http.StatusOK, "resources.html", data)
}
