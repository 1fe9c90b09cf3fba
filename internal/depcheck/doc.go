// Package depcheck holds no code: its test states the project's dependency
// policy as data and enforces it over `go list -deps`, in the manner of the
// Go tree's go/build/deps_test.go.
//
// The layers, bottom to top: internal helpers; core packages (pure
// computation: morphology, mechanisms, cable, simulator, features, F-I,
// signal processing, neural operator, surrogate encoding); workflow packages
// (datasets, training, evaluation, server); the command. A package may import
// only packages of its own or a lower layer, so the dependency direction reads
// top-down from the layout and core never reaches back into workflow.
//
// Inference never imports training: synth and server depend on neither
// train nor dataset, eval not on train, however indirectly. They read the
// model file, whose metadata has one reader below both (package
// surrogate's ReadMeta).
package depcheck
