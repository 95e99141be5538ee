package listserv

import (
	"context"
	"fmt"
	"time"

	"praxis/listserv/store"
)

// Node states in Status.
const (
	NodeAlive   = "alive"   // seen within AliveWithin
	NodeStopped = "stopped" // stopped cleanly
	NodeGone    = "gone"    // not seen for AliveWithin: killed, or cut off
)

// NodeStatus is one node as `praxis status` shows it.
type NodeStatus struct {
	store.Node
	State string
}

// IndexLag is how far a node's full-text index is behind the archive
// (archive.IndexLag's figures).
type IndexLag struct {
	// Changes is how many changes of the archive (posts archived or
	// removed) the index has not applied yet.
	Changes int64
	// Oldest is when the oldest of them was made; zero when none.
	Oldest time.Time
}

// IndexLagFunc tells this node's index lag. It is the seam where the
// per-node index position is read; Status leaves the lag out when it is
// nil.
type IndexLagFunc func(ctx context.Context) (*IndexLag, error)

// Status is the state of every node sharing the store, at one moment.
type Status struct {
	Now   time.Time
	Nodes []NodeStatus
	Queue *store.QueueStatus
	// Leases are the once-at-a-time works held now (IMAP ingest
	// mailboxes), by name.
	Leases []store.Lease
	// Jobs is each scheduled job's last pass, by job.
	Jobs []store.JobRun
	// IndexLag is nil when it is not known.
	IndexLag *IndexLag
}

// StatusStore is what Status reads.
type StatusStore interface {
	Nodes(ctx context.Context) ([]store.Node, error)
	QueueStatus(ctx context.Context) (*store.QueueStatus, error)
	Leases(ctx context.Context) ([]store.Lease, error)
	JobRuns(ctx context.Context) ([]store.JobRun, error)
}

var _ StatusStore = (*store.Store)(nil)

// ReadStatus gathers the nodes, the queue, the leases and the jobs from
// st at now, and the index lag from lag when it is given.
func ReadStatus(ctx context.Context, st StatusStore, now time.Time, lag IndexLagFunc) (*Status, error) {
	out := &Status{Now: now}
	ns, err := st.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		state := NodeAlive
		switch {
		case !n.Stopped.IsZero():
			state = NodeStopped
		case now.Sub(n.LastSeen) > AliveWithin:
			state = NodeGone
		}
		out.Nodes = append(out.Nodes, NodeStatus{Node: n, State: state})
	}
	if out.Queue, err = st.QueueStatus(ctx); err != nil {
		return nil, err
	}
	if out.Leases, err = st.Leases(ctx); err != nil {
		return nil, err
	}
	if out.Jobs, err = st.JobRuns(ctx); err != nil {
		return nil, err
	}
	if lag != nil {
		if out.IndexLag, err = lag(ctx); err != nil {
			return nil, fmt.Errorf("index lag: %w", err)
		}
	}
	return out, nil
}
