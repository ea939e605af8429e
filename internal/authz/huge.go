package authz

import "unsafe"

// A check touches a few random cache lines spread over tens of megabytes
// (ID tables, hot records). With 4 KB pages nearly every one of them also
// misses the TLB and pays a page walk, which costs twice as much under
// virtualisation. The largest of these arrays are therefore allocated so
// that they can be backed by 2 MB transparent huge pages.

// hugePage is the transparent huge page size on amd64 and arm64.
const hugePage = 2 << 20

// hugeSlice returns a zeroed slice of n Ts. When it is large, the
// allocation is padded so that the 2 MB-aligned range covering the slice
// lies inside it, and the slice starts just after a 2 MB boundary; call
// adviseHugeSlice once it is filled. It is ordinary Go memory: the
// garbage collector frees it with the slice.
func hugeSlice[T any](n int) []T {
	var zero T
	sz := unsafe.Sizeof(zero)
	if sz == 0 || sz >= hugePage || uintptr(n)*sz < hugePage/2 {
		return make([]T, n)
	}
	pad := int(2*hugePage/sz) + 2
	buf := make([]T, n+pad)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	boundary := (addr + hugePage - 1) &^ (hugePage - 1)
	off := int((boundary - addr + sz - 1) / sz)
	return buf[off : off+n : off+n]
}

// adviseHugeSlice asks for huge pages over the 2 MB-aligned range covering
// s, which must come from hugeSlice. It is a hint: where huge pages are
// unavailable nothing changes.
func adviseHugeSlice[T any](s []T) {
	var zero T
	sz := unsafe.Sizeof(zero)
	if len(s) == 0 || sz == 0 || sz >= hugePage || uintptr(len(s))*sz < hugePage/2 {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(s))
	start := uintptr(p) &^ (hugePage - 1)
	end := (uintptr(p) + uintptr(len(s))*sz + hugePage - 1) &^ (hugePage - 1)
	// start and end lie inside hugeSlice's padded allocation, so this
	// pointer stays within the same object.
	adviseHuge(unsafe.Add(p, -int(uintptr(p)-start)), end-start)
}
