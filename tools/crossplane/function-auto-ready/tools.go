//go:build tools

// Package tools pins function-auto-ready, so `go mod tidy` keeps its dependencies in go.sum.
package tools

import (
	_ "github.com/crossplane/function-auto-ready"
)
