package mailin

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse: no input panics, output stays bounded, and a message that is
// not quarantined is a usable one.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	lim := DefaultLimits()
	lim.MaxBytes, lim.MaxExpanded = 1<<20, 8<<20
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, lim)
		if err != nil {
			var qe *QuarantineError
			if !errors.As(err, &qe) || qe.Code == "" || qe.Reason == "" {
				t.Fatalf("not a quarantine: %v", err)
			}
			return
		}
		if m == nil {
			t.Fatal("nil message without error")
		}
		if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.From) {
			t.Fatal("invalid UTF-8 out")
		}
		if len(m.Attachments) > lim.MaxAttachments {
			t.Fatalf("%d attachments", len(m.Attachments))
		}
		var total int
		for _, a := range m.Attachments {
			if a.Name == "" || !utf8.ValidString(a.Name) || len([]rune(a.Name)) > 200 {
				t.Fatalf("attachment name %q", a.Name)
			}
			total += len(a.Data)
		}
		if int64(total) > lim.MaxBytes*2 {
			t.Fatalf("%d attachment bytes from %d raw", total, len(raw))
		}
	})
}
