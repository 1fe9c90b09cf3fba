package server

import "embed"

// webFS holds the web explorer: hand-written HTML, CSS and JavaScript
// drawing SVG, with no external resources, so it works offline.
//
//go:embed web
var webFS embed.FS
