package index

import (
	"context"
	"strings"
	"sync"

	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
	"praxis/listserv/mailmsg"
)

// authorNames remembers the name each author's latest post gives them,
// as authorName found it: finding it sorts every post of the author by
// key (an active author's thousands), which cost a third of a search
// page's time, for the same ten names on every page. Apply keeps what is
// remembered true: a newer post of an author replaces their entry, a
// replaced post that an entry was read from drops it, and a deletion
// forgets them all.
type authorNames struct {
	mu     sync.Mutex
	byAddr map[string]authorSeen
	byKey  map[string]string // the key an entry was read from → its address
}

type authorSeen struct{ name, key string }

// maxAuthorNames bounds the memory: past it, the names start over.
const maxAuthorNames = 20000

// authorName is the name an author's latest post in the index gives them,
// the address hidden when it has none: facets count by address, and a
// reader who may not see addresses is shown this instead.
func (x *Index) authorName(ctx context.Context, addr string) string {
	x.names.mu.Lock()
	seen, ok := x.names.byAddr[addr]
	x.names.mu.Unlock()
	if ok {
		return seen.name
	}
	gen := x.gen.Load()
	tq := bquery.NewTermQuery(addr)
	tq.SetField(query.FieldFromAddr)
	// The newest-first search looks for the latest post in a window
	// back from the newest day that has one: a search of all the
	// author's posts sorted by id reads every one's id, and at a hundred
	// times the usrp archive the ten authors of one search page mapped
	// 280 MB of the index into the process doing so.
	np, err := x.newest(ctx, tq, SearchOptions{Newest: true, Size: 1}, 1)
	if err != nil || len(np.res.Hits) != 1 {
		return mailmsg.HideAddresses(addr)
	}
	name := mailmsg.HideAddresses(addr)
	if from, _ := np.res.Hits[0].Fields[query.FieldFrom].(string); from != "" {
		name = fromName(from)
	}
	x.names.mu.Lock()
	// Only when no batch came in meanwhile: the search may have read the
	// index before it, and Apply had no entry to correct.
	if x.gen.Load() == gen {
		if x.names.byAddr == nil || len(x.names.byAddr) >= maxAuthorNames {
			x.names.byAddr, x.names.byKey = map[string]authorSeen{}, map[string]string{}
		}
		x.names.byAddr[addr] = authorSeen{name: name, key: np.res.Hits[0].ID}
		x.names.byKey[np.res.Hits[0].ID] = addr
	}
	x.names.mu.Unlock()
	return name
}

// saw corrects the remembered names after a batch put docs and deleted
// gone; called with the generation already moved on.
func (n *authorNames) saw(docs []Doc, gone int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if gone > 0 {
		n.byAddr, n.byKey = nil, nil
		return
	}
	for i := range docs {
		d := &docs[i]
		key := docKey(d)
		if addr, ok := n.byKey[key]; ok {
			// The post an entry was read from, put again: perhaps with
			// another name or author.
			delete(n.byAddr, addr)
			delete(n.byKey, key)
		}
		addr := strings.ToLower(d.FromAddr)
		if seen, ok := n.byAddr[addr]; ok && key > seen.key {
			name := mailmsg.HideAddresses(addr)
			if d.From != "" {
				name = fromName(d.From)
			}
			delete(n.byKey, seen.key)
			n.byAddr[addr] = authorSeen{name: name, key: key}
			n.byKey[key] = addr
		}
	}
}
