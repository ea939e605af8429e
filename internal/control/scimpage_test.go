package control

import "testing"

// TestSCIMPageWindow: SCIM's 1-based startIndex and count select the
// part of the matches a list answers with.
func TestSCIMPageWindow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		page           SCIMPage
		n, wantLo, hiW int
	}{
		{"first page", SCIMPage{StartIndex: 1, Count: 2}, 5, 0, 2},
		{"a later page", SCIMPage{StartIndex: 3, Count: 2}, 5, 2, 4},
		{"the last, short page", SCIMPage{StartIndex: 5, Count: 2}, 5, 4, 5},
		{"past the end", SCIMPage{StartIndex: 9, Count: 2}, 5, 5, 5},
		{"count zero", SCIMPage{StartIndex: 1, Count: 0}, 5, 0, 0},
		{"start below one", SCIMPage{StartIndex: 0, Count: 3}, 5, 0, 3},
		{"nothing matches", SCIMPage{StartIndex: 1, Count: 100}, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if lo, hi := tc.page.window(tc.n); lo != tc.wantLo || hi != tc.hiW {
				t.Errorf("window(%d) = [%d, %d), want [%d, %d)", tc.n, lo, hi, tc.wantLo, tc.hiW)
			}
		})
	}
}
