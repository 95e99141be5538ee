package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// List is one mailing list's settings as stored.
type List struct {
	ID              int64
	Address         string
	Name            string
	Description     string
	SubscribePolicy string
	PostPolicy      string
	ArchivePolicy   string
	Prefix          string
	CreatedAt       time.Time

	// The moderation rule chain (migration 0002).
	NonmemberAction            string // hold, reject, discard, accept
	MaxMessageKB               int    // 0: no limit beyond the server's
	MaxRecipients              int    // To+Cc addresses before a post is held; 0: no limit
	Emergency                  bool   // hold every post
	RequireExplicitDestination bool   // hold posts that do not name the list in To/Cc
	DMARCAction                string // munge or wrap
	Roster                     string // who may see `who`: moderators, members, public
	HoldDays                   int    // held posts expire after this many days; 0: never

	// When digests and summaries go (migration 0006): the daily digest at
	// DigestHour and the weekly summary on SummaryWeekday (0 Sunday),
	// both in TimeZone; a digest goes early once DigestSizeKB of posts
	// wait (0: no size trigger; Mailman's default is 30).
	TimeZone       string
	DigestHour     int
	SummaryWeekday int
	DigestSizeKB   int

	// RawAccess is who may take the archive's posts as they came, their
	// addresses unhidden (migration 0021): RawAnyone, every reader of
	// the archive; RawMembers, members signed in only.
	RawAccess string

	// What happens to a live post the spam checks flag (migration 0026):
	// SpamAction when the content filter scores it at SpamScore or more
	// (0: at the filter's own threshold), BlocklistAction when the
	// connecting address is on a --dnsbl zone, SPFFailAction when the
	// envelope sender's SPF says fail. Each is SpamHold, SpamDiscard,
	// SpamReject or SpamAccept; a member's post is at most held.
	SpamAction      string
	SpamScore       float64
	BlocklistAction string
	SPFFailAction   string

	// SuggestRelated is whether the asker of a new question gets one
	// private mail of the related answered threads (migration 0030):
	// SuggestPrivate or SuggestOff.
	SuggestRelated string
}

// The values of List.SuggestRelated.
const (
	SuggestOff     = "off"
	SuggestPrivate = "private"
)

const listCols = `id, address, name, description, subscribe_policy, post_policy, archive_policy, prefix, created_at,
	nonmember_action, max_message_kb, max_recipients, emergency, require_explicit_destination, dmarc_action, roster, hold_days,
	time_zone, digest_hour, summary_weekday, digest_size_kb, raw_access,
	spam_action, spam_score, blocklist_action, spf_fail_action, suggest_related`

func scanList(row interface{ Scan(...any) error }) (*List, error) {
	var l List
	var created int64
	var emergency, explicit int
	if err := row.Scan(&l.ID, &l.Address, &l.Name, &l.Description, &l.SubscribePolicy, &l.PostPolicy, &l.ArchivePolicy, &l.Prefix, &created,
		&l.NonmemberAction, &l.MaxMessageKB, &l.MaxRecipients, &emergency, &explicit, &l.DMARCAction, &l.Roster, &l.HoldDays,
		&l.TimeZone, &l.DigestHour, &l.SummaryWeekday, &l.DigestSizeKB, &l.RawAccess,
		&l.SpamAction, &l.SpamScore, &l.BlocklistAction, &l.SPFFailAction, &l.SuggestRelated); err != nil {
		return nil, err
	}
	l.Emergency, l.RequireExplicitDestination = emergency == 1, explicit == 1
	l.CreatedAt = time.Unix(created, 0).UTC()
	return &l, nil
}

