package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// Copying a SQLite installation into PostgreSQL (`praxis migrate`). The
// copy knows no table by name: it reads the tables and their columns
// from SQLite's own schema and the column types from PostgreSQL's, so a
// table a later migration adds is copied without a word here, and a type
// it does not know how to carry stops the copy instead of guessing.
// Rows keep their ids (an archive id is an IMAP UID, a list id is in
// every row that names the list), and each batch is inserted with ON
// CONFLICT DO NOTHING, so a run stopped half-way is simply run again.

var (
	// ErrConflict: PostgreSQL holds rows the installation does not, or
	// holds them otherwise: another installation's, or rows changed since
	// an earlier copy. Nothing is written then.
	ErrConflict = errors.New("the database holds rows the installation does not")
	// ErrMismatch: after the copy, a table's rows in PostgreSQL are not
	// the installation's (their count or their contents).
	ErrMismatch = errors.New("the copy does not match the installation")
)

// copySkipped are the tables CopyInto leaves out on purpose, and why. SQLite's
// own tables (sqlite_*) are not the installation's data: of them only
// sqlite_sequence matters, and it is read for where the ids go on.
var copySkipped = map[string]string{
	"schema_migrations": "each engine's record of its own migrations; PostgreSQL's is written as they are applied",
	"archive_days":      "the summaries' packs of the archive's days (0041): PostgreSQL holds its text cleaned (cleanConn), so the packs copied byte for byte would not be what its rows say; its days are packed again as summaries read them",
	"archive_packs":     "see archive_days",
}

// copyBatchRows and copyBatchBytes bound a batch, which is one INSERT
// (and so one transaction) in PostgreSQL: a stop loses at most one batch
// of work. A variable, so tests can make batches small.
var copyBatchRows = 500

const copyBatchBytes = 8 << 20

// pgMaxParams is the most parameters one PostgreSQL statement can bind.
const pgMaxParams = 65535

// CopyProgress is where CopyInto is: Step is "check" while it compares
// the rows PostgreSQL holds already with the installation's, "copy" while
// it copies, "verify" while it compares both sides at the end; Done of
// Total rows of Table (the installation's). Each step reports each
// table as it starts it (Done 0), and then after each batch.
type CopyProgress struct {
	Step        string
	Table       string
	Done, Total int64
}

// TableCopy is one table's outcome.
type TableCopy struct {
	Table string
	// Rows is how many rows the table has, in the installation and now
	// in PostgreSQL.
	Rows int64
	// Copied is how many of them this run wrote; the rest were there.
	Copied int64
	// Repaired counts text values PostgreSQL's text type cannot hold as
	// they were (bytes that are not UTF-8, NUL): written with U+FFFD for
	// each bad byte and without the NULs.
	Repaired int64
}

// CopyInto copies every table of src, a SQLite store, into dst, a
// PostgreSQL one: first it checks that whatever dst holds already is
// src's (ErrConflict otherwise, before writing anything), then copies the
// tables parents first, sets dst's id sequences past src's ids, and
// finally compares each table's row count and contents on both sides
// (ErrMismatch). src is read in one transaction that holds its write
// lock, so what is copied is one moment of it and no other process
// changes it meanwhile. progress (may be nil) is called after each batch.
func CopyInto(ctx context.Context, src, dst *Store, progress func(CopyProgress)) ([]TableCopy, error) {
	if src.pg || !dst.pg {
		return nil, errors.New("store: copy: from SQLite into PostgreSQL only")
	}
	if progress == nil {
		progress = func(CopyProgress) {}
	}
	// One copy into a database at a time: two would each find the other's
	// rows half-written.
	lock, err := dst.db.raw.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	defer lock.Close()
	var locked bool
	if err := lock.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended('praxis migrate', 0))`).Scan(&locked); err != nil {
		return nil, fmt.Errorf("store: copy: lock: %w", err)
	}
	if !locked {
		return nil, errors.New("store: copy: another praxis migrate is copying into this database")
	}
	defer lock.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended('praxis migrate', 0))`)

	tx, err := src.db.raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	defer tx.Rollback()
	c := &copier{src: tx, dst: dst.db.raw, progress: progress}
	if err := c.plan(ctx); err != nil {
		return nil, err
	}
	out := make([]TableCopy, len(c.tables))
	for i, t := range c.tables {
		out[i].Table = t.name
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.quoted).Scan(&out[i].Rows); err != nil {
			return nil, fmt.Errorf("store: copy: count %s: %w", t.name, err)
		}
	}
	// Every row PostgreSQL holds is one of the installation's (check), so
	// a table with as many rows as the installation's is complete.
	complete := make([]bool, len(c.tables))
	for i, t := range c.tables {
		have, err := c.check(ctx, t, out[i].Rows)
		if err != nil {
			return nil, err
		}
		complete[i] = have == out[i].Rows && c.seeds[t] == nil
	}
	if err := c.dropSeeds(ctx); err != nil {
		return nil, err
	}
	for i, t := range c.tables {
		if complete[i] {
			continue
		}
		if out[i].Copied, out[i].Repaired, err = c.copy(ctx, t, out[i].Rows); err != nil {
			return nil, err
		}
	}
	if err := c.sequences(ctx); err != nil {
		return nil, err
	}
	var bad []string
	for i, t := range c.tables {
		s, d, err := c.sums(ctx, t, out[i].Rows)
		if err != nil {
			return nil, err
		}
		switch {
		case s.rows != d.rows:
			bad = append(bad, fmt.Sprintf("%s: %d rows in the installation, %d in PostgreSQL", t.name, s.rows, d.rows))
		case s.sum != d.sum:
			bad = append(bad, fmt.Sprintf("%s: %d rows on both sides, but not the same contents", t.name, s.rows))
		}
	}
	if bad != nil {
		return out, fmt.Errorf("store: copy: %w: %s", ErrMismatch, strings.Join(bad, "; "))
	}
	return out, nil
}

