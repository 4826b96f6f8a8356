package markdown

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzRender(f *testing.F) {
	for _, v := range xssVectors {
		f.Add(v.src)
	}
	for _, s := range []string{
		"", "# 标题\n\n正文", "| a |\n|---|\n| 1 |", "- [ ] x", "x[^1]\n\n[^1]: y",
		"@alice @bob.smith a@b.c", "<https://example.com/>", "www.example.com/@x",
		"[a]: <javascript:x>\n[b][a]", "![](<data:image/svg+xml,<svg/onload=alert(1)>>)",
		"*a **b _c ~~d `e` f~~ g_ h** i*", "> - [x] > ```\n<script>\n```",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, r := range []func(string) (string, error){Render, RenderComment} {
			out, err := r(src)
			if err != nil {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("error for %d bytes: %v", len(src), err)
				}
				continue
			}
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 output for %q", src)
			}
			if strings.Contains(strings.ToLower(out), "<script") {
				t.Fatalf("<script in output\nsrc: %q\nout: %s", src, out)
			}
			// javascript: and on*= are checked in the markup (tags and
			// attribute values, decoded, lower-cased, whitespace removed):
			// as escaped text they are harmless and may legitimately show.
			if why := unsafeMarkup(out); why != "" {
				t.Fatalf("%s\nsrc: %q\nout: %s", why, src, out)
			}
		}
		_ = Mentions(src)
		_ = PlainText(src)
	})
}
