package transport

import (
	"bytes"
	"testing"
)

var benchMsg = bytes.Repeat([]byte("Subject: benchmark\r\nFrom: a@b\r\n\r\n"+"0123456789012345678901234567890123456789012345678901234567890123456789\r\n"), 40)

// BenchmarkSmarthostSend is the queue's hot path: one transaction on a
// reused session to a loopback go-smtp sink.
func BenchmarkSmarthostSend(b *testing.B) {
	k := startSink(b, sinkOptions{discard: true})
	tr, err := Parse("smtp://"+k.addr+"?tls=none", testOptions())
	if err != nil {
		b.Fatal(err)
	}
	ctx := testCtx(b)
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		s, err := tr.Open(ctx, "")
		if err != nil {
			b.Error(err)
			return
		}
		defer s.Close()
		for pb.Next() {
			if err := s.Send(ctx, "list-bounces+u=example.org@lists.test", "u@example.org", benchMsg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkMaildirSend(b *testing.B) {
	m, err := NewMaildir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := testCtx(b)
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		s, err := m.Open(ctx, "")
		if err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			if err := s.Send(ctx, "list-bounces@lists.test", "u@example.org", benchMsg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
