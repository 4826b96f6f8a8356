package approval

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
)

// The print view (版式): one document laid out per GB/T 9704-2012 《党政机关
// 公文格式》 for printing on A4. The page carries no script and no inline
// style; /css/print.css sets the 版心 and the type. The web UI fetches it
// with the token and shows its sheet in the page (views/docs_print.js).
//
// Choices where the standard leaves room or this system differs:
//   - 密级: the system holds only 公开 and 内部 documents. 公开 prints nothing;
//     内部 prints "内部" in the 密级 position, as offices mark working papers
//     (it is not a 国家秘密 level and has no 保密期限).
//   - 发文机关标志: the issuing unit's full name + 文件, in red.
//   - 印章: an empty box where the seal goes; no seal image is ever drawn.
//   - 成文日期: the signing date (Asia/Shanghai) in Arabic numerals; 印发日期:
//     the dispatch date, else the signing date.

// printCSP is the UI's policy (hooks/routes.go): no script, styles from
// this origin only.
const printCSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"

// watermarkCopies is how many times the viewer's mark repeats over a sheet.
const watermarkCopies = 48

// PrintSheet is what the print template lays out.
type PrintSheet struct {
	ID          string
	Title       string
	Type        string
	Status      string
	Signed      bool
	CopyNo      string // 份号, six digits
	Secret      string // 密级
	Urgency     string // 紧急程度 (特急, 加急)
	Issuer      string // 发文机关 (full name)
	Number      string // 发文字号
	Signer      string // 签发人 (上行文 only)
	MainTo      string // 主送机关, joined with 、
	BodyHTML    template.HTML
	Attachments []string // 附件说明
	Date        string   // 成文日期
	CopyTo      string   // 抄送机关
	Printer     string   // 印发机关
	PrintDate   string   // 印发日期
	Watermark   string
	Repeat      []struct{}
}