// querier is what the copy reads through: SQLite's transaction, or
// PostgreSQL's pool (whose statements are written for it, $n and all).
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

type copier struct {
	src      *sql.Tx
	dst      *sql.DB
	progress func(CopyProgress)
	tables   []*copyTable // parents first
	// seq is sqlite_sequence: the highest id each AUTOINCREMENT table
	// ever gave, which may be above its highest row's (a removed list).
	seq map[string]int64
	// migrationTx are the transactions that applied PostgreSQL's
	// migrations (the xmin of schema_migrations' rows): a row one of them
	// wrote, and no one changed since, is a seed of the schema.
	migrationTx map[string]bool
	// seeds are the keys of the seed rows that differ from the
	// installation's, by table: replaced by the installation's.
	seeds map[*copyTable][][]any
	// repaired are, by table, the installation's rows whose key the copy
	// repaired, by that key as PostgreSQL has it (repairedKey).
	repaired map[*copyTable]map[string][]any
}

// copyTable is one table as both engines have it.
type copyTable struct {
	name, quoted string
	// cols are its columns in SQLite's order, with PostgreSQL's type of
	// each; a table without a declared key has SQLite's rowid first,
	// which PostgreSQL's schema names as a column of its own.
	cols []copyCol
	key  []int // the primary key: indexes into cols, in key order
	// identity is PostgreSQL's identity column, "" when none.
	identity string
}

type copyCol struct {
	name   string
	quoted string // for SQLite; rowid unquoted, as the name of the implicit column
	pgType string
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqliteTableNames are the tables of a SQLite database that CopyInto
// copies, by name.
func sqliteTableNames(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: copy: tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: copy: tables: %w", err)
		}
		if _, skip := copySkipped[name]; !skip {
			out = append(out, name)
		}
	}
	return out, rows.Err()
}

