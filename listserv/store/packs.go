package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/golang/snappy"
)

// Packs (0041) keep a list's archived posts of one day (UTC) in a few
// rows, for the learning summaries: a summary reads a week and the Recent
// days before it (at a hundred times usrp-users' traffic 21,400 posts),
// and a row and a row of kept features a post cost a seek each, 150 to
// 230 ms, where the days' packs are a few reads (35 ms of CPU).
//
// archive_days holds, per list and day, a generation and how many posts
// the day has; each row of archive_packs holds some of a day's posts,
// packed at one generation. A day is its packs of its current
// generation when their posts add up to its count. Archiving posts adds
// a pack of the batch's posts of each day and counts them (packNew),
// and merges a day's small packs as they gather (mergePacks); a
// change to a post already packed (a merge of threads, a removal, its
// features kept again) packs its days again in its own transaction, at
// a new generation (repackDaysOf). A day without a row (an archive made
// before 0041, or copied by praxis migrate) is not known: it is read
// from its rows, and packed by the summary that read it
// (PackArchiveDay), whose pack is not read if the day changed meanwhile.

// maxPackedDay bounds the posts of a day packed whole (a day packed
// again after a change, or a day not known yet): a day of more, a flood,
// is read from its rows, so that a removal or a summary does not hold a
// day of hundreds of megabytes in memory at once to pack it. (At a
// hundred times usrp-users' traffic the busiest day has 2,500 posts.)
// Archiving still adds a pack a batch.
var maxPackedDay int64 = 20000

