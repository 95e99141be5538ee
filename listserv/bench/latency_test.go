package bench

import (
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := make([]time.Duration, 0, 200)
	for i := 200; i >= 1; i-- { // 200 samples, 1..200 ms, given in reverse
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		name     string
		took     []time.Duration
		p50, p99 float64
	}{
		{"none", nil, 0, 0},
		{"one", ms(7), 7, 7},
		{"two", ms(9, 1), 1, 9},
		{"odd", ms(5, 1, 3), 3, 5},
		{"200 samples", hundred, 100, 198},
	} {
		p50, p99 := percentiles(tc.took)
		if p50 != tc.p50 || p99 != tc.p99 {
			t.Errorf("%s: percentiles = %v, %v; want %v, %v", tc.name, p50, p99, tc.p50, tc.p99)
		}
	}
}
