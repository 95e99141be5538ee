package store

import (
	"context"
	"database/sql/driver"

	"github.com/jackc/pgx/v5/stdlib"
)

// cleanConnector opens PostgreSQL connections on which every string
// bound to a statement is made what PostgreSQL's text can hold first
// (pgText: no NUL, each byte that is not UTF-8 made U+FFFD). Mail carries
// both in the fields the store keeps (a Message-ID with a 0xff byte, a
// remote server's reply with a NUL): PostgreSQL refused such a value and
// the whole statement with it, and in the spool's group commit that was
// every message of the batch, so one sender's bad Message-ID failed the
// mail of everyone beside it, on every retry. Strings only: bytes
// ([]byte, the raw mail) go to bytea as they are. SQLite keeps the bytes;
// here a value looked up is made the same way as when it was written, so
// lookups find what was stored.
type cleanConnector struct{ driver.Connector }

func (c cleanConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if sc, ok := conn.(*stdlib.Conn); ok {
		return cleanConn{sc}, nil
	}
	return conn, nil
}

// cleanConn is pgx's connection with its strings made clean
// (database/sql asks the connection to check every argument, a prepared
// statement's too).
type cleanConn struct{ *stdlib.Conn }

func (c cleanConn) CheckNamedValue(nv *driver.NamedValue) error {
	if s, ok := nv.Value.(string); ok {
		nv.Value = pgText(s)
	}
	return c.Conn.CheckNamedValue(nv)
}