// Day is the day a date falls in, as archive_days counts them: days
// since 1970-01-01, UTC.
func Day(t time.Time) int64 { return floorDiv(t.Unix(), 86400) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// PackedPost is a post as its day's pack keeps it: what the summaries
// read of its row (not OrigDate or NormSubject) and its kept features,
// nil when it has none.
type PackedPost struct {
	*ArchivedPost
	Features *PostFeatures
}

// packFormat names the encoding below; a pack of another is not read.
// Format 1 is the encoding as it is; format 2, which encodePack writes,
// is format 1's bytes after its first compressed with snappy. A day's
// pack is mostly its posts' own text, and a summary reads four weeks of
// them: at 100 times usrp-users' traffic 21 MB in 4 KB pages, a pread
// each, about a tenth of a warm summary's CPU. Compressed, the usrp
// archive's packs take 0.57 of their size (the replayed 100x archive's
// 0.17, its copies side by side), and decoding them costs less than
// reading the pages did: the busiest week's load at 100x, warm, 72-79 ms
// -> 58-64 ms; with the page cache dropped, 400 -> 300 ms.
const (
	packFormat           = 1
	packFormatCompressed = 2
)

// maxPackExpansion bounds what a compressed pack may claim to decode to,
// as a multiple of its size: snappy's densest code writes 64 bytes for
// 3, so a claim beyond that is a hostile or broken pack, not a reason
// to allocate.
const maxPackExpansion = 22

// encodePack writes posts as one pack, compressed.
func encodePack(posts []PackedPost) []byte {
	b := encodePlainPack(posts)
	out := make([]byte, 1+snappy.MaxEncodedLen(len(b)-1))
	out[0] = packFormatCompressed
	return out[:1+len(snappy.Encode(out[1:], b[1:]))]
}

// encodePlainPack writes posts as one pack of format 1.
func encodePlainPack(posts []PackedPost) []byte {
	size := 16
	for _, p := range posts {
		size += 64 + len(p.MessageID) + len(p.Hash) + len(p.FromAddr) + len(p.FromName) + len(p.Subject) + len(p.ThreadID) + len(p.ParentID)
		for _, a := range p.Attachments {
			size += len(a) + 1
		}
		if f := p.Features; f != nil {
			size += len(f.Own)
			size += len(f.joinedTerms())
			for _, l := range f.Links {
				size += len(l) + 1
			}
		}
	}
	b := make([]byte, 1, size)
	b[0] = packFormat
	b = binary.AppendUvarint(b, uint64(len(posts)))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, p := range posts {
		b = binary.AppendVarint(b, p.ID)
		b = binary.AppendVarint(b, p.Date.Unix())
		b = binary.AppendVarint(b, int64(p.Size))
		str(p.MessageID)
		str(p.Hash)
		str(p.FromAddr)
		str(p.FromName)
		str(p.Subject)
		str(strings.Join(p.Attachments, "\n"))
		str(p.ThreadID)
		str(p.ParentID)
		f := p.Features
		if f == nil {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = binary.AppendVarint(b, int64(f.Version))
		b = binary.AppendVarint(b, f.Flags)
		str(f.Own)
		str(f.joinedTerms())
		str(strings.Join(f.Links, " "))
	}
	return b
}

var errBadPack = errors.New("store: archive pack: malformed")

// decodePack reads a pack of list listID, which its row says holds want
// posts (-1: not said); a pack that holds another number is refused
// before anything is made for its posts: a compressed pack of zeros
// decodes to posts of 12 bytes each, 22 times its size, and a 1 MB one
// had 700 MB allocated. Its strings share one copy of the pack's bytes.
func decodePack(listID int64, raw []byte, want int64) ([]PackedPost, error) {
	if len(raw) == 0 {
		return nil, errBadPack
	}
	var s string
	switch raw[0] {
	case packFormat:
		s = string(raw[1:])
	case packFormatCompressed:
		n, err := snappy.DecodedLen(raw[1:])
		if err != nil || n > maxPackExpansion*len(raw) {
			return nil, errBadPack
		}
		plain, err := snappy.Decode(make([]byte, n), raw[1:])
		if err != nil || len(plain) == 0 {
			return nil, errBadPack
		}
		// plain is this call's alone and never written again: the
		// strings cut from s share it rather than a copy of it.
		s = unsafe.String(&plain[0], len(plain))
	default:
		return nil, errBadPack
	}
	i := 0
	uv := func() (uint64, bool) {
		v, n := uvarintString(s[i:])
		if n <= 0 {
			return 0, false
		}
		i += n
		return v, true
	}
	vi := func() (int64, bool) {
		u, ok := uv()
		// zig-zag, as binary.AppendVarint writes
		return int64(u>>1) ^ -int64(u&1), ok
	}
	str := func() (string, bool) {
		n, ok := uv()
		if !ok || n > uint64(len(s)-i) {
			return "", false
		}
		out := s[i : i+int(n)]
		i += int(n)
		return out, true
	}
	count, ok := uv()
	// A post takes 12 bytes at least (3 numbers, 8 lengths, a flag): a
	// count beyond that is a bad pack, not a reason to allocate.
	if !ok || count > uint64(len(s))/12 || want >= 0 && count != uint64(want) {
		return nil, errBadPack
	}
	out := make([]PackedPost, 0, count)
	// The lists of every post (links, attachments) are cut from one
	// array, and the posts and features are made in two: a summary reads
	// some 20,000 posts. Terms are split when asked for (TermList).
	pool := make([]string, 0, count)
	split := func(v string, sep byte) []string {
		if v == "" {
			return nil
		}
		start := len(pool)
		for {
			i := strings.IndexByte(v, sep)
			if i < 0 {
				pool = append(pool, v)
				break
			}
			pool = append(pool, v[:i])
			v = v[i+1:]
		}
		return pool[start:len(pool):len(pool)]
	}
	archived := make([]ArchivedPost, count)
	feats := make([]PostFeatures, count)
	for k := range count {
		a := &archived[k]
		a.ListID = listID
		var date, size int64
		var att string
		var ok1, ok2, ok3, ok4, ok5, ok6, ok7, ok8, ok9, ok10, ok11 bool
		a.ID, ok1 = vi()
		date, ok2 = vi()
		size, ok3 = vi()
		a.MessageID, ok4 = str()
		a.Hash, ok5 = str()
		a.FromAddr, ok6 = str()
		a.FromName, ok7 = str()
		a.Subject, ok8 = str()
		att, ok9 = str()
		a.ThreadID, ok10 = str()
		a.ParentID, ok11 = str()
		if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8 && ok9 && ok10 && ok11) || i >= len(s) {
			return nil, errBadPack
		}
		a.Date, a.Size = time.Unix(date, 0).UTC(), int(size)
		a.Attachments = split(att, '\n')
		p := PackedPost{ArchivedPost: a}
		has := s[i]
		i++
		if has == 1 {
			f := &feats[k]
			version, ok1 := vi()
			flags, ok2 := vi()
			own, ok3 := str()
			terms, ok4 := str()
			links, ok5 := str()
			if !(ok1 && ok2 && ok3 && ok4 && ok5) {
				return nil, errBadPack
			}
			f.Version, f.Flags, f.Own, f.terms, f.Links = int(version), flags, own, terms, split(links, ' ')
			p.Features = f
		} else if has != 0 {
			return nil, errBadPack
		}
		out = append(out, p)
	}
	if i != len(s) {
		return nil, errBadPack
	}
	return out, nil
}

// uvarintString is binary.Uvarint over a string, so that decoding makes
// no copy of the pack.
func uvarintString(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

// ArchivePacked returns a list's posts dated in [from, end) that its
// days' packs hold, oldest first (by date, then id), and the days of
// [from, end) whose packs do not hold all of the day (Day numbers,
// ascending): the caller reads those from the rows, and may pack them
// again (PackArchiveDay). A day and its packs are read in one statement,
// so both are of one moment; days are read side by side, a day at a
// time (a busy week's days hold most of the posts).
func (s *archiveTable) ArchivePacked(ctx context.Context, listID int64, from, end time.Time) (posts []PackedPost, unpacked []int64, err error) {
	if !from.Before(end) {
		return nil, nil, nil
	}
	first, last := Day(from), Day(end.Add(-time.Nanosecond))
	type result struct {
		posts  []PackedPost
		packed bool
		err    error
	}
	days := make([]result, last-first+1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(int64(runtime.GOMAXPROCS(0)), 4, last-first+1) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(days)); i = next.Add(1) - 1 {
				r := &days[i]
				r.posts, r.packed, r.err = s.packedDay(ctx, listID, first+i, from, end)
			}
		})
	}
	wg.Wait()
	n := 0
	for i, r := range days {
		if r.err != nil {
			return nil, nil, r.err
		}
		if !r.packed {
			unpacked = append(unpacked, first+int64(i))
		}
		n += len(r.posts)
	}
	posts = make([]PackedPost, 0, n)
	for _, r := range days {
		posts = append(posts, r.posts...)
	}
	return posts, unpacked, nil
}

