// Package markdown renders the Markdown users write (case bodies, notices,
// comments) to sanitized HTML, and reads plain text and @mentions from it.
//
// The pipeline is goldmark (CommonMark + GFM + footnotes) followed by a
// bluemonday allow-list. Either stage alone is meant to be safe; together
// they are defence in depth:
//
//   - goldmark runs without html.WithUnsafe: raw HTML in the source is
//     replaced by an "omitted" comment (which the sanitizer then drops), and
//     javascript:, vbscript:, file: and non-image data: destinations render as
//     empty hrefs. goldmark >= v1.8.7 is required (older versions let
//     entity-encoded schemes such as javascript&colon; through).
//   - headings get no id attributes (no parser.WithAutoHeadingID, no
//     parser.WithAttribute), so user text can't clobber DOM ids.
//   - the sanitizer is built from an empty policy rather than UGCPolicy, so
//     everything not listed below is removed: no style, no class except the
//     few goldmark emits (language-*, footnote classes), no iframe, form,
//     object, svg or any on* handler.
//   - URLs must parse and use http, https or mailto. The only relative URLs
//     are the in-page footnote fragments (#fn:1, #fnref:1), matched by an
//     exact pattern; ids are allowed only on footnote elements.
//   - every link gets rel="nofollow noreferrer"; links to another host also
//     get target="_blank" and rel "noopener".
//   - images may come only from http(s) URLs (no data:, so no inline SVG).
//   - the only form control is the disabled checkbox GFM task lists render.
//
// RenderComment is the same with fewer features: no headings (the "#" stays
// text), no tables, no images (an image becomes a link to its URL).
package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxBodyBytes is the largest Markdown source Render and RenderComment
// accept, in bytes (the cases.body field holds 200,000 characters).
const MaxBodyBytes = 200_000

// MaxHTMLBytes bounds the rendered HTML (cases.body_html holds 1,000,000
// characters). Small sources can expand a lot: each of 40,000 "[^1]"
// references adds a back-link to the footnote, about 9 MB in all.
const MaxHTMLBytes = 1_000_000

// ErrTooLarge is returned (wrapped, test with errors.Is) for a source
// longer than MaxBodyBytes or HTML longer than MaxHTMLBytes.
var ErrTooLarge = errors.New("markdown too large")

var (
	bodyMarkdown    = newMarkdown(false)
	commentMarkdown = newMarkdown(true)
	bodyPolicy      = newPolicy(false)
	commentPolicy   = newPolicy(true)
)

// Render turns a case body into sanitized HTML.
func Render(src string) (string, error) {
	return render(src, bodyMarkdown, bodyPolicy)
}

// RenderComment turns a comment into sanitized HTML: like Render without
// headings, tables or images. An @username stays plain text.
func RenderComment(src string) (string, error) {
	return render(src, commentMarkdown, commentPolicy)
}

func render(src string, md goldmark.Markdown, p *bluemonday.Policy) (string, error) {
	if len(src) > MaxBodyBytes {
		return "", fmt.Errorf("%w: the source is larger than %d bytes", ErrTooLarge, MaxBodyBytes)
	}
	src = strings.ToValidUTF8(src, "\uFFFD")
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	tooBig := fmt.Errorf("%w: the HTML is larger than %d bytes", ErrTooLarge, MaxHTMLBytes)
	if buf.Len() > MaxHTMLBytes {
		return "", tooBig // before sanitizing, which costs more
	}
	out := p.Sanitize(buf.String())
	if len(out) > MaxHTMLBytes {
		return "", tooBig
	}
	return out, nil
}

func newMarkdown(comment bool) goldmark.Markdown {
	exts := []goldmark.Extender{
		extension.Linkify,
		extension.Strikethrough,
		extension.TaskList,
		extension.Footnote,
		// A soft line break between two Chinese characters renders as
		// nothing rather than as a space.
		extension.NewCJK(extension.WithEastAsianLineBreaks()),
	}
	blocks := parser.DefaultBlockParsers()
	if comment {
		// parser.DefaultBlockParsers without the ATX and setext heading
		// parsers: "# x" stays text.
		blocks = []util.PrioritizedValue{
			util.Prioritized(parser.NewThematicBreakParser(), 200),
			util.Prioritized(parser.NewListParser(), 300),
			util.Prioritized(parser.NewListItemParser(), 400),
			util.Prioritized(parser.NewCodeBlockParser(), 500),
			util.Prioritized(parser.NewFencedCodeBlockParser(), 700),
			util.Prioritized(parser.NewBlockquoteParser(), 800),
			util.Prioritized(parser.NewHTMLBlockParser(), 900),
			util.Prioritized(parser.NewParagraphParser(), 1000),
		}
	} else {
		// Alignment as an align attribute: style attributes are not allowed.
		exts = append(exts, extension.NewTable(
			extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)))
	}
	transformers := []util.PrioritizedValue{util.Prioritized(destinations{comment: comment}, 100)}
	return goldmark.New(
		goldmark.WithParser(parser.NewParser(
			parser.WithBlockParsers(blocks...),
			parser.WithInlineParsers(parser.DefaultInlineParsers()...),
			parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
			parser.WithASTTransformers(transformers...),
		)),
		goldmark.WithExtensions(exts...),
		// No html.WithUnsafe: raw HTML is omitted, dangerous URLs dropped.
	)
}

