package main

import "testing"

// TestRuleCases runs every case of testdata/rules (the safety rules added after review and the
// handlers' decided readings) against its own directory, testdata/rules/directory.
func TestRuleCases(t *testing.T) {
	runCases(t, "../../testdata/rules/cases", "../../testdata/rules/directory", nil)
}
