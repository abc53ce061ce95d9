// Command socledger runs socledger, the event-sourced incident case
// management service for a Security Operations Center: one binary holding the
// embedded event store, the API and the analyst console.
//
// Usage:
//
//	socledger <command> [flags]
//
// The commands are:
//
//	serve       run the service: open the store in a data directory and
//	            serve HTTP (health checks and the console) on an address
//	detect      run Sigma rules over event files offline and print the matches
//	verify      check every hash chain and seal of a data directory
//	record      record a tenant and an incident's regulatory facts from NDJSON
//	            files into a data directory (docs/record-format.md)
//	compliance  print the NIS2 / DORA / GDPR reporting obligations of a
//	            tenant's incidents as of an instant, with their verdicts, as
//	            JSON, CSV or a printable HTML page
//	migrate     copy an embedded store to a KurrentDB / EventStoreDB
//	            cluster, resumable and verified (docs/scale-out.md)
//	help        print this help
//
// Run "socledger <command> -h" for a command's flags. Every flag can also be
// set by a SOCLEDGER_* environment variable; a flag given on the command line
// wins over the environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "socledger:", err)
		os.Exit(1)
	}
}

const usage = `socledger is an event-sourced incident case management service for a SOC.

Usage:

	socledger <command> [flags]

Commands:

	serve       run the service: event store, API and console
	detect      run Sigma rules over event files and print the matches
	verify      check that the event store was not altered (chains and seals)
	record      record a tenant and incident facts from NDJSON files
	compliance  report NIS2 / DORA / GDPR reporting deadlines and verdicts
	migrate     copy an embedded store to a KurrentDB / EventStoreDB cluster
	help        print this help

Run "socledger <command> -h" for the flags of a command.
`

// run runs the command line args (args[0] is the program name). It reads the
// environment only through getenv, writes command output to stdout and logs
// and diagnostics to stderr, and returns when the command is done or, for
// long-running commands, when ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stderr)
	case "detect":
		return detect(ctx, rest, stdout, stderr)
	case "verify":
		return verify(ctx, rest, getenv, stdout, stderr)
	case "record":
		return record(ctx, rest, getenv, stdout, stderr)
	case "compliance":
		return complianceReport(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
