package authz

import (
	"testing"
	"unsafe"
)

func TestHugeSlice(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		aligned bool // expect the slice to start right after a 2 MB boundary
	}{
		{"empty", 0, false},
		{"small", 1000, false},
		{"half a page", hugePage / 2 / 8, true},
		{"users table", 1 << 18, true},
		{"odd size", 3*hugePage/8 + 12345, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := hugeSlice[uint64](tc.n)
			if len(s) != tc.n || cap(s) != tc.n {
				t.Fatalf("len %d cap %d, want %d", len(s), cap(s), tc.n)
			}
			for i, v := range s {
				if v != 0 {
					t.Fatalf("s[%d] = %d, want zero memory", i, v)
				}
			}
			if tc.n == 0 {
				return
			}
			addr := uintptr(unsafe.Pointer(&s[0]))
			if got := addr % hugePage; tc.aligned && got >= 8 {
				t.Fatalf("starts %d bytes past a 2 MB boundary", got)
			}
			for i := range s {
				s[i] = uint64(i)
			}
			adviseHugeSlice(s) // must not fault, whatever the kernel says
			for i, v := range s {
				if v != uint64(i) {
					t.Fatalf("s[%d] = %d after advice", i, v)
				}
			}
		})
	}
}