// CreateList inserts l and sets its ID.
func (s *listTable) CreateList(ctx context.Context, l *List) error {
	now := s.unix()
	l.Defaults()
	err := s.db.QueryRowContext(ctx, `INSERT INTO lists (address, name, description, subscribe_policy, post_policy, archive_policy, prefix, created_at,
		nonmember_action, max_message_kb, max_recipients, emergency, require_explicit_destination, dmarc_action, roster, hold_days,
		time_zone, digest_hour, summary_weekday, digest_size_kb, raw_access,
		spam_action, spam_score, blocklist_action, spf_fail_action, suggest_related)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		l.Address, l.Name, l.Description, l.SubscribePolicy, l.PostPolicy, l.ArchivePolicy, l.Prefix, now,
		l.NonmemberAction, l.MaxMessageKB, l.MaxRecipients, b2i(l.Emergency), b2i(l.RequireExplicitDestination), l.DMARCAction, l.Roster, l.HoldDays,
		l.TimeZone, l.DigestHour, l.SummaryWeekday, l.DigestSizeKB, l.RawAccess,
		l.SpamAction, l.SpamScore, l.BlocklistAction, l.SPFFailAction, l.SuggestRelated).Scan(&l.ID)
	if isUnique(err) {
		return fmt.Errorf("list %s: %w", l.Address, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("store: create list %s: %w", l.Address, err)
	}
	l.CreatedAt = time.Unix(now, 0).UTC()
	return nil
}

// UpdateList writes every setting of l (matched by ID).
func (s *listTable) UpdateList(ctx context.Context, l *List) error {
	res, err := s.db.ExecContext(ctx, `UPDATE lists SET name = ?, description = ?, subscribe_policy = ?, post_policy = ?, archive_policy = ?, prefix = ?,
		nonmember_action = ?, max_message_kb = ?, max_recipients = ?, emergency = ?, require_explicit_destination = ?, dmarc_action = ?, roster = ?, hold_days = ?,
		time_zone = ?, digest_hour = ?, summary_weekday = ?, digest_size_kb = ?, raw_access = ?,
		spam_action = ?, spam_score = ?, blocklist_action = ?, spf_fail_action = ?, suggest_related = ? WHERE id = ?`,
		l.Name, l.Description, l.SubscribePolicy, l.PostPolicy, l.ArchivePolicy, l.Prefix,
		l.NonmemberAction, l.MaxMessageKB, l.MaxRecipients, b2i(l.Emergency), b2i(l.RequireExplicitDestination), l.DMARCAction, l.Roster, l.HoldDays,
		l.TimeZone, l.DigestHour, l.SummaryWeekday, l.DigestSizeKB, l.RawAccess,
		l.SpamAction, l.SpamScore, l.BlocklistAction, l.SPFFailAction, l.SuggestRelated, l.ID)
	if err != nil {
		return fmt.Errorf("store: update list %s: %w", l.Address, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("list %s: %w", l.Address, ErrNotFound)
	}
	return nil
}

// DeleteList removes a list, its members and its queued deliveries. The
// messages it received stay in the spool, and its archive in the store,
// so nothing accepted is ever destroyed by an admin's slip; those still
// waiting (received, held, pending) are marked dropped, with the reason,
// so that nothing relays them, and the archive leaves the search index.
func (s *listTable) DeleteList(ctx context.Context, address string) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: delete list: %w", err)
	}
	defer release()
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM lists WHERE address = ?`, address).Scan(&id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("list %s: %w", address, ErrNotFound)
		}
		return fmt.Errorf("store: delete list: %w", err)
	}
	// This takes the rows of the list's posts still waiting, which a
	// fan-out under way on another node holds (TransitionFanout): one of
	// the two comes wholly first, so no copy is queued once the queue is
	// emptied, on PostgreSQL too.
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET state = 'dropped', reason = 'list removed', updated_at = ? WHERE list_id = ? AND state IN ('received', 'held', 'pending')`, s.unix(), id); err != nil {
		return fmt.Errorf("store: delete list %s: %w", address, err)
	}
	for _, q := range []string{
		`DELETE FROM deliveries WHERE list_id = ? AND state = 'queued'`,
		`DELETE FROM members WHERE list_id = ?`,
		`DELETE FROM lists WHERE id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("store: delete list %s: %w", address, err)
		}
	}
	// The archive stays, out of search: every node's indexer takes its
	// posts out of its index, so a list made again under this address
	// does not show them. Last: it holds the index clock to the commit.
	if err := s.logIndexWhere(ctx, tx, false, `list_id = ?`, id); err != nil {
		return fmt.Errorf("store: delete list %s: %w", address, err)
	}
	return tx.Commit()
}

