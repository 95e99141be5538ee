package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Answer is an entry of a list's answers library (0031): a thread whose
// question got an answer the community accepted.
type Answer struct {
	ListID     int64
	ThreadID   string
	QuestionID string // Message-IDs
	AnswerID   string
	Title      string
	Question   string // the question in its own words, a few lines
	Gist       string // the best answer's
	Asker      string // display names
	AnswerBy   string
	AnswerKey  string // who gave the answer (mailmsg.AuthorKey)
	Terms      []string
	AskedAt    time.Time
	AnsweredAt time.Time
	Score      float64 // usefulness: the library's order by default
}

// AnswerQuery chooses and orders a page of a library.
type AnswerQuery struct {
	Threads []string // only these threads (a search's); nil: all
	Term    string   // only entries with this key term (any case)
	Year    int      // only entries answered this year; 0: any
	ByDate  bool     // newest answer first; else the most useful first
	Offset  int
	Limit   int
}

const answerCols = `list_id, thread_id, question_id, answer_id, title, question, gist, asker, answer_by, answer_key, terms, asked_at, answered_at, score`

// Answers returns a page of a list's library.
func (s *archiveTable) Answers(ctx context.Context, listID int64, q AnswerQuery) ([]*Answer, error) {
	where, args := `list_id = ?`, []any{listID}
	if q.Threads != nil {
		js, err := json.Marshal(q.Threads)
		if err != nil {
			return nil, fmt.Errorf("store: answers: %w", err)
		}
		where += ` AND thread_id IN (` + s.jsonTexts() + `)`
		args = append(args, string(js))
	}
	if t := strings.ToLower(strings.TrimSpace(q.Term)); t != "" {
		if !utf8.ValidString(t) || strings.ContainsRune(t, 0) {
			// No key term holds these (terms are words), and
			// PostgreSQL refuses them as text: a reader's typing,
			// not a failure.
			return nil, nil
		}
		// terms is "\n"-separated and lower-cased, framed by "\n".
		where += ` AND ` + s.instr(`terms`, `?`) + ` > 0`
		args = append(args, "\n"+t+"\n")
	}
	if q.Year > 0 {
		from := time.Date(q.Year, 1, 1, 0, 0, 0, 0, time.UTC)
		where += ` AND answered_at >= ? AND answered_at < ?`
		args = append(args, from.Unix(), from.AddDate(1, 0, 0).Unix())
	}
	order := `score DESC, answered_at DESC, thread_id`
	if q.ByDate {
		order = `answered_at DESC, thread_id`
	}
	args = append(args, max(q.Limit, 1), max(q.Offset, 0))
	rows, err := s.query(ctx, `SELECT `+answerCols+` FROM answers WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: answers: %w", err)
	}
	defer rows.Close()
	var out []*Answer
	for rows.Next() {
		var a Answer
		var terms string
		var asked, answered int64
		if err := rows.Scan(&a.ListID, &a.ThreadID, &a.QuestionID, &a.AnswerID, &a.Title, &a.Question, &a.Gist, &a.Asker, &a.AnswerBy,
			&a.AnswerKey, &terms, &asked, &answered, &a.Score); err != nil {
			return nil, fmt.Errorf("store: answers: %w", err)
		}
		for _, t := range strings.Split(strings.Trim(terms, "\n"), "\n") {
			if t != "" {
				a.Terms = append(a.Terms, t)
			}
		}
		a.AskedAt, a.AnsweredAt = time.Unix(asked, 0).UTC(), time.Unix(answered, 0).UTC()
		out = append(out, &a)
	}
	return out, rows.Err()
}

// AnswersUpTo is the last archive id whose thread the list's library has
// judged (0 when never).
func (s *archiveTable) AnswersUpTo(ctx context.Context, listID int64) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT upto_id FROM answers_state WHERE list_id = ?`, listID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: answers state: %w", err)
	}
	return id, nil
}

