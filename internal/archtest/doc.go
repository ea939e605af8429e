// Package archtest holds no code of its own: its tests enforce the
// project's structural rules (package docs, no grab-bag packages, a thin
// main, and dependencies pointing one way) so they cannot silently erode.
package archtest
