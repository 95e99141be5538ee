// Command praxis runs Praxis, the mailing-list service for communities of
// practice, and administers it (SPEC.md: Command line).
//
// commands.go holds the command table: each command's name, arguments,
// flags, one-line summary and what it runs. `praxis help`, each command's
// usage (`praxis COMMAND --help`) and README's command table are made from
// it (TestREADMECommands). main parses the global flags, loads the
// configuration (defaults, then the TOML file, then PRAXIS_DATA, then
// flags), finds the command in the table and runs it; an error is printed
// once, with the next step to take added by the CLI (advice.go), never by
// the core. The other files hold one command group each and only parse,
// wire and print: the logic lives in listserv and archive.
//
// serve.go wires a running server: receivers, the check step, the
// delivery queue, the indexer, the digest scheduler and the web server,
// all under one errgroup that stops one way (the listeners first, then
// the work after the 250).
package main
