package markdown

import (
	"errors"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

// forbiddenTags never appear in rendered output.
var forbiddenTags = []string{"script", "iframe", "svg", "style", "object", "embed", "form",
	"textarea", "select", "button", "math", "base", "link", "meta", "frame", "frameset", "video", "audio"}

var (
	onAttr       = regexp.MustCompile(`(?i)[\s/"']on[a-z]+\s*=`)
	quotedValues = regexp.MustCompile(`"[^"]*"|'[^']*'`)
)

// normalizeURL is what a browser would see: entities decoded, lower case,
// whitespace and control characters gone (jav&#x09;ascript: is javascript:).
func normalizeURL(s string) string {
	s = strings.ToLower(html.UnescapeString(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// unsafeMarkup reports why out is unsafe, or "". It looks at the markup:
// tags, attribute names and attribute values.
func unsafeMarkup(out string) string {
	z := xhtml.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return ""
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			raw := string(z.Raw())
			tok := z.Token()
			if slices.Contains(forbiddenTags, tok.Data) {
				return "forbidden tag " + raw
			}
			// An on*= outside quoted values is an attribute (inside them,
			// e.g. in an alt text, it is inert text).
			if onAttr.MatchString(quotedValues.ReplaceAllString(raw, `""`)) {
				return "event handler in " + raw
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					return "event handler attribute in " + raw
				}
				switch a.Key {
				case "style", "srcset", "formaction", "action", "xlink:href", "background":
					return "attribute " + a.Key + " in " + raw
				}
				v := normalizeURL(a.Val)
				for _, bad := range []string{"javascript:", "vbscript:", "data:", "file:"} {
					if strings.Contains(v, bad) {
						return bad + " in " + raw
					}
				}
				if a.Key == "href" || a.Key == "src" {
					if !(regexp.MustCompile(`^https?://[^/?#]`).MatchString(v) ||
						regexp.MustCompile(`^mailto:.`).MatchString(v) || strings.HasPrefix(v, "#fn")) {
						return "URL " + a.Val + " in " + raw
					}
				}
			}
			if tok.Data == "input" {
				var typ string
				var disabled bool
				for _, a := range tok.Attr {
					switch a.Key {
					case "type":
						typ = a.Val
					case "disabled":
						disabled = true
					}
				}
				if typ != "checkbox" || !disabled {
					return "input that is not a disabled checkbox: " + raw
				}
			}
		}
	}
}

// xssVectors are rendered with Render and RenderComment. visible is true
// when the payload is ordinary text the reader should see (escaped), so
// only the markup is checked; otherwise the output must not mention the
// payload at all.
var xssVectors = []struct {
	name    string
	src     string
	visible bool
}{
	{"javascript link", "[x](javascript:alert(1))", false},
	{"entity colon", "[x](javascript&colon;alert(1))", false},
	{"upper case", "[x](JAVASCRIPT:alert(1))", false},
	{"mixed case", "[x](JaVaScRiPt:alert(1))", false},
	{"tab entity", "[x](jav&#x09;ascript:alert(1))", false},
	{"decimal entity", "[x](&#106;avascript:alert(1))", false},
	{"hex entities", "[x](&#x6A;&#x61;vascript&#x3A;alert(1))", false},
	{"percent", "[x](%6Aavascript:alert(1))", false},
	{"angle destination", "[x](<javascript:alert(1)>)", false},
	{"leading space", "[x]( javascript:alert(1) )", false},
	{"vbscript", "[x](vbscript:msgbox(1))", false},
	{"data html link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", false},
	{"svg image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)", false},
	{"svg image plain", "![x](data:image/svg+xml,<svg onload=alert(1)>)", true}, // not a link: shows as text
	{"png data image", "![x](data:image/png;base64,iVBORw0KGgo=)", false},
	{"javascript image", "![x](javascript:alert(1))", false},
	{"raw anchor", `<a href="javascript:alert(1)">x</a>`, false},
	{"raw anchor entity", `<a href="javascript&colon;alert(1)">x</a>`, false},
	{"autolink", "<javascript:alert(1)>", true},
	{"autolink upper", "<JAVASCRIPT:alert(1)>", true},
	{"reference link", "[x][r]\n\n[r]: javascript:alert(1)", false},
	{"reference link entity", "[x][r]\n\n[r]: <javascript&colon;alert(1)> \"t\"", false},
	{"reference image", "![x][r]\n\n[r]: data:image/svg+xml;base64,PHN2Zz4=", false},
	{"collapsed reference", "[r][]\n\n[r]: JaVaScRiPt:alert(1)", false},
	{"footnote script label", "x[^\"><script>alert(1)</script>]\n\n[^\"><script>alert(1)</script>]: y", true},
	{"footnote quote label", "x[^\" onmouseover=\"alert(1)]\n\n[^\" onmouseover=\"alert(1)]: y", true},
	{"footnote link body", "x[^1]\n\n[^1]: [y](javascript:alert(1))", false},
	{"raw bold onclick", `<b onclick="alert(1)">b</b>`, false},
	{"raw img onerror", "<img src=x onerror=alert(1)>", false},
	{"raw script", "<script>alert(1)</script>", false},
	{"raw script block", "<script>\nalert(1)\n</script>\n\ntext", false},
	{"raw iframe", `<iframe src="https://evil.example/"></iframe>`, false},
	{"raw svg", "<svg onload=alert(1)><circle/></svg>", false},
	{"raw style", "<style>body{background:url(javascript:alert(1))}</style>", false},
	{"raw object embed", `<object data="x.swf"></object><embed src="x.swf">`, false},
	{"raw form", `<form action="https://evil.example"><input name="p" onfocus="alert(1)" autofocus></form>`, false},
	{"raw input in task", "- [ ] <input type=text onfocus=alert(1) autofocus>", false},
	{"raw details", "<details open ontoggle=alert(1)>", false},
	{"html comment", "<!-- <script>alert(1)</script> -->", false},
	{"title injection", `[x](https://example.com "a\" onmouseover=\"alert(1)")`, true},
	{"alt injection", `![a" onerror="alert(1)](https://example.com/a.png)`, true},
	{"quote in URL", `[x](https://example.com/" onmouseover="alert(1))`, true},
	{"quote in image URL", `![x](https://example.com/a.png" onerror="alert(1))`, true},
	{"autolink quote", `<https://example.com/" onmouseover="alert(1)>`, true},
	{"code fence info", "```\" onmouseover=\"alert(1)\nx\n```", true},
	{"attribute syntax", "# h {#id onclick=alert(1)}", true},
	{"protocol relative", "[x](//evil.example/a)", false},
	{"relative", "[x](/api/secret)", false},
	{"fragment", "[x](#top)", false},
	{"file", "[x](file:///etc/passwd)", false},
	{"no host", "0[](http://) [y](https:) [z](mailto:) ![w](https:///a.png)", false},
	{"nested", "[![x](javascript:alert(1))](javascript:alert(2))", false},
	{"entity-encoded tag", "&lt;script&gt;alert(1)&lt;/script&gt;", true},
}

func TestRenderXSSVectors(t *testing.T) {
	for _, v := range xssVectors {
		for _, r := range []struct {
			name string
			fn   func(string) (string, error)
		}{{"Render", Render}, {"RenderComment", RenderComment}} {
			out, err := r.fn(v.src)
			if err != nil {
				t.Errorf("%s %s: %v", r.name, v.name, err)
				continue
			}
			if why := unsafeMarkup(out); why != "" {
				t.Errorf("%s %s: %s\nsrc: %q\nout: %s", r.name, v.name, why, v.src, out)
			}
			lower := strings.ToLower(out)
			for _, bad := range []string{"<script", "<iframe", "<svg", "<style", "<object", "<embed", "<form"} {
				if strings.Contains(lower, bad) {
					t.Errorf("%s %s: output has %s: %s", r.name, v.name, bad, out)
				}
			}
			if v.visible {
				continue
			}
			n := normalizeURL(out)
			for _, bad := range []string{"javascript:", "vbscript:", "data:image/svg+xml", "data:", "onerror", "onload", "onclick", "onfocus", "ontoggle", "alert(", "msgbox("} {
				if strings.Contains(n, bad) {
					t.Errorf("%s %s: output mentions %q:\nsrc: %q\nout: %s", r.name, v.name, bad, v.src, out)
				}
			}
		}
	}
}

// Raw HTML is not passed through: goldmark omits it, and nothing of the
// tag survives (the text between tags does).
func TestRenderRawHTML(t *testing.T) {
	out, _ := Render(`hello <b onclick="alert(1)">bold</b> <img src=x onerror=alert(1)> world`)
	if strings.Contains(out, "<b") || strings.Contains(out, "<img") || strings.Contains(out, "onclick") ||
		strings.Contains(out, "onerror") || !strings.Contains(out, "hello") || !strings.Contains(out, "world") {
		t.Errorf("raw HTML: %s", out)
	}
	out, _ = Render("&lt;b&gt;escaped&lt;/b&gt; and 1 < 2 > 0")
	if !strings.Contains(out, "&lt;b&gt;escaped&lt;/b&gt;") || !strings.Contains(out, "1 &lt; 2 &gt; 0") {
		t.Errorf("escaped text: %s", out)
	}
}

func TestRenderTable(t *testing.T) {
	out, err := Render("| 事项 | 数量 |\n|:--|--:|\n| 审批 | 3 |\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<table>", "<thead>", `<th align="left">事项</th>`, `<td align="right">3</td>`} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %s:\n%s", want, out)
		}
	}
}

