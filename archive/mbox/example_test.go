package mbox

import (
	"bytes"
	"fmt"
	"io"
	"time"
)

func Example() {
	var archive bytes.Buffer
	w := NewWriter(&archive)
	date := time.Date(2024, time.March, 5, 9, 30, 0, 0, time.UTC)
	w.Write("alice@example.org", date, []byte("Subject: hello\n\nFrom here on, all is well.\n"))
	w.Write("", date, []byte("Subject: bounce\n\n>From quoted already\n"))
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	fmt.Print(archive.String())

	r, err := NewReader(&archive)
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("line %d, from %q: %q\n", m.Line, m.From, m.Raw)
	}
	// Output:
	// From alice@example.org Tue Mar  5 09:30:00 2024
	// Subject: hello
	//
	// >From here on, all is well.
	//
	// From MAILER-DAEMON Tue Mar  5 09:30:00 2024
	// Subject: bounce
	//
	// >>From quoted already
	//
	// line 1, from "alice@example.org": "Subject: hello\n\nFrom here on, all is well.\n"
	// line 6, from "": "Subject: bounce\n\n>From quoted already\n"
}
