package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// The limits that count a client (a web form that sends mail, an IMAP
// login that failed) are token buckets. In one process they live in
// memory; nodes sharing a PostgreSQL database count in rate_buckets
// instead, so that each client has one quota however many nodes it
// reaches. A bucket holds burst tokens when full and gets one back every
// per; each row is read and written in one statement, so two nodes taking
// at once take two tokens, never the same one.

// The placeholders of the bucket statements: ?1 the key, ?2 the burst,
// ?3 now and ?4 per (in milliseconds), each cast so that PostgreSQL
// neither guesses an integer for the burst nor divides as integers.
const (
	rateBurst = `CAST(?2 AS DOUBLE PRECISION)`
	rateNow   = `CAST(?3 AS BIGINT)`
	ratePer   = `CAST(?4 AS DOUBLE PRECISION)`
)

// rateLevel is the bucket's tokens now plus add, up to the burst.
func (s *rateTable) rateLevel(add string) string {
	return s.pick("min", "LEAST") + `(` + rateBurst + `, rate_buckets.tokens + (` + rateNow + ` - rate_buckets.seen_ms) / ` + ratePer + add + `)`
}

// rateFull is when a bucket holding tokens is full again.
func rateFull(tokens string) string {
	return rateNow + ` + CAST((` + rateBurst + ` - (` + tokens + `)) * ` + ratePer + ` AS BIGINT)`
}

// rateKey is the row's key for a bucket's: as it is when short and free
// of NUL, which PostgreSQL's text does not hold, and its SHA-256 when
// not, since a made-up address may be longer than an index entry can be.
func rateKey(key string) string {
	if len(key) <= 200 && !strings.ContainsRune(key, 0) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TakeToken takes a token from key's bucket (made full on first use) and
// tells whether there was one.
func (s *rateTable) TakeToken(ctx context.Context, key string, burst float64, per time.Duration) (bool, error) {
	level := s.rateLevel("")
	after := `CASE WHEN ` + level + ` >= 1 THEN ` + level + ` - 1 ELSE ` + level + ` END`
	var took int
	err := s.db.QueryRowContext(ctx, `INSERT INTO rate_buckets (key, tokens, seen_ms, full_ms, took)
		VALUES (?1, `+rateBurst+` - 1, `+rateNow+`, `+rateNow+` + CAST(`+ratePer+` AS BIGINT), 1)
		ON CONFLICT (key) DO UPDATE SET tokens = `+after+`, took = CASE WHEN `+level+` >= 1 THEN 1 ELSE 0 END,
		full_ms = `+rateFull(after)+`, seen_ms = `+rateNow+`
		RETURNING took`, rateKey(key), burst, s.now().UnixMilli(), max(per.Milliseconds(), 1)).Scan(&took)
	if err != nil {
		return false, fmt.Errorf("store: take token %s: %w", key, err)
	}
	return took == 1, nil
}

// ReturnToken gives back a token taken from key's bucket (a login that
// turned out to be right), up to burst.
func (s *rateTable) ReturnToken(ctx context.Context, key string, burst float64, per time.Duration) error {
	level := s.rateLevel(" + 1")
	_, err := s.db.ExecContext(ctx, `UPDATE rate_buckets SET tokens = `+level+`, full_ms = `+rateFull(level)+`, seen_ms = `+rateNow+` WHERE key = ?1`,
		rateKey(key), burst, s.now().UnixMilli(), max(per.Milliseconds(), 1))
	if err != nil {
		return fmt.Errorf("store: return token %s: %w", key, err)
	}
	return nil
}

// PruneRateBuckets forgets the buckets that are full again: such a
// bucket is the same as none.
func (s *rateTable) PruneRateBuckets(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM rate_buckets WHERE full_ms < ?`, s.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: prune rate buckets: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune rate buckets: %w", err)
	}
	return n, nil
}
