package web

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"

	"praxis/archive"
)

// AdminHeader carries the admin token of the data dir.
const AdminHeader = "X-Praxis-Admin"

// adminSearch serves `praxis search` while serve holds the index: Bleve
// lets one process open an index, so the CLI asks the one that has it.
// It answers only to the data dir's admin token, and otherwise 404.
func (s *Server) adminSearch(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get(AdminHeader)
	if s.cfg.Index == nil || s.cfg.AdminToken == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	res, err := archive.Search(s.cfg.Index, q.Get("list"), q.Get("q"), limit, q.Get("sort") != "relevance")
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(res)
}
