package authz

import "unsafe"

// Transparent huge pages. A check reads a few random records of arrays
// (ID tables, hot records) of tens of megabytes: with 4 KB pages that is
// several times what the TLB covers, so most of those reads also pay a
// page walk, which on a virtual machine is two-dimensional. With 2 MB
// pages the arrays need a few dozen TLB entries. The Go runtime no
// longer gives this advice for its heap, and Linux in the common
// "madvise" THP mode backs nothing with huge pages unless told to.

// hugePage is the transparent huge page size of amd64 and of arm64 with
// 4 KB base pages.
const hugePage = 2 << 20

// hugeRange returns the whole huge pages [lo, hi) inside the n bytes at
// start; hi <= lo if there is none.
func hugeRange(start, n uintptr) (lo, hi uintptr) {
	return (start + hugePage - 1) &^ (hugePage - 1), (start + n) &^ (hugePage - 1)
}

// hugeSlice returns a zeroed slice of n Ts. One of at least a huge page
// starts on a huge page boundary (the allocation is up to 2 MB larger)
// and its whole huge pages are advised: an unaligned 2 MB table would
// contain none.
func hugeSlice[T any](n int) []T {
	var zero T
	size := unsafe.Sizeof(zero)
	if size == 0 || uintptr(n)*size < hugePage {
		return make([]T, n)
	}
	extra := int((hugePage + size - 1) / size)
	s := make([]T, n+extra)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	lo, _ := hugeRange(start, 0)
	k := int((lo - start + size - 1) / size)
	s = s[k : k+n : k+n]
	adviseHuge(s)
	return s
}
