package notices

import (
	"bytes"
	"encoding/xml"
	"html/template"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
)

// 政务公开: notices marked 主动公开 and approved by a leader of the
// publishing unit are served without login at /public/ (list and page) and
// /public/feed.atom. Nothing else ever is: every query below holds the
// same condition, and withdrawing a notice removes it.

// publicWhere is the one condition of everything public.
func publicWhere() dbx.Expression {
	return dbx.And(dbx.HashExp{"public_state": "approved", "status": "published", "parent": ""},
		dbx.NewExp("(expires_at = '' OR expires_at > {:pubnow})", dbx.Params{"pubnow": types.NowDateTime().String()}))
}

const publicPageSize = 50

type publicItem struct {
	ID        string
	Title     string
	Category  string
	UnitName  string
	Published time.Time
	Updated   time.Time
	BodyHTML  template.HTML
}

func (m *Module) publicItems(app core.App, limit int) ([]publicItem, error) {
	var recs []*core.Record
	if err := app.RecordQuery(NoticesTable).Where(publicWhere()).OrderBy("published_at DESC", "id").
		Limit(int64(limit)).All(&recs); err != nil {
		return nil, err
	}
	out := make([]publicItem, 0, len(recs))
	for _, r := range recs {
		out = append(out, publicOf(app, r))
	}
	return out, nil
}

func publicOf(app core.App, r *core.Record) publicItem {
	updated := r.GetDateTime("published_at").Time()
	if c := r.GetDateTime("corrected_at"); !c.IsZero() {
		updated = c.Time()
	}
	// body_html is the sanitizer's output (markdown package), safe to embed
	return publicItem{ID: r.Id, Title: r.GetString("title"), Category: r.GetString("category"),
		UnitName: unitName(app, r.GetString("unit")), Published: r.GetDateTime("published_at").Time(), Updated: updated,
		BodyHTML: template.HTML(r.GetString("body_html"))}
}

var publicTmpl = template.Must(template.New("public").Funcs(template.FuncMap{
	"day": func(t time.Time) string { return t.In(api.Shanghai).Format("2006-01-02") },
}).Parse(`{{define "head"}}<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · 政务公开</title>
<link rel="stylesheet" href="/css/public.css">
<link rel="alternate" type="application/atom+xml" title="政务公开" href="/public/feed.atom">
</head><body><header><a href="/public/">政务公开</a></header><main>{{end}}
{{define "foot"}}</main><footer>本页面内容为主动公开的政府信息。<a href="/public/feed.atom">订阅（Atom）</a></footer></body></html>{{end}}
{{define "list"}}{{template "head" "通知公告"}}
<h1>通知公告</h1>
{{if .}}<ul class="notices">{{range .}}<li><a href="/public/{{.ID}}">{{.Title}}</a>
<span class="meta">{{.UnitName}} · {{.Category}} · {{day .Published}}</span></li>{{end}}</ul>
{{else}}<p class="empty">暂无公开的通知公告。</p>{{end}}
{{template "foot"}}{{end}}
{{define "page"}}{{template "head" .Title}}
<article><h1>{{.Title}}</h1>
<p class="meta">{{.UnitName}} · {{.Category}} · 发布于 {{day .Published}}{{if ne (day .Updated) (day .Published)}} · 更正于 {{day .Updated}}{{end}}</p>
<div class="body">{{.BodyHTML}}</div></article>
<p><a href="/public/">返回列表</a></p>
{{template "foot"}}{{end}}`))

func writeHTML(e *core.RequestEvent, name string, data any) error {
	var buf bytes.Buffer
	if err := publicTmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := e.Response.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache") // a withdrawal shows at once
	e.Response.WriteHeader(http.StatusOK)
	_, err := e.Response.Write(buf.Bytes())
	return err
}

// HandlePublicList is GET /public/: the approved 主动公开 notices, newest first.
func (m *Module) HandlePublicList(e *core.RequestEvent) error {
	items, err := m.publicItems(e.App, publicPageSize)
	if err != nil {
		return err
	}
	return writeHTML(e, "list", items)
}

// HandlePublicPage is GET /public/{id}: one approved 主动公开 notice; any
// other id is a plain 404 page.
func (m *Module) HandlePublicPage(e *core.RequestEvent) error {
	var recs []*core.Record
	err := e.App.RecordQuery(NoticesTable).Where(dbx.And(publicWhere(), dbx.HashExp{"id": e.Request.PathValue("id")})).
		Limit(1).All(&recs)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		e.Response.Header().Set("Content-Type", "text/html; charset=utf-8")
		e.Response.WriteHeader(http.StatusNotFound)
		_, err := e.Response.Write([]byte("<!doctype html><meta charset=utf-8><title>未找到</title><p>未找到该公开信息。<a href=\"/public/\">返回列表</a></p>"))
		return err
	}
	return writeHTML(e, "page", publicOf(e.App, recs[0]))
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomEntry struct {
	Title     string      `xml:"title"`
	ID        string      `xml:"id"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Link      atomLink    `xml:"link"`
	Author    atomAuthor  `xml:"author"`
	Category  atomTerm    `xml:"category"`
	Content   atomContent `xml:"content"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomTerm struct {
	Term string `xml:"term,attr"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// HandlePublicFeed is GET /public/feed.atom: the same notices as an Atom
// feed (RFC 4287), links absolute to the address the reader used.
func (m *Module) HandlePublicFeed(e *core.RequestEvent) error {
	items, err := m.publicItems(e.App, publicPageSize)
	if err != nil {
		return err
	}
	scheme := "http"
	if e.IsTLS() {
		scheme = "https"
	}
	base := scheme + "://" + e.Request.Host
	f := atomFeed{Title: "政务公开 · 通知公告", ID: base + "/public/", Link: []atomLink{{Href: base + "/public/feed.atom", Rel: "self"},
		{Href: base + "/public/"}}, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	for i, it := range items {
		if i == 0 || it.Updated.After(mustParse(f.Updated)) {
			f.Updated = it.Updated.UTC().Format(time.RFC3339)
		}
		f.Entries = append(f.Entries, atomEntry{Title: it.Title, ID: base + "/public/" + it.ID,
			Updated: it.Updated.UTC().Format(time.RFC3339), Published: it.Published.UTC().Format(time.RFC3339),
			Link: atomLink{Href: base + "/public/" + it.ID}, Author: atomAuthor{Name: it.UnitName},
			Category: atomTerm{Term: it.Category}, Content: atomContent{Type: "html", Body: string(it.BodyHTML)}})
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	h := e.Response.Header()
	h.Set("Content-Type", "application/atom+xml; charset=utf-8")
	h.Set("Cache-Control", "no-cache") // a withdrawal shows at once
	e.Response.WriteHeader(http.StatusOK)
	_, err = e.Response.Write(append([]byte(xml.Header), out...))
	return err
}

func mustParse(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}
