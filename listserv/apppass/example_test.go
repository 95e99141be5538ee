package apppass_test

import (
	"fmt"

	"praxis/listserv/apppass"
)

// A password is made, shown once, and kept only as its hash; the member
// types it into their mail client, grouped or not, in either case.
func Example() {
	plain, err := apppass.Generate()
	if err != nil {
		panic(err)
	}
	h, err := apppass.Hash(plain)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(plain), h[:31])
	fmt.Println(apppass.Check(plain, h), apppass.Check("abcd-efgh-ijkm-npqr", h))
	// Output:
	// 19 $argon2id$v=19$m=19456,t=2,p=1$
	// true false
}