// plan reads both schemas, pairs their tables and columns, and orders the
// tables so that each comes after those its foreign keys name.
func (c *copier) plan(ctx context.Context) error {
	names, err := sqliteTableNames(ctx, c.src)
	if err != nil {
		return err
	}
	pg, identity, err := c.pgSchema(ctx)
	if err != nil {
		return err
	}
	byName := map[string]*copyTable{}
	for _, name := range names {
		pgCols, ok := pg[name]
		if !ok {
			return fmt.Errorf("store: copy: table %s is in the installation but not in PostgreSQL's schema", name)
		}
		t := &copyTable{name: name, quoted: quoteIdent(name), identity: identity[name]}
		rows, err := c.src.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return fmt.Errorf("store: copy: columns of %s: %w", name, err)
		}
		var pk []struct{ col, order int }
		for rows.Next() {
			var col string
			var order int
			if err := rows.Scan(&col, &order); err != nil {
				rows.Close()
				return fmt.Errorf("store: copy: columns of %s: %w", name, err)
			}
			if order > 0 {
				pk = append(pk, struct{ col, order int }{len(t.cols), order})
			}
			t.cols = append(t.cols, copyCol{name: col, quoted: quoteIdent(col)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: copy: columns of %s: %w", name, err)
		}
		if len(pk) == 0 {
			// No declared key: SQLite's rowid is the key, and PostgreSQL's
			// schema has it as a column (migrations_pg/0003).
			t.cols = append([]copyCol{{name: "rowid", quoted: "rowid"}}, t.cols...)
			t.key = []int{0}
		} else {
			sort.Slice(pk, func(i, j int) bool { return pk[i].order < pk[j].order })
			for _, k := range pk {
				t.key = append(t.key, k.col)
			}
		}
		for i := range t.cols {
			typ, ok := pgCols[t.cols[i].name]
			if !ok {
				return fmt.Errorf("store: copy: column %s.%s is in the installation but not in PostgreSQL's schema", name, t.cols[i].name)
			}
			t.cols[i].pgType = typ
			delete(pgCols, t.cols[i].name)
		}
		for col := range pgCols {
			return fmt.Errorf("store: copy: column %s.%s is in PostgreSQL's schema but not in the installation", name, col)
		}
		delete(pg, name)
		byName[name] = t
	}
	for name := range pg {
		if _, skip := copySkipped[name]; !skip {
			return fmt.Errorf("store: copy: table %s is in PostgreSQL's schema but not in the installation", name)
		}
	}
	parents, err := c.pgForeignKeys(ctx)
	if err != nil {
		return err
	}
	// Parents first; among tables free to go, by name, so every run goes
	// in the same order.
	placed := map[string]bool{}
	for len(c.tables) < len(names) {
		progressed := false
		for _, name := range names {
			if placed[name] {
				continue
			}
			ready := true
			for _, p := range parents[name] {
				if p != name && !placed[p] && byName[p] != nil {
					ready = false
				}
			}
			if ready {
				placed[name] = true
				c.tables = append(c.tables, byName[name])
				progressed = true
			}
		}
		if !progressed {
			return errors.New("store: copy: the foreign keys go round in a cycle")
		}
	}
	c.migrationTx, c.seeds, c.repaired = map[string]bool{}, map[*copyTable][][]any{}, map[*copyTable]map[string][]any{}
	if err := eachRow(ctx, c.dst, `SELECT DISTINCT xmin::text FROM schema_migrations`, nil, func(scan func(...any) error) error {
		var xmin string
		if err := scan(&xmin); err != nil {
			return err
		}
		c.migrationTx[xmin] = true
		return nil
	}); err != nil {
		return fmt.Errorf("store: copy: PostgreSQL's migrations: %w", err)
	}
	c.seq = map[string]int64{}
	if err := eachRow(ctx, c.src, `SELECT name, seq FROM sqlite_sequence`, nil, func(scan func(...any) error) error {
		var name string
		var n int64
		if err := scan(&name, &n); err != nil {
			return err
		}
		c.seq[name] = n
		return nil
	}); err != nil {
		return fmt.Errorf("store: copy: sqlite_sequence: %w", err)
	}
	return nil
}

// pgSchema is PostgreSQL's tables: each column's type, and each table's
// identity column.
func (c *copier) pgSchema(ctx context.Context) (map[string]map[string]string, map[string]string, error) {
	tables := map[string]map[string]string{}
	identity := map[string]string{}
	err := eachRow(ctx, c.dst, `SELECT c.table_name, c.column_name, c.data_type, c.is_identity
		FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`, nil, func(scan func(...any) error) error {
		var table, col, typ, ident string
		if err := scan(&table, &col, &typ, &ident); err != nil {
			return err
		}
		if tables[table] == nil {
			tables[table] = map[string]string{}
		}
		tables[table][col] = typ
		if ident == "YES" {
			identity[table] = col
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: copy: PostgreSQL's schema: %w", err)
	}
	return tables, identity, nil
}

// pgForeignKeys is, for each table, the tables its foreign keys name.
func (c *copier) pgForeignKeys(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	err := eachRow(ctx, c.dst, `SELECT cl.relname, pcl.relname FROM pg_constraint k
		JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class pcl ON pcl.oid = k.confrelid
		WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`, nil, func(scan func(...any) error) error {
		var child, parent string
		if err := scan(&child, &parent); err != nil {
			return err
		}
		out[child] = append(out[child], parent)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: copy: PostgreSQL's foreign keys: %w", err)
	}
	return out, nil
}

// eachRow runs q and calls f with each row's scan.
func eachRow(ctx context.Context, db querier, q string, args []any, f func(scan func(...any) error) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// colList is t's columns for a select list, as SQLite (for SQLite) or
// plainly quoted (for PostgreSQL).
func (t *copyTable) colList(sqlite bool) string {
	var b strings.Builder
	for i, col := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		if sqlite {
			b.WriteString(col.quoted)
		} else {
			b.WriteString(quoteIdent(col.name))
		}
	}
	return b.String()
}

// keyList is t's key columns, in parentheses.
func (t *copyTable) keyList(sqlite bool) string {
	parts := make([]string, len(t.key))
	for i, k := range t.key {
		if sqlite {
			parts[i] = t.cols[k].quoted
		} else {
			parts[i] = quoteIdent(t.cols[k].name)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// placeholders is n placeholders from $from on (PostgreSQL), or n ?
// (SQLite, from 0), in parentheses.
func placeholders(n, from int) string {
	parts := make([]string, n)
	for i := range parts {
		if from == 0 {
			parts[i] = "?"
		} else {
			parts[i] = fmt.Sprintf("$%d", from+i)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// batchRows is how many of t's rows go in one batch: copyBatchRows, or
// fewer when PostgreSQL's limit on parameters says so.
func (t *copyTable) batchRows() int {
	return max(1, min(copyBatchRows, pgMaxParams/len(t.cols)))
}

// readBatch reads the next batch of t in key order after the key after
// (nil: from the start), from SQLite or PostgreSQL, up to the batch's
// bounds. Values are as the driver gives them; a row read from
// PostgreSQL has one more at its end, the id of the transaction that
// wrote it (xmin).
func (c *copier) readBatch(ctx context.Context, t *copyTable, fromSQLite bool, after []any) ([][]any, error) {
	q := `SELECT ` + t.colList(fromSQLite) + ` FROM ` + t.quoted
	extra := 0
	if !fromSQLite {
		// Which transaction wrote the row (seed).
		q = `SELECT ` + t.colList(false) + `, xmin::text FROM ` + t.quoted
		extra = 1
	}
	if after != nil {
		p := placeholders(len(t.key), 1)
		if fromSQLite {
			p = placeholders(len(t.key), 0)
		}
		q += ` WHERE ` + t.keyList(fromSQLite) + ` > ` + p
	}
	q += ` ORDER BY ` + strings.Trim(t.keyList(fromSQLite), "()") + fmt.Sprintf(` LIMIT %d`, t.batchRows())
	var db querier = c.dst
	if fromSQLite {
		db = c.src
	}
	rows, err := db.QueryContext(ctx, q, after...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	size := 0
	for rows.Next() {
		row, err := scanRow(rows.Scan, len(t.cols)+extra)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
		for _, v := range row {
			switch v := v.(type) {
			case string:
				size += len(v)
			case []byte:
				size += len(v)
			}
		}
		if size >= copyBatchBytes {
			break
		}
	}
	return out, rows.Err()
}

// scanRow scans a row of n values, each as the driver gives it.
func scanRow(scan func(...any) error, n int) ([]any, error) {
	row := make([]any, n)
	ptrs := make([]any, len(row))
	for i := range row {
		ptrs[i] = &row[i]
	}
	return row, scan(ptrs...)
}

// keyOf is the key values of row.
func (t *copyTable) keyOf(row []any) []any {
	k := make([]any, len(t.key))
	for i, j := range t.key {
		k[i] = row[j]
	}
	return k
}

// check compares the rows PostgreSQL holds of t already with the
// installation's: each must be there, the same. A copy stopped half-way
// left only such rows; another installation's, or rows a node changed
// since, are ErrConflict. A row PostgreSQL's own migrations wrote (a
// counter's first value, say) is the schema's, not an installation's:
// one that differs from the installation's is kept in c.seeds, to be
// replaced. It returns how many of t's rows PostgreSQL holds as they are
// in the installation.
func (c *copier) check(ctx context.Context, t *copyTable, total int64) (int64, error) {
	var after []any
	var done int64
	c.progress(CopyProgress{Step: "check", Table: t.name, Total: total})
	for {
		have, err := c.readBatch(ctx, t, false, after)
		if err != nil {
			return done, fmt.Errorf("store: copy: read %s in PostgreSQL: %w", t.name, err)
		}
		if len(have) == 0 {
			return done, nil
		}
		// The installation's rows of the same keys.
		var args []any
		var tuples []string
		for _, row := range have {
			tuples = append(tuples, placeholders(len(t.key), 0))
			args = append(args, t.keyOf(row)...)
		}
		ours := map[string][]any{}
		err = eachRow(ctx, c.src, `SELECT `+t.colList(true)+` FROM `+t.quoted+` WHERE `+t.keyList(true)+` IN (VALUES `+strings.Join(tuples, ", ")+`)`, args,
			func(scan func(...any) error) error {
				row, err := scanRow(scan, len(t.cols))
				if err != nil {
					return err
				}
				conv, _, err := t.toPG(row)
				if err != nil {
					return err
				}
				ours[string(appendRow(nil, t.keyOf(conv)))] = conv
				return nil
			})
		if err != nil {
			return done, fmt.Errorf("store: copy: read %s: %w", t.name, err)
		}
		for _, row := range have {
			key := t.keyOf(row)
			mine, ok := ours[string(appendRow(nil, key))]
			if !ok && hasRepair(key) {
				if mine, err = c.repairedKey(ctx, t, key); err != nil {
					return done, err
				}
				ok = mine != nil
			}
			if ok && string(appendRow(nil, mine)) == string(appendRow(nil, row[:len(t.cols)])) {
				done++
				continue
			}
			if xmin, _ := row[len(t.cols)].(string); c.migrationTx[xmin] {
				c.seeds[t] = append(c.seeds[t], key)
				continue
			}
			if !ok {
				return done, fmt.Errorf("store: copy: %w: %s %s is in PostgreSQL but not in the installation", ErrConflict, t.name, t.describeKey(key))
			}
			return done, fmt.Errorf("store: copy: %w: %s %s is in both, not the same", ErrConflict, t.name, t.describeKey(key))
		}
		c.progress(CopyProgress{Step: "check", Table: t.name, Done: done, Total: total})
		after = t.keyOf(have[len(have)-1])
	}
}

// hasRepair tells whether a key holds text the copy may have repaired:
// its U+FFFD may stand for bytes that were not UTF-8, so the
// installation's row is not found by the key as PostgreSQL has it.
func hasRepair(key []any) bool {
	for _, v := range key {
		if s, ok := v.(string); ok && strings.ContainsRune(s, utf8.RuneError) {
			return true
		}
	}
	return false
}

// repairedKey finds the installation's row of t whose key the copy
// repaired into key (nil when there is none). The first time a table
// needs it, it reads the table once for the rows whose key the copy
// changes, and keeps those.
func (c *copier) repairedKey(ctx context.Context, t *copyTable, key []any) ([]any, error) {
	byKey, ok := c.repaired[t]
	if !ok {
		byKey = map[string][]any{}
		err := eachRow(ctx, c.src, `SELECT `+t.colList(true)+` FROM `+t.quoted, nil, func(scan func(...any) error) error {
			row, err := scanRow(scan, len(t.cols))
			if err != nil {
				return err
			}
			conv, fixed, err := t.toPG(row)
			if err != nil || fixed == 0 {
				return err
			}
			if k := string(appendRow(nil, t.keyOf(conv))); k != string(appendRow(nil, t.keyOf(row))) {
				byKey[k] = conv
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("store: copy: read %s: %w", t.name, err)
		}
		c.repaired[t] = byKey
	}
	return byKey[string(appendRow(nil, key))], nil
}

// dropSeeds deletes the seed rows that differ from the installation's, in
// one transaction, once every table is checked (nothing is written before
// a refusal); the copy then writes the installation's.
func (c *copier) dropSeeds(ctx context.Context) error {
	if len(c.seeds) == 0 {
		return nil
	}
	tx, err := c.dst.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: copy: %w", err)
	}
	defer tx.Rollback()
	for _, t := range c.tables {
		for _, key := range c.seeds[t] {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.quoted+` WHERE `+t.keyList(false)+` = `+placeholders(len(key), 1), key...); err != nil {
				return fmt.Errorf("store: copy: replace %s %s: %w", t.name, t.describeKey(key), err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: copy: %w", err)
	}
	return nil
}

// describeKey names a row by its key, for an error: "id=3".
func (t *copyTable) describeKey(key []any) string {
	parts := make([]string, len(key))
	for i, v := range key {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		parts[i] = fmt.Sprintf("%s=%v", t.cols[t.key[i]].name, v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// copy copies t's rows that PostgreSQL lacks, in key order, a batch per
// INSERT; it returns how many it wrote and how many text values it
// repaired.
func (c *copier) copy(ctx context.Context, t *copyTable, total int64) (copied, repaired int64, err error) {
	var after []any
	var done int64
	c.progress(CopyProgress{Step: "copy", Table: t.name, Total: total})
	for {
		batch, err := c.readBatch(ctx, t, true, after)
		if err != nil {
			return copied, repaired, fmt.Errorf("store: copy: read %s: %w", t.name, err)
		}
		if len(batch) == 0 {
			return copied, repaired, nil
		}
		after = t.keyOf(batch[len(batch)-1])
		args := make([]any, 0, len(batch)*len(t.cols))
		tuples := make([]string, len(batch))
		for i, row := range batch {
			conv, n, err := t.toPG(row)
			if err != nil {
				return copied, repaired, fmt.Errorf("store: copy: %s %s: %w", t.name, t.describeKey(t.keyOf(row)), err)
			}
			repaired += n
			tuples[i] = placeholders(len(t.cols), len(args)+1)
			args = append(args, conv...)
		}
		// OVERRIDING SYSTEM VALUE: ids are the installation's, also in a
		// column PostgreSQL generates ALWAYS (archive_refs.rowid).
		res, err := c.dst.ExecContext(ctx, `INSERT INTO `+t.quoted+` (`+t.colList(false)+`) OVERRIDING SYSTEM VALUE VALUES `+
			strings.Join(tuples, ", ")+` ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return copied, repaired, fmt.Errorf("store: copy: write %s: %w", t.name, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return copied, repaired, fmt.Errorf("store: copy: write %s: %w", t.name, err)
		}
		copied += n
		done += int64(len(batch))
		c.progress(CopyProgress{Step: "copy", Table: t.name, Done: done, Total: total})
	}
}

// toPG converts a row read from SQLite to the values PostgreSQL's columns
// take, and counts the text values it had to repair.
func (t *copyTable) toPG(row []any) ([]any, int64, error) {
	out := make([]any, len(row))
	var repaired int64
	for i, v := range row {
		pv, fixed, err := pgValue(v, t.cols[i].pgType)
		if err != nil {
			return nil, 0, fmt.Errorf("column %s: %w", t.cols[i].name, err)
		}
		if fixed {
			repaired++
		}
		out[i] = pv
	}
	return out, repaired, nil
}

// pgValue converts v, as SQLite's driver gives it, to what a PostgreSQL
// column of type typ holds: the same Go types its driver gives back, so
// that rows of both sides compare. fixed tells that a text value had to
// change: PostgreSQL's text holds neither NUL nor bytes that are not
// UTF-8, which SQLite's stores as they come. A type not named here (a
// boolean or a timestamp, say, that a later migration brings) is an
// error, not a guess.
func pgValue(v any, typ string) (out any, fixed bool, err error) {
	if v == nil {
		return nil, false, nil
	}
	switch typ {
	case "bigint", "integer", "smallint":
		switch v := v.(type) {
		case int64:
			return v, false, nil
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<62 {
				return int64(v), false, nil
			}
		}
	case "double precision", "real":
		switch v := v.(type) {
		case float64:
			return v, false, nil
		case int64:
			return float64(v), false, nil
		}
	case "text":
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		default:
			return nil, false, fmt.Errorf("%T %v in a text column", v, v)
		}
		t := pgText(s)
		return t, t != s, nil
	case "bytea":
		switch v := v.(type) {
		case []byte:
			if v == nil {
				// An empty BLOB may come as a nil slice, which pgx
				// would write as NULL.
				v = []byte{}
			}
			return v, false, nil
		case string:
			return []byte(v), false, nil
		}
	default:
		return nil, false, fmt.Errorf("PostgreSQL's type %s: the copy does not know how to carry it", typ)
	}
	return nil, false, fmt.Errorf("%T %v in a %s column", v, v, typ)
}

// pgText is s as PostgreSQL's text can hold it: without NULs, each byte
// that is not UTF-8 made U+FFFD.
func pgText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// appendRow appends an encoding of a row's values that is the same for
// the same values whichever engine they were read from: text and bytes
// are both their bytes.
func appendRow(b []byte, row []any) []byte {
	for _, v := range row {
		switch v := v.(type) {
		case nil:
			b = append(b, 'n')
		case int64:
			b = binary.BigEndian.AppendUint64(append(b, 'i'), uint64(v))
		case float64:
			b = binary.BigEndian.AppendUint64(append(b, 'f'), math.Float64bits(v))
		case string:
			b = append(binary.BigEndian.AppendUint64(append(b, 's'), uint64(len(v))), v...)
		case []byte:
			b = append(binary.BigEndian.AppendUint64(append(b, 's'), uint64(len(v))), v...)
		default:
			b = fmt.Appendf(append(b, '?'), "%T:%v;", v, v)
		}
	}
	return b
}

// sequences sets each PostgreSQL identity past the ids the installation
// gave: the highest row's, or sqlite_sequence's when that is higher (an id
// is never given twice: a removed list's id given to a new list would
// hand it the old one's mail), and never back.
func (c *copier) sequences(ctx context.Context) error {
	for _, t := range c.tables {
		if t.identity == "" {
			continue
		}
		col := quoteIdent(t.identity)
		var seqName sql.NullString
		if err := c.dst.QueryRowContext(ctx, `SELECT pg_get_serial_sequence($1, $2)`, t.quoted, t.identity).Scan(&seqName); err != nil || !seqName.Valid {
			return fmt.Errorf("store: copy: the sequence of %s.%s: %v", t.name, t.identity, err)
		}
		var top, last int64
		var called bool
		if err := c.dst.QueryRowContext(ctx, `SELECT COALESCE(MAX(`+col+`), 0) FROM `+t.quoted).Scan(&top); err != nil {
			return fmt.Errorf("store: copy: the ids of %s: %w", t.name, err)
		}
		if err := c.dst.QueryRowContext(ctx, `SELECT last_value, is_called FROM `+seqName.String).Scan(&last, &called); err != nil {
			return fmt.Errorf("store: copy: the sequence of %s: %w", t.name, err)
		}
		if !called {
			last = 0
		}
		// sqlite_sequence has the tables of AUTOINCREMENT keys, which
		// are their identity columns here.
		top = max(top, c.seq[t.name])
		if top <= last {
			continue
		}
		if _, err := c.dst.ExecContext(ctx, `SELECT setval($1::text::regclass, $2, true)`, seqName.String, top); err != nil {
			return fmt.Errorf("store: copy: the sequence of %s: %w", t.name, err)
		}
	}
	return nil
}

// tableSum is a table's rows counted and summed: the sum of each row's
// SHA-256 (in four 64-bit lanes), which is the same whatever order the
// rows come in.
type tableSum struct {
	rows int64
	sum  [4]uint64
}

func (s *tableSum) add(row []any) {
	h := sha256.Sum256(appendRow(nil, row))
	for i := range s.sum {
		s.sum[i] += binary.BigEndian.Uint64(h[8*i:])
	}
	s.rows++
}

// sums reads t whole on both sides and sums it: the installation's rows
// as the copy wrote them (toPG), PostgreSQL's as they are.
func (c *copier) sums(ctx context.Context, t *copyTable, total int64) (src, dst tableSum, err error) {
	c.progress(CopyProgress{Step: "verify", Table: t.name, Total: total})
	scanInto := func(db querier, sqlite bool, sum *tableSum) error {
		return eachRow(ctx, db, `SELECT `+t.colList(sqlite)+` FROM `+t.quoted, nil, func(scan func(...any) error) error {
			row, err := scanRow(scan, len(t.cols))
			if err != nil {
				return err
			}
			if sqlite {
				conv, _, err := t.toPG(row)
				if err != nil {
					return err
				}
				row = conv
			}
			sum.add(row)
			if sqlite && sum.rows%int64(copyBatchRows) == 0 {
				c.progress(CopyProgress{Step: "verify", Table: t.name, Done: sum.rows, Total: total})
			}
			return nil
		})
	}
	if err := scanInto(c.src, true, &src); err != nil {
		return src, dst, fmt.Errorf("store: copy: verify %s: %w", t.name, err)
	}
	if err := scanInto(c.dst, false, &dst); err != nil {
		return src, dst, fmt.Errorf("store: copy: verify %s in PostgreSQL: %w", t.name, err)
	}
	c.progress(CopyProgress{Step: "verify", Table: t.name, Done: src.rows, Total: total})
	return src, dst, nil
}
