package authz

import (
	"testing"
	"unsafe"
)

func TestHugeRange(t *testing.T) {
	const base = 64 * hugePage
	tests := []struct {
		name           string
		start, n       uintptr
		wantLo, wantHi uintptr
	}{
		{"empty", base, 0, base, base},
		{"aligned, one page", base, hugePage, base, base + hugePage},
		{"aligned, short of a page", base, hugePage - 1, base, base},
		{"unaligned, page-sized", base + 4096, hugePage, base + hugePage, base + hugePage},
		{"unaligned, two pages long", base + 4096, 2 * hugePage, base + hugePage, base + 2*hugePage},
		{"unaligned, three pages and a bit", base + 8192, 3*hugePage + 8192, base + hugePage, base + 3*hugePage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := hugeRange(tc.start, tc.n)
			got, want := hi > lo, tc.wantHi > tc.wantLo
			if got != want || got && (lo != tc.wantLo || hi != tc.wantHi) {
				t.Fatalf("hugeRange(%#x, %#x) = [%#x, %#x), want [%#x, %#x)", tc.start, tc.n, lo, hi, tc.wantLo, tc.wantHi)
			}
			if hi > lo && (lo < tc.start || hi > tc.start+tc.n || lo%hugePage != 0 || hi%hugePage != 0) {
				t.Fatalf("hugeRange(%#x, %#x) = [%#x, %#x): not whole pages inside", tc.start, tc.n, lo, hi)
			}
		})
	}
}

type rec256 struct{ a [32]uint64 }

// TestHugeSlice checks that a huge slice is an ordinary zeroed slice of
// the requested length, aligned on a huge page when it spans one, and
// that what is written to it reads back (the advice must not lose data
// on kernels that collapse the pages at once).
func TestHugeSlice(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		aligned bool
	}{
		{"small table", 1024, false},
		{"just below a huge page", hugePage/8 - 1, false},
		{"one huge page", hugePage / 8, true},
		{"several huge pages", 5*hugePage/8 + 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := hugeSlice[uint64](tc.n)
			if len(s) != tc.n || cap(s) != tc.n {
				t.Fatalf("len %d cap %d, want %d", len(s), cap(s), tc.n)
			}
			if p := uintptr(unsafe.Pointer(unsafe.SliceData(s))); tc.aligned && p%hugePage != 0 {
				t.Fatalf("starts at %#x, not on a huge page", p)
			}
			for i, x := range s {
				if x != 0 {
					t.Fatalf("s[%d] = %d, want 0", i, x)
				}
			}
			for i := range s {
				s[i] = uint64(i) * 0x9e3779b97f4a7c15
			}
			adviseHuge(s) // again, now that every page is touched
			for i, x := range s {
				if x != uint64(i)*0x9e3779b97f4a7c15 {
					t.Fatalf("s[%d] = %#x after advice, want %#x", i, x, uint64(i)*0x9e3779b97f4a7c15)
				}
			}
		})
	}
	t.Run("records", func(t *testing.T) {
		s := hugeSlice[rec256](3 * hugePage / 256)
		if p := uintptr(unsafe.Pointer(unsafe.SliceData(s))); p%hugePage != 0 || len(s) != 3*hugePage/256 {
			t.Fatalf("starts at %#x, len %d", p, len(s))
		}
		s[len(s)-1].a[31] = 7
		if s[len(s)-1].a[31] != 7 || s[0].a[0] != 0 {
			t.Fatal("records do not read back")
		}
	})
}
