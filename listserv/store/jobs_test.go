package store

import (
	"context"
	"testing"
)

// TestJobClaimAcrossNodes: two stores on one database (two nodes) claim
// the same action while a third holds the claim in a transaction it
// never commits (a node that crashed mid-notice): they wait for it, and
// when it is gone exactly one of them makes the claim and queues its
// notice.
func TestJobClaimAcrossNodes(t *testing.T) {
	backends(t, func(t *testing.T, newStore opener) {
		ctx := context.Background()
		crashed, a, b := newStore(t), newStore(t), newStore(t)
		l := &List{Address: "cop@example.org", Name: "CoP"}
		must(t, a.CreateList(ctx, l))
		claim := JobClaim{Job: "held-expiry", Period: "1"}

		tx, release, err := crashed.begin(ctx, crashed.db)
		must(t, err)
		won, err := claimJob(ctx, tx, claim, crashed.node, crashed.unix())
		must(t, err)
		if !won {
			t.Fatal("the first claim was not made")
		}

		results := make(chan bool, 2)
		for _, s := range []*Store{a, b} {
			go func() {
				ok, err := s.SpoolNoticeOnce(ctx, claim, &Message{ListID: l.ID, ListAddress: l.Address, Raw: []byte("Subject: x\r\n\r\nx\r\n")},
					[]*Delivery{{ListID: l.ID, Rcpt: "a@example.net", Mode: ModeRaw}})
				if err != nil {
					t.Error(err)
				}
				results <- ok
			}()
		}
		release() // the crash: the claim's transaction rolls back
		wins := 0
		for range 2 {
			if <-results {
				wins++
			}
		}
		due, err := a.DueDeliveries(ctx, 0, 10)
		must(t, err)
		if wins != 1 || len(due) != 1 {
			t.Errorf("%d nodes won the claim and %d notices were queued, want 1 and 1", wins, len(due))
		}
	})
}
