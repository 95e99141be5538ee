package listserv

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"praxis/listserv/store"
)

// HeartbeatEvery is how often a serve node renews its row in the nodes
// table; a node not seen for AliveWithin is taken for gone (`praxis
// status`). Three heartbeats, so that one late beat on a busy machine or
// a database restart does not make a living node look dead.
const (
	HeartbeatEvery = 15 * time.Second
	AliveWithin    = 3 * HeartbeatEvery
)

// HeartbeatStore is what a node's heartbeat writes.
type HeartbeatStore interface {
	RegisterNode(ctx context.Context, n *store.Node) error
	NodeHeartbeat(ctx context.Context, name string) error
	StopNode(ctx context.Context, name string) error
}

var _ HeartbeatStore = (*store.Store)(nil)

// Heartbeat keeps a serve node's row in the nodes table: registered at
// start, renewed every HeartbeatEvery, marked stopped when it stops
// cleanly.
type Heartbeat struct {
	st    HeartbeatStore
	node  store.Node
	every time.Duration
	// timeout bounds one beat: on a connection the network lost without
	// a word, a write waits until TCP gives up (a quarter of an hour),
	// and the node would look gone meanwhile however soon the database
	// came back.
	timeout time.Duration
	log     *slog.Logger
}

// NewHeartbeat makes the heartbeat of node (its Name, Version and
// Listeners); every 0 is HeartbeatEvery.
func NewHeartbeat(st HeartbeatStore, node store.Node, every time.Duration, log *slog.Logger) *Heartbeat {
	if every <= 0 {
		every = HeartbeatEvery
	}
	return &Heartbeat{st: st, node: node, every: every, timeout: max(every, 5*time.Second), log: log}
}

// Register records that the node has started.
func (h *Heartbeat) Register(ctx context.Context) error {
	return h.st.RegisterNode(ctx, &h.node)
}

// Run renews the node's row until ctx ends. A failed beat is logged and
// tried again at the next: the database away for a while must not stop
// the node, and the node shows as gone meanwhile, which is the truth as
// the others see it.
func (h *Heartbeat) Run(ctx context.Context) error {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		bctx, cancel := context.WithTimeout(ctx, h.timeout)
		err := h.st.NodeHeartbeat(bctx, h.node.Name)
		if errors.Is(err, store.ErrNotFound) {
			// The row went (a cleanup by hand): register again.
			err = h.Register(bctx)
		}
		cancel()
		if err != nil && ctx.Err() == nil {
			h.log.Warn("heartbeat failed", "node", h.node.Name, "err", err)
		}
	}
}

// Stop records that the node stopped cleanly.
func (h *Heartbeat) Stop(ctx context.Context) error {
	return h.st.StopNode(ctx, h.node.Name)
}
