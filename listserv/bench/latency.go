package bench

import (
	"slices"
	"time"
)

// percentiles returns the median and the 99th percentile of took, in
// milliseconds, by the nearest-rank method (the smallest sample that at
// least p% of the samples do not exceed). took is sorted in place. With
// fewer than 100 samples the 99th percentile is the slowest one, which
// is why the benchmarks that report it take at least 100.
func percentiles(took []time.Duration) (p50, p99 float64) {
	if len(took) == 0 {
		return 0, 0
	}
	slices.Sort(took)
	rank := func(p int) float64 {
		i := (len(took)*p+99)/100 - 1 // ceil(n·p/100), 1-based
		return float64(took[max(i, 0)].Microseconds()) / 1000
	}
	return rank(50), rank(99)
}
