package delivery

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Many workers rendering copies of big posts at once hold at most the
// gate's bytes together; a copy bigger than the gate goes alone.
func TestByteGateBoundsBigCopies(t *testing.T) {
	const max = 64 << 20
	g := newByteGate(max)
	var used, peak atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				size := int64(25 << 20)
				if i == 0 && k%5 == 0 {
					size = 100 << 20 // bigger than the gate
				}
				n := g.acquire(size)
				u := used.Add(size)
				for p := peak.Load(); u > p && !peak.CompareAndSwap(p, u); p = peak.Load() {
				}
				// Hold it a while, as a send does, so holders overlap.
				for y := 0; y < 100; y++ {
					runtime.Gosched()
				}
				used.Add(-size)
				g.release(n)
			}
		}(i)
	}
	wg.Wait()
	// Two 25 MB copies fit in 64 MB, a third waits; the 100 MB one is
	// alone.
	if p := peak.Load(); p > 100<<20 {
		t.Fatalf("%d MB of copies held at once, want at most 100", p>>20)
	}
	if g.used != 0 {
		t.Fatalf("gate ends holding %d bytes", g.used)
	}
}
