package search

import (
	"strings"
	"testing"
)

// render shows hits as [..] for compact assertions.
func render(sp []Span) string {
	var b strings.Builder
	for _, s := range sp {
		if s.Hit {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestHighlight(t *testing.T) {
	cases := []struct{ text, q, want string }{
		{"个体工商户办理营业执照的流程", "营业执照", "个体工商户办理[营业执照]的流程"},
		{"ＩＣＰ备案与营业执照", "icp 执照", "[ＩＣＰ]备案与营业[执照]"}, // original full-width kept
		{"ICP备案、ICPx许可", "ICP", "[ICP]备案、ICPx许可"},  // whole words only
		{"营业场所与执照", "营", "[营]业场所与执照"},
		{"<script>alert(1)</script>营业", "营业", "<script>alert(1)</script>[营业]"},
		{"无关内容", "营业", "无关内容"},
		{"2024年度社保缴费基数", "2024 社保缴费", "[2024]年度[社保缴费]基数"},
	}
	for _, c := range cases {
		if got := render(Highlight(c.text, c.q)); got != c.want {
			t.Errorf("Highlight(%q, %q) = %q, want %q", c.text, c.q, got, c.want)
		}
	}
	// markup in the text stays text inside a span, never a marker
	for _, s := range Highlight("<b>营业</b>", "营业") {
		if s.Hit && s.Text != "营业" {
			t.Errorf("hit span %q", s.Text)
		}
	}
}

func TestSnippet(t *testing.T) {
	body := strings.Repeat("前文", 30) + "应当依法取得食品经营许可证" + strings.Repeat("后文", 30)
	got := render(Snippet(body, "食品经营许可证", 20))
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || !strings.Contains(got, "[食品经营许可证]") {
		t.Errorf("Snippet = %q", got)
	}
	if n := len([]rune(strings.ReplaceAll(strings.ReplaceAll(strings.Trim(got, "…"), "[", ""), "]", ""))); n != 20 {
		t.Errorf("window of %d runes, want 20", n)
	}
	if got := render(Snippet("短文本营业执照", "执照", 20)); got != "短文本营业[执照]" {
		t.Errorf("short Snippet = %q", got)
	}
	if got := render(Snippet(strings.Repeat("无", 30), "营业", 10)); got != strings.Repeat("无", 10)+"…" {
		t.Errorf("no-match Snippet = %q", got)
	}
	// a match at the very end stays inside the window
	end := strings.Repeat("文", 50) + "营业执照"
	if got := render(Snippet(end, "营业执照", 12)); !strings.HasSuffix(got, "[营业执照]") {
		t.Errorf("end Snippet = %q", got)
	}
}
