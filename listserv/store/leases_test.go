package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Two stores on one database, as two nodes have, claim a fan-out's copies
// at once: each copy goes to one of them, and between them they take all.
func TestTwoStoresClaimApart(t *testing.T) {
	backends(t, func(t *testing.T, newStore opener) {
		ctx := context.Background()
		nodes := [2]*Store{newStore(t), newStore(t)}
		l := &List{Address: "cop@example.org", Name: "CoP", SubscribePolicy: SubscribeConfirm, PostPolicy: PostOpen, ArchivePolicy: ArchivePublic}
		must(t, nodes[0].CreateList(ctx, l))
		m := &Message{ListID: l.ID, ListAddress: l.Address, Kind: KindPost, MailFrom: "a@b.example", Rcpt: l.Address, Raw: []byte("Subject: x\r\n\r\nx")}
		must(t, nodes[0].Spool(ctx, m))
		const copies = 400
		ds := make([]*Delivery, copies)
		for i := range ds {
			ds[i] = &Delivery{ListID: l.ID, Rcpt: fmt.Sprintf("m%d@x.org", i), Mode: ModeCopy}
		}
		must(t, nodes[0].Transition(ctx, m.ID, StateReceived, StateAccepted, "", "id@x", ds))

		var mu sync.Mutex
		claimedBy := map[int64]int{}
		took := [2]int{}
		var wg sync.WaitGroup
		for n, s := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				node := fmt.Sprintf("node-%d", n)
				for {
					got, err := s.ClaimDeliveries(ctx, node, time.Minute, 0, 10)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					outs := make([]Outcome, len(got))
					mu.Lock()
					for i, d := range got {
						if other, ok := claimedBy[d.ID]; ok {
							t.Errorf("copy #%d claimed by node %d and node %d", d.ID, other, n)
						}
						claimedBy[d.ID] = n
						outs[i] = Outcome{Delivery: d, Done: true}
					}
					took[n] += len(got)
					mu.Unlock()
					if err := s.RecordOutcomes(ctx, outs); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		t.Logf("node 0 took %d copies, node 1 %d", took[0], took[1])
		counts, err := nodes[1].DeliveryCounts(ctx, m.ID)
		must(t, err)
		if len(claimedBy) != copies || counts["done"] != copies {
			t.Errorf("%d copies claimed, counts %v; want all %d claimed and done", len(claimedBy), counts, copies)
		}
	})
}
