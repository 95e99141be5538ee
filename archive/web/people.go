package web

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// personView is one member of "who knows what": what they said they know
// and what the answers library credits them with.
type personView struct {
	Name      string
	Address   string // "" unless the visitor may see addresses
	Expertise []string
	Answers   int
	Terms     []termCount
	Threads   []answerView // their latest credited answers
}

type termCount struct {
	Term  string
	Count int
}

// maxPersonThreads and maxPersonTerms bound what one person shows.
const (
	maxPersonThreads = 5
	maxPersonTerms   = 8
)

// peoplePage is /l/LIST/people: the members who chose to be listed (`set
// listing on`, /settings), with their declared expertise and the key
// terms of the questions they answered (the answers library), and a
// search: who can help with X. Nobody else is shown; an address only to
// a member signed in.
func (s *Server) peoplePage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	_, members, err := s.svc.Members(ctx, l.Address)
	if err != nil {
		s.fail(w, r, "people", err)
		return
	}
	entries, _, updating, err := s.library(ctx, r, l, answerQuery{ByDate: true, Page: 1}, 100000)
	if s.queueRefused(w, r, err) {
		return
	}
	if err != nil {
		s.fail(w, r, "people", err)
		return
	}
	// A credited answer is someone's by the key the archive tells people
	// apart by: their address, or, on a list that rewrote From, their name.
	byKey := map[string][]*store.Answer{}
	for _, a := range entries {
		byKey[a.AnswerKey] = append(byKey[a.AnswerKey], a)
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	var words []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		words = append(words, w)
	}
	sees := s.who(r).seesAddresses(l)
	var people []personView
	var relevance []int
	for _, m := range members {
		if !m.Listed || m.Status != store.StatusEnabled {
			continue
		}
		name := strings.TrimSpace(m.Name)
		credited := byKey[strings.ToLower(m.Address)]
		if k := mailmsg.NameKey(name); k != "" {
			// Their answers through a list that rewrote their From.
			credited = slices.Concat(credited, byKey[k])
		}
		if name == "" {
			name = mailmsg.HiddenAuthor(m.Address, "")
		}
		p := personView{Name: name, Answers: len(credited)}
		if sees {
			p.Address = m.Address
		} else {
			// A name (or what a member wrote they know) may be an
			// address: hidden as the thread pages hide it.
			p.Name = mailmsg.HideAddresses(name)
		}
		for _, e := range strings.FieldsFunc(m.Expertise, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
			if e = strings.TrimSpace(e); e != "" {
				if !sees {
					e = mailmsg.HideAddresses(e)
				}
				p.Expertise = append(p.Expertise, e)
			}
		}
		counts := map[string]int{}
		for i, a := range credited {
			for _, t := range a.Terms {
				counts[t]++
			}
			if i < maxPersonThreads {
				p.Threads = append(p.Threads, answerView{Answer: a, ThreadPath: threadPath(l.Address, a.ThreadID), AnswerPath: messagePath(a.AnswerID)})
			}
		}
		for t, c := range counts {
			p.Terms = append(p.Terms, termCount{t, c})
		}
		sort.Slice(p.Terms, func(i, j int) bool {
			if p.Terms[i].Count != p.Terms[j].Count {
				return p.Terms[i].Count > p.Terms[j].Count
			}
			return p.Terms[i].Term < p.Terms[j].Term
		})
		p.Terms = p.Terms[:min(len(p.Terms), maxPersonTerms)]
		score := 0
		if len(words) > 0 {
			// Who can help with X: each word the member declared, or
			// met in the questions they answered.
			for _, w := range words {
				for _, e := range p.Expertise {
					if strings.Contains(strings.ToLower(e), w) {
						score += 10
					}
				}
				score += counts[w] * 3
				for _, a := range credited {
					if strings.Contains(strings.ToLower(a.Title), w) {
						score++
					}
				}
			}
			if score == 0 {
				continue
			}
		}
		people = append(people, p)
		relevance = append(relevance, score)
	}
	order := make([]int, len(people))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if relevance[i] != relevance[j] {
			return relevance[i] > relevance[j]
		}
		if people[i].Answers != people[j].Answers {
			return people[i].Answers > people[j].Answers
		}
		return strings.ToLower(people[i].Name) < strings.ToLower(people[j].Name)
	})
	sorted := make([]personView, len(people))
	for k, i := range order {
		sorted[k] = people[i]
	}
	s.page(w, r, http.StatusOK, "people.html", map[string]any{"Title": "Who knows what · " + l.Name, "List": l, "People": sorted,
		"PQ": r.URL.Query().Get("q"), "Base": listPath(l.Address) + "people", "Answers": listPath(l.Address) + "answers",
		"Updating": updating})
}