// packedDay is ArchivePacked over one day: its posts in [from, end), and
// whether its packs hold it.
func (s *archiveTable) packedDay(ctx context.Context, listID, day int64, from, end time.Time) (posts []PackedPost, packed bool, err error) {
	rows, err := s.query(ctx, `SELECT d.posts, p.posts, p.pack FROM archive_days d
		LEFT JOIN archive_packs p ON p.list_id = d.list_id AND p.day = d.day AND p.gen = d.gen
		WHERE d.list_id = ? AND d.day = ? ORDER BY p.id`, listID, day)
	if err != nil {
		return nil, false, fmt.Errorf("store: archive packs: %w", err)
	}
	// A pack is decoded as its row is read, from the driver's bytes
	// (sql.RawBytes): a copy of each would be garbage at once, and a
	// summary at a hundred times usrp-users' traffic reads 4 MB of packs.
	known, bad := false, false
	var want, have int64
	var got []PackedPost
	packs := 0
	for rows.Next() {
		var n *int64
		var pack sql.RawBytes
		if err := rows.Scan(&want, &n, &pack); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("store: archive packs: %w", err)
		}
		known = true
		if n == nil || bad {
			continue
		}
		have += *n
		packs++
		ps, err := decodePack(listID, pack, *n)
		if err != nil {
			// Read from the rows, and packed again.
			bad = true
			continue
		}
		if got == nil {
			got = ps
		} else {
			got = append(got, ps...)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: archive packs: %w", err)
	}
	if !known || bad || have != want || int64(len(got)) != want {
		return nil, false, nil
	}
	// The posts in [from, end), kept in got's own array.
	posts = got[:0]
	for _, p := range got {
		if !p.Date.Before(from) && p.Date.Before(end) {
			posts = append(posts, p)
		}
	}
	if packs > 1 {
		// A day's packs are in the order they were made, not by date.
		slices.SortFunc(posts, packedOrder)
	}
	return posts, true, nil
}

// packedOrder is ArchiveOrder of packed posts.
func packedOrder(a, b PackedPost) int { return ArchiveOrder(a.ArchivedPost, b.ArchivedPost) }