// destinations is an AST transformer run before rendering. It unwraps
// links and images whose destination the sanitizer would refuse (so the
// reader sees the text rather than a dead link or an empty <img>) and, for
// comments, turns ![alt](url) into [alt](url); an image inside a link
// becomes its alt text.
type destinations struct{ comment bool }

func (d destinations) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var nodes []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && (n.Kind() == ast.KindLink || n.Kind() == ast.KindImage) {
			nodes = append(nodes, n)
		}
		return ast.WalkContinue, nil
	})
	// Innermost first, so an unwrapped image's parent is still in place.
	for i := len(nodes) - 1; i >= 0; i-- {
		switch n := nodes[i].(type) {
		case *ast.Link:
			if !allowedLink(destination(n.Destination)) {
				unwrap(n)
			}
		case *ast.Image:
			switch {
			case d.comment && insideLink(n):
				unwrap(n)
			case d.comment:
				link := ast.NewLink()
				link.Destination = n.Destination
				link.Title = n.Title
				moveChildren(link, n)
				n.Parent().ReplaceChild(n.Parent(), n, link)
				if !allowedLink(destination(link.Destination)) {
					unwrap(link)
				}
			case !allowedImage(destination(n.Destination)):
				unwrap(n)
			}
		}
	}
}

// destination is a link destination as the browser would read it.
func destination(b []byte) string {
	return strings.TrimSpace(html.UnescapeString(string(b)))
}

func insideLink(n ast.Node) bool {
	for a := n.Parent(); a != nil; a = a.Parent() {
		if a.Kind() == ast.KindLink || a.Kind() == ast.KindAutoLink {
			return true
		}
	}
	return false
}

// unwrap replaces n by its children.
func unwrap(n ast.Node) {
	parent := n.Parent()
	if parent == nil {
		return
	}
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}

func moveChildren(dst, src ast.Node) {
	for c := src.FirstChild(); c != nil; {
		next := c.NextSibling()
		dst.AppendChild(dst, c)
		c = next
	}
}

var (
	// Footnote ids as goldmark writes them: fn:1, fnref:1, fnref2:1.
	footnoteID   = regexp.MustCompile(`^fn(ref)?[-:0-9A-Za-z]+$`)
	footnoteHref = regexp.MustCompile(`^#fn(ref)?[-:0-9A-Za-z]+$`)
	// Links: absolute http(s)/mailto, or an in-page footnote fragment. The
	// sanitizer additionally requires the URL to parse with an allowed scheme.
	linkHref = regexp.MustCompile(`^(?i:https?://|mailto:)|^#fn(ref)?[-:0-9A-Za-z]+$`)
	imageSrc = regexp.MustCompile(`^(?i:https?://)`)
)

func hasHost(u *url.URL) bool { return u.Hostname() != "" }

// allowedLink and allowedImage are the sanitizer's URL rules, applied to
// the Markdown AST first.
func allowedLink(dest string) bool {
	if footnoteHref.MatchString(dest) {
		return true
	}
	u, err := url.Parse(dest)
	if err != nil || !linkHref.MatchString(dest) {
		return false
	}
	if u.Scheme == "mailto" {
		return u.Opaque != ""
	}
	return hasHost(u)
}

func allowedImage(dest string) bool {
	u, err := url.Parse(dest)
	return err == nil && imageSrc.MatchString(dest) && hasHost(u)
}

func newPolicy(comment bool) *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.RequireParseableURLs(true)
	// http(s) URLs need a host ("http:" alone would be the page itself),
	// mailto an address.
	p.AllowURLSchemeWithCustomPolicy("http", hasHost)
	p.AllowURLSchemeWithCustomPolicy("https", hasHost)
	p.AllowURLSchemeWithCustomPolicy("mailto", func(u *url.URL) bool { return u.Opaque != "" })
	// Needed for the footnote fragments; linkHref and imageSrc keep any
	// other relative URL out.
	p.AllowRelativeURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true) // also adds rel="noopener"

	p.AllowElements("p", "br", "hr", "blockquote", "pre", "em", "strong", "del",
		"ul", "ol", "li")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,40}$`)).OnElements("code")
	p.AllowElements("code")

	p.AllowAttrs("href").Matching(linkHref).OnElements("a")
	p.AllowAttrs("title").OnElements("a")

	// Task lists: <input checked="" disabled="" type="checkbox">. Raw HTML
	// never reaches the sanitizer, so goldmark's is the only input there is.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^(|checked|disabled)$`)).OnElements("input")

	// Footnotes.
	p.AllowAttrs("id").Matching(footnoteID).OnElements("sup", "li", "a")
	p.AllowElements("sup")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^footnote-(ref|backref)$`)).OnElements("a")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-(noteref|backlink)$`)).OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^footnotes$`)).OnElements("div")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-endnotes$`)).OnElements("div")

	if !comment {
		p.AllowElements("h1", "h2", "h3", "h4", "h5", "h6")
		p.AllowElements("table", "thead", "tbody", "tr", "th", "td")
		p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
		p.AllowAttrs("src").Matching(imageSrc).OnElements("img")
		p.AllowAttrs("alt", "title").OnElements("img")
	}
	return p
}

