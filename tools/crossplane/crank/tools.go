//go:build tools

// Package tools pins crank and Crossplane core (the same module and version: crank for
// `crank render`, core for the real Crossplane the test platform's controllers option runs),
// so `go mod tidy` keeps their dependencies in go.sum.
package tools

import (
	_ "github.com/crossplane/crossplane/v2/cmd/crank"
	_ "github.com/crossplane/crossplane/v2/cmd/crossplane"
)
