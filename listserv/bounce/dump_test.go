package bounce

import (
	"encoding/json"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	for _, p := range []string{os.Getenv("DUMP")} {
		if p == "" {
			t.Skip()
		}
		raw, _ := os.ReadFile(p)
		r, err := Parse(raw)
		b, _ := json.MarshalIndent(r, "", "  ")
		t.Logf("%s: %v\n%s", p, err, b)
	}
}