// isUsernameByte reports a character usernames may contain.
func isUsernameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// Usernames are 2-50 characters and start with a letter or digit
// (hooks/org usernameShape); Mentions applies the same rule.
const maxUsername = 50

// Mentions lists the @username tokens of a comment, lowercased, without
// duplicates, in order of first appearance. Text in code spans, code blocks
// and mailto links does not count, nor does an "@" preceded by a username
// character, "/" or "@" (email addresses, URL paths). A trailing "." is
// taken as punctuation. A source larger than MaxBodyBytes is read up to that
// size.
func Mentions(src string) []string {
	doc := parseRendered(truncate(src), commentMarkdown, commentPolicy)
	if doc == nil {
		return nil
	}
	var b strings.Builder
	textOf(&b, doc, true)
	s := b.String()

	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		if i > 0 && (isUsernameByte(s[i-1]) || s[i-1] == '/' || s[i-1] == '@') {
			continue
		}
		j := i + 1
		for j < len(s) && isUsernameByte(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '@' {
			i = j
			continue
		}
		name := strings.TrimRight(s[i+1:j], ".")
		i = j - 1
		if len(name) < 2 || len(name) > maxUsername || !isAlnum(name[0]) {
			continue
		}
		name = strings.ToLower(name)
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// PlainText is the text of a case body without markup, for the search index
// and summaries: blocks end in a newline, table cells are separated by a
// tab, images contribute their alt text, code is kept, footnote back-links
// and task-list boxes are dropped. A source larger than MaxBodyBytes is read
// up to that size.
func PlainText(src string) string {
	doc := parseRendered(truncate(src), bodyMarkdown, bodyPolicy)
	if doc == nil {
		return ""
	}
	var b strings.Builder
	textOf(&b, doc, false)
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func truncate(src string) string {
	if len(src) <= MaxBodyBytes {
		return src
	}
	i := MaxBodyBytes
	for i > 0 && !utf8.RuneStart(src[i]) {
		i--
	}
	return src[:i]
}

func parseRendered(src string, md goldmark.Markdown, p *bluemonday.Policy) *html.Node {
	out, err := render(src, md, p)
	if err != nil {
		return nil
	}
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return nil
	}
	return doc
}

// textOf writes the text of n. Block elements end in a newline. For
// mentions, code and mailto links become a space so their "@" don't count.
func textOf(b *strings.Builder, n *html.Node, mentions bool) {
	switch n.Type {
	case html.TextNode:
		// Skip the newlines goldmark puts between block elements.
		if n.Parent != nil && isContainer(n.Parent.DataAtom) && strings.TrimSpace(n.Data) == "" {
			return
		}
		b.WriteString(n.Data)
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Code, atom.Pre:
			if mentions {
				b.WriteByte(' ')
				return
			}
		case atom.A:
			if c := attr(n, "class"); c == "footnote-backref" || c == "footnote-ref" {
				return // the back-link arrow and the reference number
			}
			if mentions && strings.HasPrefix(strings.ToLower(attr(n, "href")), "mailto:") {
				b.WriteByte(' ')
				return
			}
		case atom.Img:
			b.WriteString(attr(n, "alt"))
			return
		case atom.Br:
			b.WriteByte('\n')
			return
		case atom.Hr:
			b.WriteString("\n\n")
			return
		case atom.Td, atom.Th:
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				textOf(b, c, mentions)
			}
			b.WriteByte('\t')
			return
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		textOf(b, c, mentions)
	}
	if n.Type == html.ElementNode && isBlock(n.DataAtom) {
		b.WriteByte('\n')
		if n.DataAtom == atom.P || n.DataAtom == atom.Pre || isHeading(n.DataAtom) ||
			n.DataAtom == atom.Table || n.DataAtom == atom.Blockquote {
			b.WriteByte('\n')
		}
	}
}

func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Pre, atom.Blockquote, atom.Li, atom.Ul, atom.Ol, atom.Tr,
		atom.Table, atom.Div:
		return true
	}
	return isHeading(a)
}

// isContainer reports elements whose children are blocks or rows.
func isContainer(a atom.Atom) bool {
	switch a {
	case atom.Ul, atom.Ol, atom.Table, atom.Thead, atom.Tbody, atom.Tr, atom.Div,
		atom.Blockquote, atom.Body:
		return true
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// Escape makes plain text (a mail's body) Markdown that renders as the
// same text: every ASCII punctuation mark escaped, each line break kept.
func Escape(text string) string {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, l := range lines {
		for _, r := range l {
			if r < 0x80 && strings.ContainsRune("\\`*_{}[]()#+-.!|<>&~=\"'$%:;,?@^/", r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		if i < len(lines)-1 {
			if strings.TrimSpace(l) != "" && i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
				b.WriteString("  ") // a hard break: the line stays a line
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}
