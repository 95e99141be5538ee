package web

import (
	"context"
	"errors"
	"testing"
)

// flakySecret is a store whose first read of the key fails, as one does
// while the database restarts.
type flakySecret struct {
	Store
	calls int
}

func (f *flakySecret) Secret(ctx context.Context, name string) ([]byte, error) {
	f.calls++
	if f.calls == 1 {
		return nil, errors.New("FATAL: terminating connection due to administrator command (SQLSTATE 57P01)")
	}
	return []byte("k3y-" + name), nil
}

// TestSecretRetriedAfterFailure: the key cookies and sign-in links are
// signed with is read once and kept, but a failed read is not kept: the
// next request reads it again (a kept error refused every sign-in until
// the server was restarted).
func TestSecretRetriedAfterFailure(t *testing.T) {
	st := &flakySecret{}
	s := &Server{st: st}
	ctx := context.Background()
	if _, err := s.secret(ctx); err == nil {
		t.Fatal("the first read's failure was not returned")
	}
	for range 3 {
		key, err := s.secret(ctx)
		if err != nil || string(key) != "k3y-web" {
			t.Fatalf("secret after a failed read = %q, %v; want the key", key, err)
		}
	}
	if st.calls != 2 {
		t.Errorf("the store was read %d times, want 2 (the key kept once read)", st.calls)
	}
}
