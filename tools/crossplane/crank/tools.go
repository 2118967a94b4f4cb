//go:build tools

// Package tools pins crank, so `go mod tidy` keeps its dependencies in go.sum.
package tools

import (
	_ "github.com/crossplane/crossplane/v2/cmd/crank"
)