func TestRenderTaskList(t *testing.T) {
	out, err := Render("- [x] 已办\n- [ ] 待办\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `<input checked="" disabled="" type="checkbox"> 已办`) ||
		!strings.Contains(out, `<input disabled="" type="checkbox"> 待办`) {
		t.Errorf("task list:\n%s", out)
	}
	if why := unsafeMarkup(out); why != "" {
		t.Error(why)
	}
}

func TestRenderFootnote(t *testing.T) {
	out, err := Render("依据文件[^1]。\n\n[^1]: 《办法》第三条。\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref"`,
		`<div class="footnotes" role="doc-endnotes">`,
		`<li id="fn:1">`, `《办法》第三条。`,
		`<a href="#fnref:1" class="footnote-backref" role="doc-backlink"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("footnote output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `target=`) {
		t.Errorf("in-page footnote links open in a new tab:\n%s", out)
	}
}

func TestRenderChinese(t *testing.T) {
	src := "## 经验总结\n\n在**跨部门协同**中，要~~先~~提前沟通。\n第二行紧接着。"
	out, err := Render(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2>经验总结</h2>", "在<strong>跨部门协同</strong>中，要<del>先</del>提前沟通。第二行紧接着。"} {
		if !strings.Contains(out, want) {
			t.Errorf("Chinese output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, " id=") {
		t.Errorf("heading got an id: %s", out)
	}
}

func relTokens(t *testing.T, out string) (rel []string, target string) {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && n.Data == "a" {
			rel = strings.Fields(attr(n, "rel"))
			target = attr(n, "target")
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return rel, target
}

func TestRenderLinks(t *testing.T) {
	for _, src := range []string{"[政务网](https://www.gov.cn/)", "<https://www.gov.cn/>", "www.gov.cn", "[x](HTTPS://www.gov.cn/)"} {
		out, err := Render(src)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, `href="http`) {
			t.Errorf("%q: no link: %s", src, out)
		}
		rel, target := relTokens(t, out)
		for _, want := range []string{"nofollow", "noopener", "noreferrer"} {
			if !slices.Contains(rel, want) {
				t.Errorf("%q: rel %v lacks %s: %s", src, rel, want, out)
			}
		}
		if target != "_blank" {
			t.Errorf("%q: target %q: %s", src, target, out)
		}
	}

	out, _ := Render("[写信](mailto:office@example.gov.cn) 或 office2@example.gov.cn")
	if !strings.Contains(out, `href="mailto:office@example.gov.cn"`) || !strings.Contains(out, `href="mailto:office2@example.gov.cn"`) {
		t.Errorf("mailto: %s", out)
	}

	out, _ = Render(`[x](https://example.com/a?b=1&c=2 "标题")`)
	if !strings.Contains(out, `href="https://example.com/a?b=1&amp;c=2"`) || !strings.Contains(out, `title="标题"`) {
		t.Errorf("query and title: %s", out)
	}
}

func TestRenderImagesAndCode(t *testing.T) {
	out, _ := Render("![示意图](https://example.com/a.png \"图\")")
	if !strings.Contains(out, `<img src="https://example.com/a.png" alt="示意图" title="图">`) {
		t.Errorf("image: %s", out)
	}
	out, _ = Render("![示意图](data:image/png;base64,iVBORw0KGgo=)")
	if strings.Contains(out, "<img") || !strings.Contains(out, "示意图") {
		t.Errorf("data: image should become its alt text: %s", out)
	}
	out, _ = Render("```go\nif a < b && c {\n}\n```")
	if !strings.Contains(out, `<pre><code class="language-go">if a &lt; b &amp;&amp; c {`) {
		t.Errorf("code block: %s", out)
	}
	out, _ = Render("1. a\n2. b\n\n---\n\n> 引用\n\n3) c\n\n`x<y`")
	for _, want := range []string{"<ol>", "<hr>", "<blockquote>", `<ol start="3">`, "<code>x&lt;y</code>"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %s: %s", want, out)
		}
	}
}

func TestRenderSize(t *testing.T) {
	if _, err := Render(strings.Repeat("a", MaxBodyBytes)); err != nil {
		t.Errorf("MaxBodyBytes: %v", err)
	}
	if _, err := Render(strings.Repeat("a", MaxBodyBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBodyBytes+1: %v, want ErrTooLarge", err)
	}
	if _, err := RenderComment(strings.Repeat("a", MaxBodyBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("comment MaxBodyBytes+1: %v, want ErrTooLarge", err)
	}
	// A source within MaxBodyBytes whose HTML would not fit body_html.
	refs := strings.Repeat("a[^1]", 30_000) + "\n\n[^1]: x"
	if _, err := Render(refs); !errors.Is(err, ErrTooLarge) {
		t.Errorf("30,000 footnote references: %v, want ErrTooLarge", err)
	}
	if out, err := Render(strings.Repeat("- a\n", MaxBodyBytes/4)); err != nil || len(out) > MaxHTMLBytes {
		t.Errorf("a long list: %d bytes, %v", len(out), err)
	}
	// Too big is an error for Render, but the text helpers just read the
	// first MaxBodyBytes (without splitting a character).
	big := strings.Repeat("中", MaxBodyBytes/3+10)
	if s := PlainText(big); !utf8.ValidString(s) || len(s) > MaxBodyBytes || len(s) < MaxBodyBytes-3 {
		t.Errorf("PlainText of a too-large body: %d bytes", len(s))
	}
}

func TestRenderInvalidUTF8(t *testing.T) {
	out, err := Render("a\xff\xfeb **c**")
	if err != nil || !utf8.ValidString(out) || !strings.Contains(out, "<strong>c</strong>") {
		t.Errorf("Render(invalid UTF-8) = %q, %v", out, err)
	}
}

func TestRenderComment(t *testing.T) {
	cases := []struct{ src, want, not string }{
		{"# 不是标题", "<p># 不是标题</p>", "<h1"},
		{"标题\n===", "<p>标题\n===</p>", "<h1"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "| a | b |", "<table"},
		{"![图](https://example.com/a.png)", `<a href="https://example.com/a.png" rel="nofollow noreferrer noopener" target="_blank">图</a>`, "<img"},
		{"[![图](https://example.com/a.png)](https://example.com/)", `<a href="https://example.com/" rel="nofollow noreferrer noopener" target="_blank">图</a>`, "<img"},
		{"![图](data:image/svg+xml;base64,PHN2Zz4=)", "<p>图</p>", "data:"},
		{"@alice 请看 **这里** [链接](https://example.com)", "<p>@alice 请看 <strong>这里</strong> <a href", "<h"},
		{"- [x] 已办", `<input checked="" disabled="" type="checkbox"> 已办`, "<img"},
	}
	for _, c := range cases {
		out, err := RenderComment(c.src)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, c.want) || strings.Contains(out, c.not) {
			t.Errorf("RenderComment(%q) = %s\nwant %s, not %s", c.src, out, c.want, c.not)
		}
	}
}

func TestMentions(t *testing.T) {
	cases := []struct {
		src  string
		want []string
	}{
		{"@alice 请处理", []string{"alice"}},
		{"请 @Alice 和 @bob.smith 看一下。", []string{"alice", "bob.smith"}},
		{"@alice, @alice and @ALICE", []string{"alice"}},
		{"结尾的句号 @carol.", []string{"carol"}},
		{"中文紧跟@dave_1处理", []string{"dave_1"}},
		{"（@erin）【@frank-2】", []string{"erin", "frank-2"}},
		{"**@grace** _@heidi_ [@ivan](https://example.com/)", []string{"grace", "heidi", "ivan"}},
		{"邮件 judy@example.com 或 <mallory@example.com> 或 @kim@example.com", nil},
		{"`@code` and\n\n```\n@block\n```\n\n    @indented", nil},
		{"https://example.com/@leo and www.example.com/@mia", nil},
		{"@ @a @-bad @.bad @_bad", nil},
		{"@" + strings.Repeat("x", 51), nil},
		{"@" + strings.Repeat("x", 50), []string{strings.Repeat("x", 50)}},
		{"> @nina 引用里也算\n\n- @oscar 列表里也算", []string{"nina", "oscar"}},
		{"a@bob", nil},
		{"", nil},
	}
	for _, c := range cases {
		if got := Mentions(c.src); !slices.Equal(got, c.want) {
			t.Errorf("Mentions(%q) = %q, want %q", c.src, got, c.want)
		}
	}
	// The rendered comment keeps the mention as plain text.
	out, _ := RenderComment("@alice 请看")
	if out != "<p>@alice 请看</p>\n" {
		t.Errorf("RenderComment with a mention = %q", out)
	}
}

func TestPlainText(t *testing.T) {
	src := "# 标题\n\n正文**加粗**和[链接](https://example.com)，`代码`。\n\n" +
		"- [x] 已办\n- [ ] 待办\n\n| 事项 | 数量 |\n|---|---|\n| 审批 | 3 |\n\n" +
		"![示意图](https://example.com/a.png) 脚注[^1]\n\n<b>raw</b> &amp; &lt;\n\n[^1]: 说明。\n"
	want := "标题\n\n正文加粗和链接，代码。\n\n已办\n待办\n\n事项\t数量\n审批\t3\n\n示意图 脚注\n\nraw & <\n\n说明。"
	if got := PlainText(src); got != want {
		t.Errorf("PlainText =\n%q\nwant\n%q", got, want)
	}
	if got := PlainText("<script>alert(1)</script>"); got != "" {
		t.Errorf("PlainText(script) = %q", got)
	}
	if got := PlainText(""); got != "" {
		t.Errorf("PlainText(\"\") = %q", got)
	}
}

// goldmark and bluemonday values are shared; rendering must be safe from
// many goroutines (run with -race where cgo is available).
func TestRenderConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	want, _ := Render("# a\n\n| x |\n|---|\n| 1 |\n\n[l](https://e.com) @bob [^1]\n\n[^1]: n")
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				got, _ := Render("# a\n\n| x |\n|---|\n| 1 |\n\n[l](https://e.com) @bob [^1]\n\n[^1]: n")
				if got != want {
					t.Errorf("concurrent Render differs: %s", got)
					return
				}
				_, _ = RenderComment(fmt.Sprint("@u", j))
				_ = Mentions("@bob")
				_ = PlainText("*x*")
			}
		}()
	}
	wg.Wait()
}

// TestEscape: plain text renders as itself — no links, markup or HTML —
// with its lines kept.
func TestEscape(t *testing.T) {
	src := "各单位：\n请于12月1日前报送 *名单* [见附件](javascript:alert(1)) <b>加粗</b> &amp; # 标题\n\n西城市人民政府"
	html, err := Render(Escape(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<em>", "<a ", "<b>", "<h1>", "javascript:alert(1)\""} {
		if strings.Contains(html, bad) {
			t.Fatalf("%q rendered markup %q: %s", src, bad, html)
		}
	}
	for _, want := range []string{"*名单*", "[见附件](javascript:alert(1))", "&lt;b&gt;加粗&lt;/b&gt;", "&amp;amp;", "# 标题", "<br"} {
		if !strings.Contains(html, want) {
			t.Fatalf("%q missing from %s", want, html)
		}
	}
}
