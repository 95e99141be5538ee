package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Member is one subscription of an address to a list.
type Member struct {
	ID          int64
	ListID      int64
	Address     string // as given, local part case preserved
	Name        string
	Role        string
	Delivery    string
	Status      string
	BounceScore float64
	Expertise   string
	CreatedAt   time.Time

	// Moderated: the member's posts are held like a non-member's.
	Moderated bool
	// Listed: the member chose to appear, with their expertise, on the
	// list's "who knows what" page. SuggestionsOff: a question they ask
	// gets no private mail of related answered threads (which it may get
	// by default). Both are the member's own choice (set listing, set
	// suggestions, /settings); the zero Member has the defaults.
	Listed         bool
	SuggestionsOff bool
	// Bounce bookkeeping (Mailman's BounceInfo): the day (Unix days) of the
	// last scored bounce, when delivery was disabled, and the warnings sent.
	BounceLastDay int64
	DisabledAt    time.Time
	WarningsSent  int
	LastWarningAt time.Time
}

// AddressKey is the form addresses are compared in: RFC 5321 §2.4 lets the
// local part be case-sensitive, but no real mailbox is, and members expect
// Alice@ and alice@ to be one person.
func AddressKey(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

const memberCols = `id, list_id, address, name, role, delivery, status, bounce_score, expertise, created_at,
	moderated, bounce_last_day, disabled_at, warnings_sent, last_warning_at, listed, suggestions_off`

func scanMember(row interface{ Scan(...any) error }) (*Member, error) {
	var m Member
	var created, disabled, warned int64
	var moderated, listed, suggestionsOff int
	if err := row.Scan(&m.ID, &m.ListID, &m.Address, &m.Name, &m.Role, &m.Delivery, &m.Status, &m.BounceScore, &m.Expertise, &created,
		&moderated, &m.BounceLastDay, &disabled, &m.WarningsSent, &warned, &listed, &suggestionsOff); err != nil {
		return nil, err
	}
	m.CreatedAt = time.Unix(created, 0).UTC()
	m.Moderated = moderated == 1
	m.Listed, m.SuggestionsOff = listed == 1, suggestionsOff == 1
	m.DisabledAt, m.LastWarningAt = unixOrZero(disabled), unixOrZero(warned)
	return &m, nil
}

// AddMember inserts m and sets its ID; ErrDuplicate if the address is already
// on the list.
func (s *memberTable) AddMember(ctx context.Context, m *Member) error {
	now := s.unix()
	if m.Status == "" {
		m.Status = "enabled"
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO members (list_id, address, address_key, name, role, delivery, status, bounce_score, expertise, created_at, moderated, listed, suggestions_off) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.ListID, m.Address, AddressKey(m.Address), m.Name, m.Role, m.Delivery, m.Status, m.BounceScore, m.Expertise, now, b2i(m.Moderated), b2i(m.Listed), b2i(m.SuggestionsOff)).Scan(&m.ID)
	if isUnique(err) {
		return fmt.Errorf("member %s: %w", m.Address, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("store: add member %s: %w", m.Address, err)
	}
	m.CreatedAt = time.Unix(now, 0).UTC()
	return nil
}

// UpdateMember writes every field of m (matched by ID).
func (s *memberTable) UpdateMember(ctx context.Context, m *Member) error {
	_, err := s.db.ExecContext(ctx, `UPDATE members SET name = ?, role = ?, delivery = ?, status = ?, bounce_score = ?, expertise = ?,
		moderated = ?, bounce_last_day = ?, disabled_at = ?, warnings_sent = ?, last_warning_at = ?, listed = ?, suggestions_off = ? WHERE id = ?`,
		m.Name, m.Role, m.Delivery, m.Status, m.BounceScore, m.Expertise,
		b2i(m.Moderated), m.BounceLastDay, zeroOrUnix(m.DisabledAt), m.WarningsSent, zeroOrUnix(m.LastWarningAt), b2i(m.Listed), b2i(m.SuggestionsOff), m.ID)
	if err != nil {
		return fmt.Errorf("store: update member %s: %w", m.Address, err)
	}
	return nil
}

// MarkWarned counts the nth bounce warning sent to a member whose delivery
// bounces disabled, if it is still so disabled with n-1 warnings: a
// member who re-enabled meanwhile, or a count another node moved, stays
// as it is. It says whether it moved the count.
func (s *memberTable) MarkWarned(ctx context.Context, id int64, nth int, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE members SET warnings_sent = ?, last_warning_at = ? WHERE id = ? AND status = ? AND warnings_sent = ?`,
		nth, at.Unix(), id, StatusDisabledBounce, nth-1)
	if err != nil {
		return false, fmt.Errorf("store: mark member %d warned: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: mark member %d warned: %w", id, err)
	}
	return n == 1, nil
}

// RemoveMember deletes the member, their app passwords and the copies
// still queued for them.
func (s *memberTable) RemoveMember(ctx context.Context, listID int64, addr string) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: remove member: %w", err)
	}
	defer release()
	// After the list's fan-outs under way, before the next: none queues
	// a copy for the member once they are gone (TransitionFanout).
	if err := s.lockKey(ctx, tx, "roster", listID); err != nil {
		return fmt.Errorf("store: remove member: %w", err)
	}
	// The stored spelling, which the queued copies carry, may differ in
	// case from the one given.
	var stored string
	err = tx.QueryRowContext(ctx, `SELECT address FROM members WHERE list_id = ? AND address_key = ?`, listID, AddressKey(addr)).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("member %s: %w", addr, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: remove member %s: %w", addr, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE list_id = ? AND address_key = ?`, listID, AddressKey(addr)); err != nil {
		return fmt.Errorf("store: remove member %s: %w", addr, err)
	}
	// Nor can they read the list's archive over IMAP any more: their app
	// passwords go with the membership (and would not come back if they
	// joined again).
	if _, err := tx.ExecContext(ctx, `DELETE FROM app_passwords WHERE list_id = ? AND address_key = ?`, listID, AddressKey(addr)); err != nil {
		return fmt.Errorf("store: remove member %s: %w", addr, err)
	}
	// A member who leaves gets nothing more, even copies already queued.
	if _, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE list_id = ? AND rcpt = ? AND state = 'queued' AND mode IN ('copy', 'digest')`, listID, stored); err != nil {
		return fmt.Errorf("store: remove member %s: %w", addr, err)
	}
	return tx.Commit()
}

// Member finds one member of a list by address.
func (s *memberTable) Member(ctx context.Context, listID int64, addr string) (*Member, error) {
	m, err := scanMember(s.queryRow(ctx, `SELECT `+memberCols+` FROM members WHERE list_id = ? AND address_key = ?`, listID, AddressKey(addr)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("member %s: %w", addr, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: member %s: %w", addr, err)
	}
	return m, nil
}

// Members returns a list's members ordered by address.
func (s *memberTable) Members(ctx context.Context, listID int64) ([]*Member, error) {
	return s.membersWhere(ctx, "members", false, `list_id = ?`, listID)
}

// MembersWithRole returns a list's members of one role (its owners, for
// LIST-owner@ mail) ordered by address, without reading the others.
func (s *memberTable) MembersWithRole(ctx context.Context, listID int64, role string) ([]*Member, error) {
	return s.membersWhere(ctx, role+"s", true, `list_id = ? AND role = ?`, listID, role)
}

// MembersWithDelivery returns a list's enabled members who take one
// delivery (a digest's readers), ordered by address, without reading the
// others: a list of a million members that takes each post has few
// digest readers, and the scheduler asks every minute.
func (s *memberTable) MembersWithDelivery(ctx context.Context, listID int64, delivery string) ([]*Member, error) {
	return s.membersWhere(ctx, delivery+" readers", true, `list_id = ? AND delivery = ? AND status = ?`, listID, delivery, StatusEnabled)
}

// membersWhere reads the members the condition where selects, ordered by
// address; what names them in an error. few says the condition is on a
// role or a delivery (few of a list's members, found by the members_role
// and members_delivery indexes): they are ordered here, because asked
// to order them SQLite walks the whole roster in address order to spare
// itself sorting a handful, which on a list of a million members was a
// walk of a million rows for its moderators, several times a minute.
func (s *memberTable) membersWhere(ctx context.Context, what string, few bool, where string, args ...any) ([]*Member, error) {
	rows, err := s.db.QueryContext(ctx, membersQuery(few, where), args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []*Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	if few {
		slices.SortFunc(out, func(a, b *Member) int { return strings.Compare(AddressKey(a.Address), AddressKey(b.Address)) })
	}
	return out, nil
}

// membersQuery is membersWhere's statement.
func membersQuery(few bool, where string) string {
	q := `SELECT ` + memberCols + ` FROM members WHERE ` + where
	if !few {
		q += ` ORDER BY address_key`
	}
	return q
}

// memberChunk is how many members one INSERT of AddMembers carries: a
// round trip for that many rows on PostgreSQL (one a row made a
// 10,000-member import wait on 10,000 of them), and bound parameters far
// under SQLite's limit.
const memberChunk = 500

// AddMembers inserts many members in one transaction (bulk import, bench),
// filling in their IDs; an address already on its list fails the whole
// with ErrDuplicate naming it, as AddMember does.
func (s *memberTable) AddMembers(ctx context.Context, ms []*Member) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: add members: %w", err)
	}
	defer release()
	now := s.unix()
	type key struct {
		list    int64
		address string
	}
	for start := 0; start < len(ms); start += memberChunk {
		chunk := ms[start:min(start+memberChunk, len(ms))]
		var q strings.Builder
		q.WriteString(`INSERT INTO members (list_id, address, address_key, name, role, delivery, status, bounce_score, expertise, created_at, moderated, listed, suggestions_off) VALUES `)
		args := make([]any, 0, 13*len(chunk))
		// What the insert has not returned yet: what is left at the end
		// was on its list already.
		left := make(map[key]*Member, len(chunk))
		for i, m := range chunk {
			if m.Status == "" {
				m.Status = "enabled"
			}
			k := key{m.ListID, AddressKey(m.Address)}
			if left[k] != nil {
				return fmt.Errorf("member %s: %w", m.Address, ErrDuplicate)
			}
			left[k] = m
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			args = append(args, m.ListID, m.Address, k.address, m.Name, m.Role, m.Delivery, m.Status, m.BounceScore, m.Expertise, now, b2i(m.Moderated),
				b2i(m.Listed), b2i(m.SuggestionsOff))
		}
		q.WriteString(` ON CONFLICT DO NOTHING RETURNING id, list_id, address_key`)
		rows, err := tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("store: add members: %w", err)
		}
		for rows.Next() {
			var id int64
			var k key
			if err := rows.Scan(&id, &k.list, &k.address); err != nil {
				rows.Close()
				return fmt.Errorf("store: add members: %w", err)
			}
			if m := left[k]; m != nil {
				m.ID, m.CreatedAt = id, time.Unix(now, 0).UTC()
				delete(left, k)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: add members: %w", err)
		}
		for _, m := range chunk {
			if left[key{m.ListID, AddressKey(m.Address)}] != nil {
				return fmt.Errorf("member %s: %w", m.Address, ErrDuplicate)
			}
		}
	}
	return tx.Commit()
}

func unixOrZero(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0).UTC()
}

func zeroOrUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// MembersWithStatus returns the members of every list in a status.
func (s *memberTable) MembersWithStatus(ctx context.Context, status string) ([]*Member, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+memberCols+` FROM members WHERE status = ? ORDER BY id`, status)
	if err != nil {
		return nil, fmt.Errorf("store: members %s: %w", status, err)
	}
	defer rows.Close()
	var out []*Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("store: members %s: %w", status, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
