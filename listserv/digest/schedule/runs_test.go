package schedule

import (
	"testing"
	"time"

	"praxis/listserv/store"
)

// The schedule: which period is due at a moment, in the list's own time
// zone, across midnights, week boundaries and a daylight-saving change.
func TestSchedule(t *testing.T) {
	berlin := &store.List{TimeZone: "Europe/Berlin", DigestHour: 6, SummaryWeekday: 1}
	utc := &store.List{TimeZone: "UTC", DigestHour: 0, SummaryWeekday: 0}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name                  string
		l                     *store.List
		kind, now             string
		start, end, sendAfter string
	}{
		// 06:00 in Berlin is 05:00 UTC in winter: before it, yesterday's.
		{"digest before the hour", berlin, KindDigest, "2026-11-25T04:59:00Z", "2026-11-23T05:00:00Z", "2026-11-24T05:00:00Z", "2026-11-24T05:00:00Z"},
		{"digest at the hour", berlin, KindDigest, "2026-11-25T05:00:00Z", "2026-11-24T05:00:00Z", "2026-11-25T05:00:00Z", "2026-11-25T05:00:00Z"},
		// Summer time: 06:00 in Berlin is 04:00 UTC.
		{"digest in summer", berlin, KindDigest, "2021-04-19T04:30:00Z", "2021-04-18T04:00:00Z", "2021-04-19T04:00:00Z", "2021-04-19T04:00:00Z"},
		// Monday 2021-04-19: the week from Monday 12th, midnight Berlin time.
		{"summary on its day, after the hour", berlin, KindSummary, "2021-04-19T04:00:00Z", "2021-04-11T22:00:00Z", "2021-04-18T22:00:00Z", "2021-04-19T04:00:00Z"},
		{"summary on its day, before the hour", berlin, KindSummary, "2021-04-19T03:59:00Z", "2021-04-04T22:00:00Z", "2021-04-11T22:00:00Z", "2021-04-12T04:00:00Z"},
		{"summary mid-week", berlin, KindSummary, "2021-04-22T12:00:00Z", "2021-04-11T22:00:00Z", "2021-04-18T22:00:00Z", "2021-04-19T04:00:00Z"},
		{"summary on Sunday at midnight UTC", utc, KindSummary, "2021-04-18T00:00:00Z", "2021-04-11T00:00:00Z", "2021-04-18T00:00:00Z", "2021-04-18T00:00:00Z"},
		{"digest at midnight UTC", utc, KindDigest, "2021-04-18T00:00:00Z", "2021-04-17T00:00:00Z", "2021-04-18T00:00:00Z", "2021-04-18T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, send := schedule(tt.l, tt.kind, at(tt.now))
			if !p.Start.Equal(at(tt.start)) || !p.End.Equal(at(tt.end)) || !send.Equal(at(tt.sendAfter)) {
				t.Errorf("schedule = %s..%s, send at %s; want %s..%s at %s", p.Start.Format(time.RFC3339), p.End.Format(time.RFC3339),
					send.Format(time.RFC3339), tt.start, tt.end, tt.sendAfter)
			}
			if send.After(at(tt.now)) {
				t.Errorf("due at %s, after now", send)
			}
		})
	}
}

func TestVolume(t *testing.T) {
	l := &store.List{CreatedAt: time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)}
	for end, want := range map[string]int{"2020-07-02": 1, "2021-06-30": 1, "2021-07-01": 2, "2023-01-01": 3} {
		e, _ := time.Parse("2006-01-02", end)
		if got := volume(l, e); got != want {
			t.Errorf("volume at %s = %d, want %d", end, got, want)
		}
	}
}
