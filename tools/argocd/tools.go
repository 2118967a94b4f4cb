//go:build tools

// Package tools pins Argo CD's command, so `go mod tidy` keeps its dependencies in go.sum.
package tools

import (
	_ "github.com/argoproj/argo-cd/v3/cmd"
)
