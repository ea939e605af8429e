//go:build linux

package authz

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHuge asks the kernel to back the whole 2 MB pages inside s with
// transparent huge pages, and to do so now (MADV_COLLAPSE) for the pages
// already touched: memory the Go heap reuses has been zeroed in 4 KB
// pages before the advice, and khugepaged would collapse it only
// minutes later. MADV_COLLAPSE does not follow the system-wide THP
// setting; a process that must not use huge pages says so with
// prctl(PR_SET_THP_DISABLE), which both honour. It is advice: an error
// (an older kernel, no THP support) changes nothing.
func adviseHuge[T any](s []T) {
	if len(s) == 0 {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(s))
	lo, hi := hugeRange(uintptr(p), uintptr(len(s))*unsafe.Sizeof(s[0]))
	if hi <= lo {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, lo-uintptr(p))), hi-lo)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
	_ = unix.Madvise(b, unix.MADV_COLLAPSE)
}
