package delivery

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"praxis/listserv/store"
)

// TestOutcomeRefusedForGood: an outcome the database refuses for what is
// in it (not for want of a database) does not hold back the batch it
// came in, nor, through the unrecorded copies' bound, every copy after
// it: the others are recorded one by one, the refused one dropped, and
// the queue goes on (a later post reaches every member). Before, the
// batch was retried for ever and the queue stopped.
func TestOutcomeRefusedForGood(t *testing.T) {
	var members []string
	for i := range 40 {
		members = append(members, fmt.Sprintf("m%02d@d%d.test", i, i%3))
	}
	members = append(members, "poison@d0.test")
	f := setupWith(t, members, Config{Concurrency: 3}, func(q *Queue) {
		record := q.record
		q.record = func(ctx context.Context, outs []store.Outcome) error {
			for _, o := range outs {
				if o.Delivery.Rcpt == "poison@d0.test" {
					return errors.New(`ERROR: invalid byte sequence for encoding "UTF8": 0xff (SQLSTATE 22021)`)
				}
			}
			return record(ctx, outs)
		}
	})
	f.post(t, "first")
	eventually(t, "every other copy of the first post recorded", func() bool {
		for _, m := range members[:len(members)-1] {
			if s, _, _ := deliveryRow(t, f.st, m); s != "done" {
				return false
			}
		}
		return true
	})
	f.post(t, "second")
	eventually(t, "the second post's copies recorded", func() bool {
		for _, m := range members[:len(members)-1] {
			ds, err := f.st.DeliveryStates(context.Background(), m)
			if err != nil || len(ds) < 2 || ds[len(ds)-1].State != "done" {
				return false
			}
		}
		return true
	})
}
