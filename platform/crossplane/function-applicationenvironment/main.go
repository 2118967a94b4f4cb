// Command function-applicationenvironment is the platform's Crossplane composition function: it
// composes an ApplicationEnvironment (platform/crossplane/definition.yaml) into its namespace,
// guardrails and Argo CD Application. See platform/README.md.
package main

import (
	"flag"
	"fmt"
	"os"

	function "github.com/crossplane/function-sdk-go"
)

func main() {
	var (
		debug    = flag.Bool("debug", false, "Emit debug logs in addition to info logs.")
		network  = flag.String("network", "tcp", "Network on which to listen for gRPC connections.")
		address  = flag.String("address", ":9443", "Address at which to listen for gRPC connections.")
		insecure = flag.Bool("insecure", false, "Run without mTLS credentials (local development, crank render).")
		certsDir = flag.String("tls-server-certs-dir", os.Getenv("TLS_SERVER_CERTS_DIR"),
			"Directory of mTLS certificates (tls.key, tls.crt, ca.crt); Crossplane sets TLS_SERVER_CERTS_DIR.")
	)
	flag.Parse()

	log, err := function.NewLogger(*debug)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := function.Serve(&Function{log: log},
		function.Listen(*network, *address),
		function.MTLSCertificates(*certsDir),
		function.Insecure(*insecure)); err != nil {
		log.Info("function stopped", "error", err.Error())
		os.Exit(1)
	}
}