// ListByAddress finds a list by its posting address (lower case).
func (s *listTable) ListByAddress(ctx context.Context, address string) (*List, error) {
	l, err := scanList(s.queryRow(ctx, `SELECT `+listCols+` FROM lists WHERE address = ?`, address))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("list %s: %w", address, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", address, err)
	}
	return l, nil
}

// ListByID finds a list by ID.
func (s *listTable) ListByID(ctx context.Context, id int64) (*List, error) {
	l, err := scanList(s.queryRow(ctx, `SELECT `+listCols+` FROM lists WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("list #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: list #%d: %w", id, err)
	}
	return l, nil
}

// Lists returns every list ordered by address.
func (s *listTable) Lists(ctx context.Context) ([]*List, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+listCols+` FROM lists ORDER BY address`)
	if err != nil {
		return nil, fmt.Errorf("store: lists: %w", err)
	}
	defer rows.Close()
	var out []*List
	for rows.Next() {
		l, err := scanList(rows)
		if err != nil {
			return nil, fmt.Errorf("store: lists: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ServesDomain tells whether any list has an address at domain (lower case).
// The domain is compared as SQLite's LIKE compared it, ASCII letters in
// either case, but without LIKE: a pattern bound as a parameter makes
// SQLite compile the statement again on every call (it may change the
// plan), and this runs for every recipient of every SMTP transaction.
func (s *listTable) ServesDomain(ctx context.Context, domain string) (bool, error) {
	suffix := asciiLower("@" + domain)
	// substr from length-n+1 rather than from -n: PostgreSQL reads the
	// same query alike.
	var found bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM lists WHERE lower(substr(address, length(address) - ? + 1)) = ?)`,
		utf8.RuneCountInString(suffix), suffix).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("store: serves domain %s: %w", domain, err)
	}
	return found, nil
}

// asciiLower lowers ASCII letters only, as SQLite's lower() and LIKE do.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Defaults fills settings a caller left empty with the schema's defaults.
func (l *List) Defaults() {
	if l.SubscribePolicy == "" {
		l.SubscribePolicy = "confirm"
	}
	if l.PostPolicy == "" {
		l.PostPolicy = "members"
	}
	if l.ArchivePolicy == "" {
		l.ArchivePolicy = "public"
	}
	if l.NonmemberAction == "" {
		l.NonmemberAction = "hold"
	}
	if l.DMARCAction == "" {
		l.DMARCAction = "munge"
	}
	if l.Roster == "" {
		l.Roster = "moderators"
	}
	if l.TimeZone == "" {
		l.TimeZone = "UTC"
	}
	if l.RawAccess == "" {
		l.RawAccess = RawAnyone
	}
	if l.SpamAction == "" {
		l.SpamAction = SpamHold
	}
	if l.BlocklistAction == "" {
		l.BlocklistAction = SpamReject
	}
	if l.SPFFailAction == "" {
		l.SPFFailAction = SpamReject
	}
	if l.SuggestRelated == "" {
		l.SuggestRelated = SuggestOff
	}
}

// NewList returns a list with every setting at its default; callers set
// what they need.
func NewList(address, name string) *List {
	l := &List{Address: address, Name: name, SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "public",
		MaxRecipients: 10, RequireExplicitDestination: true, HoldDays: 14, DigestHour: 6, SummaryWeekday: 1}
	l.Defaults()
	return l
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
