//go:build linux

package authz

import (
	"syscall"
	"unsafe"
)

// madvCollapse is MADV_COLLAPSE (Linux 6.1+), missing from package syscall.
const madvCollapse = 25

// adviseHuge marks a filled range for transparent huge pages and collapses
// the pages already there: heap memory the runtime reuses is mapped with
// 4 KB pages, which MADV_HUGEPAGE alone would leave as they are.
func adviseHuge(p unsafe.Pointer, size uintptr) {
	b := unsafe.Slice((*byte)(p), size)
	// Hints: where refused (old kernel, THP disabled) nothing changes.
	if syscall.Madvise(b, syscall.MADV_HUGEPAGE) == nil {
		_ = syscall.Madvise(b, madvCollapse)
	}
}
