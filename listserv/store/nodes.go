package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Node is a `praxis serve` process as the nodes sharing the database see
// it: named as the delivery queue names it (host and data dir), with its
// heartbeat.
type Node struct {
	Name      string
	Version   string
	Listeners string // "smtp=127.0.0.1:2525 http=…", as serve announced them
	Started   time.Time
	LastSeen  time.Time
	Stopped   time.Time // zero while it runs (or if it died)
}

// RegisterNode records that n.Name has (re)started now, with its version
// and listeners; a node of that name seen before is the same node
// restarted, so its row is taken over.
func (s *nodeTable) RegisterNode(ctx context.Context, n *Node) error {
	now := s.unix()
	_, err := s.db.ExecContext(ctx, `INSERT INTO nodes (name, version, listeners, started_at, last_seen, stopped_at) VALUES (?, ?, ?, ?, ?, 0)
		ON CONFLICT (name) DO UPDATE SET version = excluded.version, listeners = excluded.listeners,
		started_at = excluded.started_at, last_seen = excluded.last_seen, stopped_at = 0`,
		n.Name, n.Version, n.Listeners, now, now)
	if err != nil {
		return fmt.Errorf("store: register node %s: %w", n.Name, err)
	}
	return nil
}

// NodeHeartbeat renews the node's last_seen; ErrNotFound when its row is
// gone (the node then registers again).
func (s *nodeTable) NodeHeartbeat(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE nodes SET last_seen = ?, stopped_at = 0 WHERE name = ?`, s.unix(), name)
	if err != nil {
		return fmt.Errorf("store: heartbeat of %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: heartbeat of %s: %w", name, err)
	} else if n == 0 {
		return fmt.Errorf("store: node %s: %w", name, ErrNotFound)
	}
	return nil
}

// StopNode records that the node stopped cleanly.
func (s *nodeTable) StopNode(ctx context.Context, name string) error {
	now := s.unix()
	if _, err := s.db.ExecContext(ctx, `UPDATE nodes SET last_seen = ?, stopped_at = ? WHERE name = ?`, now, now, name); err != nil {
		return fmt.Errorf("store: stop node %s: %w", name, err)
	}
	return nil
}

// Nodes returns every node that ever registered, by name.
func (s *nodeTable) Nodes(ctx context.Context) ([]Node, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, version, listeners, started_at, last_seen, stopped_at FROM nodes ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: nodes: %w", err)
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		var n Node
		var started, seen, stopped int64
		if err := rows.Scan(&n.Name, &n.Version, &n.Listeners, &started, &seen, &stopped); err != nil {
			return nil, fmt.Errorf("store: nodes: %w", err)
		}
		n.Started, n.LastSeen = time.Unix(started, 0).UTC(), time.Unix(seen, 0).UTC()
		if stopped != 0 {
			n.Stopped = time.Unix(stopped, 0).UTC()
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Lease is one node's hold on work that one node at a time may do.
type Lease struct {
	Name   string
	Holder string
	Until  time.Time
}

// TakeLease takes the named lease for holder until d from now, or
// renews it if holder has it already; false when another holder has it
// and it has not run out. One statement, so two nodes taking at once
// cannot both get it: the second's conflicting insert sees the first's
// row and its condition fails.
func (s *nodeTable) TakeLease(ctx context.Context, name, holder string, d time.Duration) (bool, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (name, holder, until_ms) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
		WHERE leases.holder = excluded.holder OR leases.until_ms < ?`,
		name, holder, now.Add(d).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("store: take lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: take lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives up holder's lease, so another node may take it at
// once; nothing when holder no longer has it.
func (s *nodeTable) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// Leases returns the leases held now (not run out), by name.
func (s *nodeTable) Leases(ctx context.Context) ([]Lease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, holder, until_ms FROM leases WHERE until_ms >= ? ORDER BY name`, s.now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: leases: %w", err)
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var l Lease
		var until int64
		if err := rows.Scan(&l.Name, &l.Holder, &until); err != nil {
			return nil, fmt.Errorf("store: leases: %w", err)
		}
		l.Until = time.UnixMilli(until).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// QueueStatus is the delivery queue at a glance, for `praxis status`.
type QueueStatus struct {
	// Depth is how many copies wait to be sent (due now or retrying later).
	Depth int
	// Oldest is when the oldest of them was queued; zero when none wait.
	Oldest time.Time
	// Leased counts, by node, the waiting copies a node holds a lease on now.
	Leased map[string]int
}

// QueueStatus returns the queue's depth, its oldest copy and who holds
// leases on it.
func (s *queueTable) QueueStatus(ctx context.Context) (*QueueStatus, error) {
	q := &QueueStatus{Leased: map[string]int{}}
	var oldest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM deliveries WHERE state = 'queued'`).Scan(&q.Depth, &oldest); err != nil {
		return nil, fmt.Errorf("store: queue status: %w", err)
	}
	if oldest.Valid {
		q.Oldest = time.Unix(oldest.Int64, 0).UTC()
	}
	rows, err := s.db.QueryContext(ctx, `SELECT lease_node, COUNT(*) FROM deliveries WHERE state = 'queued' AND lease_node <> '' AND lease_until >= ? GROUP BY lease_node`, s.unix())
	if err != nil {
		return nil, fmt.Errorf("store: queue status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var node string
		var n int
		if err := rows.Scan(&node, &n); err != nil {
			return nil, fmt.Errorf("store: queue status: %w", err)
		}
		q.Leased[node] = n
	}
	return q, rows.Err()
}
