// vbom.ml is gone and the Go module proxy has no copy of vbom.ml/util, which kubectl v1.19 imports for
// natural sort order. The same code lives on as github.com/fvbommel/sortorder (v1.0.1, MIT, LICENSE
// beside this file); its files are copied here unchanged under the old import path.
module vbom.ml/util

go 1.15
