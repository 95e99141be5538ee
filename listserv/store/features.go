package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// PostFeatures are what the learning summaries read of a post, worked out
// once by archive/learn when it is archived (0029): the author's own
// text, its terms, and the judgements of its words. The store keeps them
// as they come, but for text PostgreSQL's cannot hold (pgText: the same
// on both engines); Version says by which rules they were made.
type PostFeatures struct {
	Version int
	Own     string   // empty when read without text
	Terms   []string // the post's distinct terms
	Flags   int64
	// Links are the links the own text shares (archive.Links), in
	// order; empty when read without text.
	Links []string
	// terms are Terms as kept, space separated, when read from a pack
	// (ArchivePacked), which leaves Terms nil: see TermList.
	terms string
}

// TermList is Terms. Features read from a day's pack split their terms
// only when asked: a summary counts the terms of a sample of the posts it
// reads (at a hundred times usrp-users' traffic, 8,000 of 21,400), and
// splitting all was a sixth of reading them.
func (f *PostFeatures) TermList() []string {
	if f.Terms == nil && f.terms != "" {
		return splitList(f.terms)
	}
	return f.Terms
}

// EachTerm calls f with each of TermList's terms, in order, without
// making the list: a summary counts 8,000 posts' terms at a hundred times
// usrp-users' traffic, and the lists were garbage at once.
func (f *PostFeatures) EachTerm(yield func(string)) {
	if f.Terms != nil || f.terms == "" {
		for _, t := range f.Terms {
			yield(t)
		}
		return
	}
	// As strings.Split(f.terms, " ") would list them, empty ones too.
	s := f.terms
	for {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			yield(s)
			return
		}
		yield(s[:i])
		s = s[i+1:]
	}
}

// joinedTerms are the terms as kept, space separated: as read from a
// pack, not split and joined again (a merge of packs writes them again).
func (f *PostFeatures) joinedTerms() string {
	if f.Terms == nil {
		return f.terms
	}
	return strings.Join(f.Terms, " ")
}

// featureBatch bounds the ids of one read: a JSON array bound as one
// parameter, so the statement stays the same.
const featureBatch = 1000

// PostFeatures returns the kept features of the posts with the given
// archive ids, by id; a post without any (archived before 0029, or
// removed) is not in the map. With text false, Own is left empty: the
// document frequencies of a year of posts need only their terms.
func (s *archiveTable) PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*PostFeatures, error) {
	out := make(map[int64]*PostFeatures, len(ids))
	own, links := `''`, `''`
	if text {
		own, links = `f.own`, `f.links`
	}
	q := `SELECT f.archive_id, f.version, ` + own + `, f.terms, f.flags, ` + links + ` FROM post_features f WHERE f.archive_id IN (` + s.jsonIDs() + `)`
	for len(ids) > 0 {
		n := min(len(ids), featureBatch)
		js, err := json.Marshal(ids[:n])
		if err != nil {
			return nil, fmt.Errorf("store: post features: %w", err)
		}
		ids = ids[n:]
		rows, err := s.query(ctx, q, string(js))
		if err != nil {
			return nil, fmt.Errorf("store: post features: %w", err)
		}
		for rows.Next() {
			var id int64
			var terms, links string
			f := &PostFeatures{}
			if err := rows.Scan(&id, &f.Version, &f.Own, &terms, &f.Flags, &links); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: post features: %w", err)
			}
			f.Terms, f.Links = splitList(terms), splitList(links)
			out[id] = f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: post features: %w", err)
		}
	}
	return out, nil
}

// PutPostFeatures keeps features worked out after the post was archived
// (a post archived before 0029, or rules of a newer version), replacing
// what was kept. A post removed from the archive gets none, also when it
// is removed while this runs: PostgreSQL takes the archive row's share
// lock, so a removal either comes after (and deletes the row) or before
// (and the row is not written); SQLite has one writer.
func (s *archiveTable) PutPostFeatures(ctx context.Context, feats map[int64]*PostFeatures) error {
	if len(feats) == 0 {
		return nil
	}
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: put post features: %w", err)
	}
	defer release()
	ids := make([]int64, 0, len(feats))
	for id := range feats {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// The days' packs hold the features kept before (packs.go): packed
	// again below. The lists' archive locks first, in order, as archiving
	// takes them (PostgreSQL), so that the days' rows read are theirs.
	lists, err := s.listsOf(ctx, tx, ids)
	if err != nil {
		return fmt.Errorf("store: put post features: %w", err)
	}
	for _, l := range lists {
		if err := s.lockKey(ctx, tx, "archive", l); err != nil {
			return fmt.Errorf("store: put post features: %w", err)
		}
	}
	for _, id := range ids {
		if err := s.putFeatures(ctx, tx, id, feats[id]); err != nil {
			return err
		}
	}
	if err := s.repackDaysOf(ctx, tx, ids); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: put post features: %w", err)
	}
	return nil
}

func (s *core) putFeatures(ctx context.Context, tx *txn, id int64, f *PostFeatures) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO post_features (archive_id, version, own, terms, flags, links)
		SELECT id, ?, ?, ?, ?, ? FROM archive WHERE id = ? AND list_id > 0`+s.pick(``, ` FOR SHARE`)+`
		ON CONFLICT (archive_id) DO UPDATE SET version = excluded.version, own = excluded.own, terms = excluded.terms, flags = excluded.flags, links = excluded.links`,
		f.Version, pgText(f.Own), joinList(f.Terms), f.Flags, joinList(f.Links), id)
	if err != nil {
		return fmt.Errorf("store: put post features of %d: %w", id, err)
	}
	return nil
}

// joinList is how a feature's list (terms, links) is kept in its column:
// space separated, as storable text. Neither a term nor a link holds an
// ASCII space.
func joinList(l []string) string { return pgText(strings.Join(l, " ")) }

// splitList reads back a list joinList kept: split on the space it was
// joined with, not on every space Unicode has (a link may hold a
// no-break space, from a gateway's wrapper unwrapped).
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// listsOf are the lists of the posts with the given archive ids,
// ascending; a removed post's too (its list id negated), whose day is
// packed again all the same.
func (s *core) listsOf(ctx context.Context, tx *txn, ids []int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT abs(list_id) FROM archive WHERE id IN (`+s.jsonIDs()+`) ORDER BY 1`, idsJSON(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var l int64
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
