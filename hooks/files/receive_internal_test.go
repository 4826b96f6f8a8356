package files

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestWindow: content in memory is read like a file, and a window of it is
// the same bytes as a read from a file would give.
func TestWindow(t *testing.T) {
	data := []byte("0123456789")
	mem := memContent(data)
	file := strings.NewReader(string(data))
	for _, c := range []struct{ off, n int64 }{{0, 4}, {3, 7}, {6, 10}, {0, 10}, {10, 2}} {
		got, err := window(mem, c.off, c.n)
		want, err2 := window(file, c.off, c.n)
		if err != nil || err2 != nil || !bytes.Equal(got, want) {
			t.Errorf("window(%d, %d): %q %v, from a file %q %v", c.off, c.n, got, err, want, err2)
		}
		if len(got) > 0 && cap(got) != len(got) {
			t.Errorf("window(%d, %d) can grow into the content", c.off, c.n)
		}
	}
	p := make([]byte, 4)
	if n, err := mem.ReadAt(p, 8); n != 2 || err != io.EOF || string(p[:n]) != "89" {
		t.Errorf("ReadAt at the end: %d %v %q", n, err, p[:n])
	}
	if n, err := mem.ReadAt(p, 2); n != 4 || err != nil || string(p) != "2345" {
		t.Errorf("ReadAt: %d %v %q", n, err, p)
	}
	if _, err := mem.ReadAt(p, 11); err != io.EOF {
		t.Errorf("ReadAt past the end: %v", err)
	}
}
