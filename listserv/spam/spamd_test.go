package spam

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSpamd(t *testing.T) {
	cases := []struct {
		name, reply string
		want        Score
		err         string
	}{
		{"GTUBE", "SPAMD/1.1 0 EX_OK\r\nContent-length: 40\r\nSpam: True ; 1003.5 / 5.0\r\n\r\nMISSING_DATE,GTUBE,NO_RECEIVED,NO_RELAYS",
			Score{Value: 1003.5, Required: 5, Over: true, Rules: []string{"GTUBE", "MISSING_DATE", "NO_RECEIVED", "NO_RELAYS"}}, ""},
		{"ham", "SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.1 / 5.0\r\n\r\n", Score{Value: -0.1, Required: 5}, ""},
		{"bare LF", "SPAMD/1.5 0 EX_OK\nSpam: yes ; 6.2 / 5.0\n\nA,B,C,D,E,F,G", Score{Value: 6.2, Required: 5, Over: true, Rules: []string{"A", "B", "C", "D", "E"}}, ""},
		{"error", "SPAMD/1.0 76 Bad header line: x\r\n", Score{}, "76 Bad header line"},
		{"no verdict", "SPAMD/1.1 0 EX_OK\r\n\r\n", Score{}, "no Spam header"},
		{"bad verdict", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; lots / 5\r\n\r\n", Score{}, "bad Spam header"},
		{"not spamd", "HTTP/1.1 200 OK\r\n\r\n", Score{}, "not a SPAMD answer"},
		{"nothing", "", Score{}, "reading the answer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSpamd(strings.NewReader(tc.reply))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseSpamd = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// FuzzParseSpamd: whatever a spamd (or something else on its port)
// answers, the parser returns a score or an error, never both, never
// more than five rules, and a verdict only from a Spam header.
func FuzzParseSpamd(f *testing.F) {
	f.Add("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1003.5 / 5.0\r\n\r\nGTUBE,MISSING_DATE")
	f.Add("SPAMD/1.1 0 EX_OK\r\nSpam: False ; 0 / 5\r\n\r\n")
	f.Add("SPAMD/1.0 76 Bad header line\r\n")
	f.Fuzz(func(t *testing.T, reply string) {
		got, err := parseSpamd(strings.NewReader(reply))
		if err != nil {
			if !reflect.DeepEqual(got, Score{}) {
				t.Errorf("an error (%v) and a score %+v", err, got)
			}
			return
		}
		if len(got.Rules) > 5 {
			t.Errorf("%d rules kept", len(got.Rules))
		}
		if !strings.Contains(strings.ToLower(reply), "spam:") {
			t.Errorf("a score %+v from an answer without a Spam header", got)
		}
	})
}
