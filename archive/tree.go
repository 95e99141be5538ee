package archive

import (
	"sort"

	"praxis/listserv/store"
)

// Node is a post in a thread laid out as a tree.
type Node struct {
	Post  *store.ArchivedPost
	Depth int
}

// Tree lays a thread out depth first, siblings by date. Posts whose parent
// is not in the thread (a ghost, or none) are roots; a reference loop is
// broken where it is found.
func Tree(posts []*store.ArchivedPost) []Node {
	byID := map[string]bool{}
	for _, p := range posts {
		byID[p.MessageID] = true
	}
	children := map[string][]*store.ArchivedPost{}
	var roots []*store.ArchivedPost
	for _, p := range posts {
		if p.ParentID != "" && byID[p.ParentID] && p.ParentID != p.MessageID {
			children[p.ParentID] = append(children[p.ParentID], p)
		} else {
			roots = append(roots, p)
		}
	}
	byDate := func(ps []*store.ArchivedPost) {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Date.Before(ps[j].Date) })
	}
	out := make([]Node, 0, len(posts))
	visited := map[int64]bool{}
	var walk func(p *store.ArchivedPost, depth int)
	walk = func(p *store.ArchivedPost, depth int) {
		if visited[p.ID] {
			return
		}
		visited[p.ID] = true
		out = append(out, Node{Post: p, Depth: depth})
		kids := children[p.MessageID]
		byDate(kids)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	byDate(roots)
	for _, r := range roots {
		walk(r, 0)
	}
	// Posts only reachable through a loop: shown as roots.
	for _, p := range posts {
		if !visited[p.ID] {
			walk(p, 0)
		}
	}
	return out
}
