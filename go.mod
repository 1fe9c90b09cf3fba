module github.com/noble-neuro/noble

go 1.26.8

require (
	golang.org/x/sync v0.18.0 // indirect
	golang.org/x/sys v0.38.0 // indirect
	golang.org/x/term v0.37.0 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)