var printTemplate = template.Must(template.New("print").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/css/print.css">
</head>
<body class="gb-page">
<article class="gb-sheet" id="gb-sheet" data-doc="{{.ID}}" data-status="{{.Status}}" aria-label="{{.Title}}">
<div class="gb-watermark" aria-hidden="true">{{range .Repeat}}<span>{{$.Watermark}}</span>{{end}}</div>
{{if not .Signed}}<p class="gb-draft-mark">未签发稿 · 仅供审阅</p>{{end}}
<header class="gb-head">
<div class="gb-marks">
{{if .CopyNo}}<p class="gb-copyno">{{.CopyNo}}</p>{{end}}
{{if .Secret}}<p class="gb-secret">{{.Secret}}</p>{{end}}
{{if .Urgency}}<p class="gb-urgency">{{.Urgency}}</p>{{end}}
</div>
<h1 class="gb-issuer">{{.Issuer}}文件</h1>
<p class="gb-number-line{{if .Signer}} gb-number-up{{end}}"><span class="gb-number">{{if .Number}}{{.Number}}{{else}}（未编号）{{end}}</span>{{if .Signer}}<span class="gb-signer">签发人：<span class="gb-signer-name">{{.Signer}}</span></span>{{end}}</p>
<hr class="gb-rule">
</header>
<section class="gb-main">
<h2 class="gb-title">{{.Title}}</h2>
{{if .MainTo}}<p class="gb-mainto">{{.MainTo}}：</p>{{end}}
<div class="gb-text">{{.BodyHTML}}</div>
{{if .Attachments}}<div class="gb-attach">{{if eq (len .Attachments) 1}}<p>附件：{{index .Attachments 0}}</p>{{else}}{{range $i, $a := .Attachments}}<p{{if $i}} class="gb-attach-more"{{end}}>{{if not $i}}附件：{{end}}{{$a}}</p>{{end}}{{end}}</div>{{end}}
<div class="gb-signoff">
<span class="gb-seal" aria-label="印章位置">印章</span>
<p class="gb-org">{{.Issuer}}</p>
<p class="gb-date">{{if .Date}}{{.Date}}{{else}}（未签发）{{end}}</p>
</div>
</section>
<footer class="gb-imprint">
{{if .CopyTo}}<p class="gb-copyto">抄送：{{.CopyTo}}。</p>{{end}}
<p class="gb-printer"><span class="gb-printer-org">{{.Printer}}</span><span class="gb-printer-date">{{if .PrintDate}}{{.PrintDate}}印发{{end}}</span></p>
</footer>
</article>
</body>
</html>
`))

// HandlePrint is GET /api/gov/docs/{id}/print[?copy=N]: the document as an
// A4 page per GB/T 9704 (HTML), for readers of the document; audited.
func (m *Module) HandlePrint(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "doc", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	copyNo := 1
	if v := e.Request.URL.Query().Get("copy"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || (rec.GetInt("copies") > 0 && n > rec.GetInt("copies")) {
			return api.BadField("copy", "invalid", fmt.Sprintf("份号须在 1 到 %d 之间", max(1, rec.GetInt("copies"))))
		}
		copyNo = n
	}
	sheet, err := m.printSheet(e, rec, copyNo)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := printTemplate.Execute(&out, sheet); err != nil {
		return fmt.Errorf("approval: print %s: %w", rec.Id, err)
	}
	if _, err := m.audit.LogRequest(e, audit.Entry{Actor: s.ID, Action: "doc.print", Object: DocsTable + "/" + rec.Id,
		Detail: strings.TrimSpace(sheet.Number + " 份号 " + sheet.CopyNo)}); err != nil {
		return err
	}
	h := e.Response.Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", printCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	return e.HTML(http.StatusOK, out.String())
}

// printSheet gathers the parts of the 版头, 主体 and 版记.
func (m *Module) printSheet(e *core.RequestEvent, rec *core.Record, copyNo int) (*PrintSheet, error) {
	nm := api.NewNames(e.App)
	unitNames := func(field string) string {
		var ids []string
		_ = rec.UnmarshalJSONField(field, &ids)
		names := make([]string, 0, len(ids))
		for _, id := range ids {
			names = append(names, nm.Of("units", id))
		}
		return strings.Join(names, "、")
	}
	issuer := nm.Of("units", rec.GetString("unit"))
	p := &PrintSheet{ID: rec.Id, Title: rec.GetString("title"), Type: rec.GetString("type"), Status: rec.GetString("status"),
		Signed: isSigned(rec.GetString("status")) || rec.GetString("type") == "收文", Issuer: issuer,
		Number: rec.GetString("number"), MainTo: unitNames("main_to"), CopyTo: unitNames("copy_to"),
		BodyHTML: template.HTML(rec.GetString("body_html")), // sanitized when it was written
		Printer:  issuer, Repeat: make([]struct{}, watermarkCopies)}
	if c := rec.GetInt("copies"); c > 0 {
		p.CopyNo = fmt.Sprintf("%06d", copyNo)
	}
	if rec.GetString("classification") == "内部" {
		p.Secret = "内部"
	}
	if u := rec.GetString("urgency"); u == "特急" || u == "加急" {
		p.Urgency = u
	}
	if rec.GetString("type") == "请示" { // 上行文 carry the 签发人
		p.Signer = nm.Of("users", rec.GetString("signer"))
	}
	p.Date = chineseDate(rec.GetDateTime("signed_at").Time())
	p.PrintDate = chineseDate(rec.GetDateTime("dispatched_at").Time())
	if p.PrintDate == "" {
		p.PrintDate = p.Date
	}
	if note := strings.TrimSpace(rec.GetString("attachment_note")); note != "" {
		for _, line := range strings.Split(note, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				p.Attachments = append(p.Attachments, line)
			}
		}
	} else {
		all, err := m.files.List(e.App, "doc", rec.Id)
		if err != nil {
			return nil, err
		}
		for _, f := range all {
			if f.ID != rec.GetString("body_file") {
				p.Attachments = append(p.Attachments, strings.TrimSuffix(f.Name, "."+extOf(f.Name)))
			}
		}
	}
	if len(p.Attachments) > 1 {
		for i := range p.Attachments {
			p.Attachments[i] = fmt.Sprintf("%d. %s", i+1, p.Attachments[i])
		}
	}
	viewer := ""
	if e.Auth != nil {
		viewer = e.Auth.GetString("name")
		if viewer == "" {
			viewer = e.Auth.GetString("username")
		}
	}
	unit := ""
	if e.Auth != nil {
		unit = nm.Of("units", e.Auth.GetString("unit"))
	}
	p.Watermark = strings.Join(nonEmpty(viewer, unit, m.now().In(api.Shanghai).Format("2006-01-02")), " · ")
	return p, nil
}

// chineseDate is 2026年11月23日 (Arabic numerals, no leading zeros, GB/T
// 9704-2012 7.3.5.3) in Asia/Shanghai; "" for the zero time.
func chineseDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(api.Shanghai).Format("2006年1月2日")
}

func nonEmpty(parts ...string) []string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