// PackArchiveDay packs a list's day from its rows, as one pack: a day
// ArchivePacked found unpacked. Its packs until now are replaced. When the
// day changes meanwhile, the pack written is of a generation gone, or
// does not add up with the day's other packs, and is not read: the day
// is read from its rows and packed again, later.
func (s *archiveTable) PackArchiveDay(ctx context.Context, listID, day int64) error {
	start, end := day*86400, (day+1)*86400
	// The day is known first (its count of posts), so that a change to
	// it while its rows are read raises its generation (a day without a
	// row has none to raise).
	if err := s.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO archive_days (list_id, day, gen, posts)
			SELECT ?, ?, 1, COUNT(*) FROM archive WHERE list_id = ? AND date >= ? AND date < ?
			ON CONFLICT (list_id, day) DO NOTHING`, listID, day, listID, start, end)
		return err
	}); err != nil {
		return fmt.Errorf("store: pack archive day: %w", err)
	}
	var gen, count int64
	if err := s.queryRow(ctx, `SELECT gen, posts FROM archive_days WHERE list_id = ? AND day = ?`, listID, day).Scan(&gen, &count); err != nil {
		return fmt.Errorf("store: pack archive day: %w", err)
	}
	if count > maxPackedDay {
		return nil
	}
	// The packs replaced are those there now: a pack made after this
	// read (posts archived meanwhile) stays beside the new one.
	var old []int64
	rows, err := s.query(ctx, `SELECT id FROM archive_packs WHERE list_id = ? AND day = ?`, listID, day)
	if err != nil {
		return fmt.Errorf("store: pack archive day: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: pack archive day: %w", err)
		}
		old = append(old, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: pack archive day: %w", err)
	}
	posts, err := dayPosts(ctx, s.db, listID, start, end)
	if err != nil {
		return err
	}
	if packDayGap != nil {
		packDayGap()
	}
	pack := encodePack(posts)
	err = s.inTx(ctx, func(tx *txn) error {
		// The day's row first, as every writer of its packs takes it
		// (no two wait for each other's packs), and still of the
		// generation read: a change since packed it again already.
		res, err := tx.ExecContext(ctx, `UPDATE archive_days SET gen = gen WHERE list_id = ? AND day = ? AND gen = ?`, listID, day, gen)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if len(old) > 0 {
			res, err := tx.ExecContext(ctx, `DELETE FROM archive_packs WHERE id IN (`+s.jsonIDs()+`)`, idsJSON(old))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n < int64(len(old)) {
				// A merge took some of them into a pack of its own
				// meanwhile, which would stand beside this one: nothing
				// is written, and the day is packed by a later summary.
				return errPacksMerged
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO archive_packs (list_id, day, gen, posts, pack) VALUES (?, ?, ?, ?, ?)`, listID, day, gen, len(posts), pack)
		return err
	})
	if err != nil && !errors.Is(err, errPacksMerged) {
		return fmt.Errorf("store: pack archive day: %w", err)
	}
	return nil
}

// errPacksMerged rolls back a PackArchiveDay whose packs a merge took
// meanwhile.
var errPacksMerged = errors.New("store: a day's packs merged meanwhile")

// packDayGap, when set (a test), runs in PackArchiveDay after it has read
// the day and before it writes: where a change from elsewhere lands.
var packDayGap func()

// dayPosts reads a list's posts dated in [start, end) (Unix seconds) with
// their kept features, for a pack.
func dayPosts(ctx context.Context, q querier, listID, start, end int64) ([]PackedPost, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+prefixCols("a.", archiveCols)+`, f.archive_id, f.version, f.own, f.terms, f.flags, f.links
		FROM archive a LEFT JOIN post_features f ON f.archive_id = a.id
		WHERE a.list_id = ? AND a.date >= ? AND a.date < ? ORDER BY a.date, a.id`, listID, start, end)
	if err != nil {
		return nil, fmt.Errorf("store: pack archive day: %w", err)
	}
	defer rows.Close()
	var out []PackedPost
	for rows.Next() {
		var p ArchivedPost
		var date int64
		var att string
		var fid, version, flags *int64
		var own, terms, links *string
		if err := rows.Scan(&p.ID, &p.ListID, &p.MessageID, &p.Hash, &date, &p.OrigDate, &p.FromAddr, &p.FromName, &p.Subject, &p.NormSubject, &p.Size, &att, &p.ThreadID, &p.ParentID,
			&fid, &version, &own, &terms, &flags, &links); err != nil {
			return nil, fmt.Errorf("store: pack archive day: %w", err)
		}
		p.Date = time.Unix(date, 0).UTC()
		if att != "" {
			p.Attachments = strings.Split(att, "\n")
		}
		pp := PackedPost{ArchivedPost: &p}
		if fid != nil {
			pp.Features = &PostFeatures{Version: int(*version), Own: *own, Terms: splitList(*terms), Flags: *flags, Links: splitList(*links)}
		}
		out = append(out, pp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pack archive day: %w", err)
	}
	return out, nil
}