// ArchiveThreadsAfter returns the threads of a list's posts archived
// after the archive id after (each once, in the order their first such
// post was archived), at most limit posts' worth, and the last id read.
func (s *archiveTable) ArchiveThreadsAfter(ctx context.Context, listID, after int64, limit int) ([]string, int64, error) {
	rows, err := s.query(ctx, `SELECT id, thread_id FROM archive WHERE list_id = ? AND id > ? ORDER BY id LIMIT ?`, listID, after, limit)
	if err != nil {
		return nil, after, fmt.Errorf("store: threads after: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []string
	last := after
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return nil, after, fmt.Errorf("store: threads after: %w", err)
		}
		last = id
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, last, rows.Err()
}

// Judged is what a making of the library (or a moderator's correction)
// judged of one thread: its entry, or none, and how much of the thread
// the judging read.
type Judged struct {
	ThreadID string
	Entry    *Answer // nil: the thread has no entry
	// PostID is the thread's last post the judging read (its archive
	// id), Edits how many of its corrections it read: their count, not
	// the last one's id, since PostgreSQL hands out ids before the
	// commit and a correction may be read after a later one was (the
	// corrections read only grow: none is ever taken away).
	PostID int64
	Edits  int
}

// PutAnswers writes what the library judged of some threads in one
// transaction, and upto as the last archive id judged (never moved
// back: two nodes bringing it up to date at once both end at the end).
// A thread's entry is written, replaced or taken away only when its
// judgement read as much as the last one written: more corrections, or
// as many and a later post (or the same: a judgement made again). Two
// nodes judging a thread at once, the one that read it before a new post
// or a correction may commit last, and it then changes nothing.
func (s *archiveTable) PutAnswers(ctx context.Context, listID, upto int64, judged []Judged) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: put answers: %w", err)
	}
	defer release()
	// In the order of the threads' ids: PostgreSQL locks each thread's
	// rows until the commit, and two makings that took the threads in
	// other orders would each wait for the other.
	judged = slices.Clone(judged)
	slices.SortFunc(judged, func(a, b Judged) int { return strings.Compare(a.ThreadID, b.ThreadID) })
	for _, j := range judged {
		// The thread's row is written first, and only by a judgement
		// that read as much. PostgreSQL locks
		// the row for the rest of the transaction whether or not it is
		// updated: two judgements of a thread commit one after the
		// other, the second tested against the first.
		var one int
		err := tx.QueryRowContext(ctx, `INSERT INTO answers_judged (list_id, thread_id, post_id, edits) VALUES (?, ?, ?, ?)
			ON CONFLICT (list_id, thread_id) DO UPDATE SET post_id = excluded.post_id, edits = excluded.edits
			WHERE excluded.edits > answers_judged.edits OR (excluded.edits = answers_judged.edits AND excluded.post_id >= answers_judged.post_id)
			RETURNING 1`, listID, j.ThreadID, j.PostID, j.Edits).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue // a later judgement is written already
		}
		if err != nil {
			return fmt.Errorf("store: put answers: %w", err)
		}
		a := j.Entry
		if a == nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM answers WHERE list_id = ? AND thread_id = ?`, listID, j.ThreadID); err != nil {
				return fmt.Errorf("store: put answers: %w", err)
			}
			continue
		}
		terms := ""
		if len(a.Terms) > 0 {
			terms = "\n" + strings.ToLower(strings.Join(a.Terms, "\n")) + "\n"
		}
		// Only while its question and its answer are on the list: a
		// removal (archiveremove) deletes the thread's entry, and an entry
		// judged before it must not come back after it. PostgreSQL takes
		// the two rows' share lock, so the removal comes wholly before
		// (the entry is not written) or after (and deletes it).
		lock := s.pick(``, ` FOR SHARE`)
		_, err = tx.ExecContext(ctx, `INSERT INTO answers (`+answerCols+`) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
			WHERE EXISTS (SELECT 1 FROM archive WHERE list_id = ? AND message_id = ?`+lock+`)
			AND EXISTS (SELECT 1 FROM archive WHERE list_id = ? AND message_id = ?`+lock+`)
			ON CONFLICT (list_id, thread_id) DO UPDATE SET question_id = excluded.question_id, answer_id = excluded.answer_id,
			title = excluded.title, question = excluded.question, gist = excluded.gist, asker = excluded.asker, answer_by = excluded.answer_by,
			answer_key = excluded.answer_key,
			terms = excluded.terms, asked_at = excluded.asked_at, answered_at = excluded.answered_at, score = excluded.score`,
			listID, a.ThreadID, a.QuestionID, a.AnswerID, pgText(a.Title), pgText(a.Question), pgText(a.Gist), pgText(a.Asker), pgText(a.AnswerBy),
			pgText(a.AnswerKey), pgText(terms), a.AskedAt.Unix(), a.AnsweredAt.Unix(), a.Score,
			listID, a.QuestionID, listID, a.AnswerID)
		if err != nil {
			return fmt.Errorf("store: put answers: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO answers_state (list_id, upto_id) VALUES (?, ?)
		ON CONFLICT (list_id) DO UPDATE SET upto_id = `+s.pick(`MAX(upto_id, excluded.upto_id)`, `GREATEST(answers_state.upto_id, excluded.upto_id)`),
		listID, upto)
	if err != nil {
		return fmt.Errorf("store: put answers: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: put answers: %w", err)
	}
	return nil
}

// AnswerEdit is a moderator's correction of a library entry (0032).
type AnswerEdit struct {
	ID       int64 // its order among all corrections (set when read)
	ListID   int64
	ThreadID string
	At       time.Time
	Actor    string // who, as the web or the robot names them
	Action   string // one of the Edit constants
	Value    string // the post's Message-ID (EditPick), the title (EditRetitle)
}

// The corrections a moderator makes to the answers library.
const (
	EditMark    = "mark"    // the thread is answered, whatever the rules say
	EditUnmark  = "unmark"  // it is not
	EditPick    = "pick"    // this post is its best answer
	EditRetitle = "retitle" // its entry's title
)

// MaxAnswerTitle bounds a title a moderator gives an entry.
const MaxAnswerTitle = 200

// AddAnswerEdit keeps a correction.
func (s *archiveTable) AddAnswerEdit(ctx context.Context, e AnswerEdit) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO answer_edits (list_id, thread_id, at, actor, action, value) VALUES (?, ?, ?, ?, ?, ?)`,
		e.ListID, e.ThreadID, e.At.Unix(), pgText(e.Actor), e.Action, pgText(e.Value))
	if err != nil {
		return fmt.Errorf("store: answer edit: %w", err)
	}
	return nil
}

// AnswerEdits returns the corrections of a thread's entry, oldest first.
func (s *archiveTable) AnswerEdits(ctx context.Context, listID int64, threadID string) ([]AnswerEdit, error) {
	rows, err := s.query(ctx, `SELECT id, at, actor, action, value FROM answer_edits WHERE list_id = ? AND thread_id = ? ORDER BY id`, listID, threadID)
	if err != nil {
		return nil, fmt.Errorf("store: answer edits: %w", err)
	}
	defer rows.Close()
	var out []AnswerEdit
	for rows.Next() {
		e := AnswerEdit{ListID: listID, ThreadID: threadID}
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Value); err != nil {
			return nil, fmt.Errorf("store: answer edits: %w", err)
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
