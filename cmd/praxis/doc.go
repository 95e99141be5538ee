// Command praxis runs Praxis, the mailing-list service for communities of
// practice, and administers it (SPEC.md: Command line).
//
// main parses flags, loads the configuration (defaults, then the TOML file,
// then PRAXIS_DATA, then flags), wires the parts and runs until a signal.
// One file per subcommand group; the logic lives in listserv and archive.
// serve.go is the wiring of a running server: receivers, the check step,
// the delivery queue and the web server, stopped in that order.
package main