// inTx runs f in a write transaction and commits it.
func (s *archiveTable) inTx(ctx context.Context, f func(tx *txn) error) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return err
	}
	defer release()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// packNew packs the posts a batch archived (made), by list and day, and
// counts them in their days; and leaves behind the packs of the days of
// posts archived before that the batch's threading moved to another
// thread (changed holds the ids of both, a post moved after it was made
// in the batch twice). In archiveIn's transaction.
func (s *core) packNew(ctx context.Context, tx *txn, posts []*ArchivedPost, made []bool, changed []int64) error {
	times := make(map[int64]int, len(changed))
	for _, id := range changed {
		times[id]++
	}
	created := map[int64]bool{}
	var recheck []int64
	for i, p := range posts {
		if made[i] {
			created[p.ID] = true
			if times[p.ID] > 1 {
				recheck = append(recheck, p.ID)
			}
		}
	}
	var moved []int64
	for id := range times {
		if !created[id] {
			moved = append(moved, id)
		}
	}
	if len(created) == 0 {
		return s.repackDaysOf(ctx, tx, moved)
	}
	// A post the batch moved after making it is packed in its thread of
	// now.
	thread := map[int64]string{}
	if len(recheck) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT id, thread_id FROM archive WHERE id IN (`+s.jsonIDs()+`)`, idsJSON(recheck))
		if err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		}
		for rows.Next() {
			var id int64
			var t string
			if err := rows.Scan(&id, &t); err != nil {
				rows.Close()
				return fmt.Errorf("store: archive packs: %w", err)
			}
			thread[id] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		}
	}
	type key struct{ list, day int64 }
	groups := map[key][]PackedPost{}
	for i, p := range posts {
		if !made[i] {
			continue
		}
		// Packed as the rows hold it: on PostgreSQL every string made
		// valid text (cleanConn), the features on both engines as
		// archivePut wrote them (pgText, joinList).
		c := *p
		if t, ok := thread[p.ID]; ok {
			c.ThreadID = t
		}
		// The date as the rows keep it, whole seconds: the batch's
		// pack is put in the rows' order (a second's posts by id), and
		// a day of this one pack is read so.
		c.Date = time.Unix(p.Date.Unix(), 0).UTC()
		if s.pg {
			for _, f := range []*string{&c.MessageID, &c.Hash, &c.FromAddr, &c.FromName, &c.Subject, &c.ThreadID, &c.ParentID} {
				*f = pgText(*f)
			}
			if c.Attachments != nil {
				c.Attachments = strings.Split(pgText(strings.Join(c.Attachments, "\n")), "\n")
			}
		}
		var feat *PostFeatures
		if f := p.Features; f != nil {
			feat = &PostFeatures{Version: f.Version, Flags: f.Flags, Own: pgText(f.Own), Terms: splitList(joinList(f.TermList())), Links: splitList(joinList(f.Links))}
		}
		k := key{p.ListID, Day(p.Date)}
		groups[k] = append(groups[k], PackedPost{ArchivedPost: &c, Features: feat})
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.list, b.list); c != 0 {
			return c
		}
		return cmp.Compare(a.day, b.day)
	})
	for _, k := range keys {
		ps := groups[k]
		// In the order a day's posts are read (ArchivePacked sorts only
		// the days of several packs).
		slices.SortFunc(ps, packedOrder)
		res, err := tx.ExecContext(ctx, `UPDATE archive_days SET posts = posts + ? WHERE list_id = ? AND day = ?`, len(ps), k.list, k.day)
		if err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		} else if n == 0 {
			// A day not known yet: its count is its rows', with this
			// batch's. Posts it had before are in no pack, so the day is
			// read from its rows until packed whole. A day packed by
			// another node meanwhile (PostgreSQL) counts without this
			// batch, which is added.
			if _, err := tx.ExecContext(ctx, `INSERT INTO archive_days (list_id, day, gen, posts)
				SELECT ?, ?, 1, COUNT(*) FROM archive WHERE list_id = ? AND date >= ? AND date < ?
				ON CONFLICT (list_id, day) DO UPDATE SET posts = archive_days.posts + ?`,
				k.list, k.day, k.list, k.day*86400, (k.day+1)*86400, len(ps)); err != nil {
				return fmt.Errorf("store: archive packs: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO archive_packs (list_id, day, gen, posts, pack)
			SELECT list_id, day, gen, ?, ? FROM archive_days WHERE list_id = ? AND day = ?`, len(ps), encodePack(ps), k.list, k.day); err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		}
		if err := s.mergePacks(ctx, tx, k.list, k.day); err != nil {
			return err
		}
	}
	// Last: a day packed again holds the batch's posts of it too.
	return s.repackDaysOf(ctx, tx, moved)
}

// packFanIn is how many packs of a size a day gathers before they are
// merged into one (mergePacks). A day archived a post at a time (serve's
// intake) or a batch at a time (an import, where a replayed archive adds
// to each day a hundred times) would otherwise be a pack per post or
// batch, and a summary read hundreds of small packs a week (at a hundred
// times usrp-users' traffic, a fifth of its reading).
const packFanIn = 8

// packTier is a pack's size class: packs of a tier hold between
// packFanIn^t and packFanIn^(t+1)-1 posts.
func packTier(posts int64) int {
	t := 0
	for ; posts >= packFanIn; posts /= packFanIn {
		t++
	}
	return t
}

// mergePacks merges, in tx (which took the day's row, as every writer of
// its packs does), a day's newest packs of its current generation while
// the newest packFanIn of them are of no higher tier than the newest:
// packFanIn packs of one size become one of the next, as a counter
// carries, so a day holds at most packFanIn-1 packs of each tier and
// each post is packed again once a tier (a day of 2,500 posts: four
// times at most, in at most 28 packs). No merge makes a pack of more
// than maxPackedDay posts: a flood keeps more packs instead.
func (s *core) mergePacks(ctx context.Context, tx *txn, listID, day int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT p.id, p.posts, d.posts FROM archive_packs p
		JOIN archive_days d ON d.list_id = p.list_id AND d.day = p.day AND d.gen = p.gen
		WHERE p.list_id = ? AND p.day = ? ORDER BY p.id`, listID, day)
	if err != nil {
		return fmt.Errorf("store: archive packs: merge: %w", err)
	}
	var ids, sizes []int64
	var held, count int64
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n, &count); err != nil {
			rows.Close()
			return fmt.Errorf("store: archive packs: merge: %w", err)
		}
		ids, sizes = append(ids, id), append(sizes, n)
		held += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: archive packs: merge: %w", err)
	}
	if held != count {
		// A day read from its rows (not known before 0041, a flood, a
		// PackArchiveDay under way) until packed whole: merging its
		// packs would be work for nothing, and would take from a
		// PackArchiveDay the packs it means to replace.
		return nil
	}
	// The merges as a counter carries: each takes the newest packFanIn
	// (packs, or what a merge before made of the newest), so together
	// they take the packs from one on (the start of the newest).
	sums, starts := slices.Clone(sizes), make([]int, len(sizes))
	for i := range starts {
		starts[i] = i
	}
	for n := len(sums); n >= packFanIn; n = len(sums) {
		tail := sums[n-packFanIn:]
		t := packTier(tail[len(tail)-1])
		if slices.ContainsFunc(tail, func(m int64) bool { return packTier(m) > t }) {
			break
		}
		var sum int64
		for _, m := range tail {
			sum += m
		}
		if sum > maxPackedDay {
			// A flood's packs are not merged past what a day packed
			// whole may hold: a merge is held in memory whole, in the
			// archiving transaction.
			break
		}
		sums, starts = append(sums[:n-packFanIn], sum), append(starts[:n-packFanIn], starts[n-packFanIn])
	}
	if len(starts) == 0 || starts[len(starts)-1] >= len(ids)-1 {
		return nil
	}
	first := starts[len(starts)-1]
	merged := ids[first:]
	var posts []PackedPost
	prows, err := tx.QueryContext(ctx, `SELECT posts, pack FROM archive_packs WHERE id IN (`+s.jsonIDs()+`)`, idsJSON(merged))
	if err != nil {
		return fmt.Errorf("store: archive packs: merge: %w", err)
	}
	for prows.Next() {
		var n int64
		var raw []byte
		if err := prows.Scan(&n, &raw); err != nil {
			prows.Close()
			return fmt.Errorf("store: archive packs: merge: %w", err)
		}
		ps, err := decodePack(listID, raw, n)
		if err != nil {
			// A pack this node cannot read is left as it is; the day
			// is read from its rows meanwhile (packedDay).
			prows.Close()
			return nil
		}
		posts = append(posts, ps...)
	}
	prows.Close()
	if err := prows.Err(); err != nil {
		return fmt.Errorf("store: archive packs: merge: %w", err)
	}
	slices.SortFunc(posts, packedOrder)
	if _, err := tx.ExecContext(ctx, `DELETE FROM archive_packs WHERE id IN (`+s.jsonIDs()+`)`, idsJSON(merged)); err != nil {
		return fmt.Errorf("store: archive packs: merge: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO archive_packs (list_id, day, gen, posts, pack)
		SELECT list_id, day, gen, ?, ? FROM archive_days WHERE list_id = ? AND day = ?`, len(posts), encodePack(posts), listID, day); err != nil {
		return fmt.Errorf("store: archive packs: merge: %w", err)
	}
	return nil
}

// repackDaysOf packs again, in tx, the days of the posts with the given
// archive ids, which tx changed (a merge of threads moved them, a
// removal, their features kept again): at a new generation, so that a
// pack made meanwhile from the rows before the change is not read, and
// with the day's count of posts as its rows have it. A post's list may
// be negated already (a removal). tx holds the lists' archive lock
// (PostgreSQL; SQLite has one writer), so the rows read are the day's.
func (s *core) repackDaysOf(ctx context.Context, tx *txn, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	type key struct{ list, day int64 }
	var days []key
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT abs(list_id), date FROM archive WHERE id IN (`+s.jsonIDs()+`) ORDER BY 1, 2`, idsJSON(ids))
	if err != nil {
		return fmt.Errorf("store: archive packs: %w", err)
	}
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.list, &k.day); err != nil {
			rows.Close()
			return fmt.Errorf("store: archive packs: %w", err)
		}
		// The day as Day counts it (SQL's division rounds toward zero).
		if k.day = floorDiv(k.day, 86400); len(days) == 0 || days[len(days)-1] != k {
			days = append(days, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: archive packs: %w", err)
	}
	for _, k := range days {
		start, end := k.day*86400, (k.day+1)*86400
		var count int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM archive WHERE list_id = ? AND date >= ? AND date < ?`, k.list, start, end).Scan(&count); err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		}
		if count > maxPackedDay {
			// A flood: left to the rows, its packs taken away.
			if _, err := tx.ExecContext(ctx, `INSERT INTO archive_days (list_id, day, gen, posts) VALUES (?, ?, 1, ?)
				ON CONFLICT (list_id, day) DO UPDATE SET gen = archive_days.gen + 1, posts = excluded.posts`, k.list, k.day, count); err != nil {
				return fmt.Errorf("store: archive packs: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM archive_packs WHERE list_id = ? AND day = ?`, k.list, k.day); err != nil {
				return fmt.Errorf("store: archive packs: %w", err)
			}
			continue
		}
		posts, err := dayPosts(ctx, tx, k.list, start, end)
		if err != nil {
			return err
		}
		// A day not known yet is made known here, at once: a
		// PackArchiveDay of another node that read its rows before this
		// change then finds its generation gone (or waits for this row).
		var gen int64
		err = tx.QueryRowContext(ctx, `INSERT INTO archive_days (list_id, day, gen, posts) VALUES (?, ?, 1, ?)
			ON CONFLICT (list_id, day) DO UPDATE SET gen = archive_days.gen + 1, posts = excluded.posts RETURNING gen`, k.list, k.day, len(posts)).Scan(&gen)
		if err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM archive_packs WHERE list_id = ? AND day = ?`, k.list, k.day); err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO archive_packs (list_id, day, gen, posts, pack) VALUES (?, ?, ?, ?, ?)`, k.list, k.day, gen, len(posts), encodePack(posts)); err != nil {
			return fmt.Errorf("store: archive packs: %w", err)
		}
	}
	return nil
}
