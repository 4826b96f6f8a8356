package approval_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// TestPrint: the GB/T 9704 print view of a signed 发文 carries its number,
// the red 发文机关标志, 主送, 成文日期 in Arabic numerals, 抄送 and 印发, no
// script, private caching and the UI's CSP; it is audited, and an outsider
// gets 404 (no existence leak).
func TestPrint(t *testing.T) {
	e := newEnv(t)
	west := apptest.UnitID(t, e.App, "西城市人民政府")
	tax := apptest.UnitID(t, e.App, "东城市税务局")
	d := e.Must(201, "clerk.east", "POST", "/api/gov/docs", map[string]any{
		"type": "发文", "title": "关于打印版式测试的通知", "body": "各有关单位：\n\n现将有关事项通知如下。",
		"classification": "内部", "urgency": "加急", "main_to": []string{west}, "copy_to": []string{tax}, "copies": 20,
		"attachment_note": "版式要求说明",
		"workflow":        template(e, "东城市人民政府", "市政府发文（会签）"),
	})
	id := d["id"].(string)
	for _, step := range []struct{ user, action string }{{"clerk.east", "submit"}, {"leader.east.tax", "approve"},
		{"staff.east.hr", "approve"}, {"leader.east", "sign"}} {
		e.Must(200, step.user, "POST", "/api/gov/docs/"+id+"/actions", map[string]any{"action": step.action, "comment": "同意"})
	}
	signed := e.Must(200, "clerk.east", "GET", "/api/gov/docs/"+id, nil)
	number, _ := signed["number"].(string)
	if !strings.HasPrefix(number, "东政办发〔") {
		t.Fatalf("signed number %q", number)
	}

	cases := []struct {
		name, user, query string
		status            int
		want, notWant     []string
	}{
		{name: "outsider", user: "staff.west.tax", status: http.StatusNotFound, notWant: []string{"关于打印版式测试的通知"}},
		{name: "no login", user: "", status: http.StatusUnauthorized},
		{name: "drafter", user: "clerk.east", status: http.StatusOK,
			want: []string{number, `class="gb-issuer">东城市人民政府办公室文件</h1>`, `class="gb-mainto">西城市人民政府：</p>`,
				`class="gb-copyto">抄送：东城市税务局。</p>`, `class="gb-urgency">加急</p>`, `class="gb-secret">内部</p>`,
				`class="gb-copyno">000001</p>`, "附件：版式要求说明", "现将有关事项通知如下", `href="/css/print.css"`,
				"gb-watermark", "冯文书"},
			notWant: []string{"<script", "style=", "签发人", "未签发稿"}},
		{name: "copy number", user: "leader.east.tax", query: "?copy=7", status: http.StatusOK,
			want: []string{`class="gb-copyno">000007</p>`}},
		{name: "copy out of range", user: "clerk.east", query: "?copy=21", status: http.StatusBadRequest, want: []string{`"copy"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, raw := e.Call(c.user, "GET", "/api/gov/docs/"+id+"/print"+c.query, nil)
			body := string(raw)
			if code != c.status {
				t.Fatalf("status %d, want %d: %s", code, c.status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("missing %q in:\n%s", w, body)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(body, w) {
					t.Errorf("unexpected %q", w)
				}
			}
		})
	}

	// 成文日期 and 印发日期 in Arabic numerals, no leading zeros
	_, _, raw := e.Call("clerk.east", "GET", "/api/gov/docs/"+id+"/print", nil)
	date := regexp.MustCompile(`class="gb-date">(20\d\d年[1-9]\d?月[1-9]\d?日)</p>`).FindStringSubmatch(string(raw))
	if date == nil {
		t.Errorf("no 成文日期 like 2026年11月23日 in:\n%s", raw)
	} else if !strings.Contains(string(raw), date[1]+"印发") {
		t.Errorf("no 印发日期 %s印发", date[1])
	}
	if !strings.Contains(string(raw), `class="gb-printer-org">东城市人民政府办公室</span>`) {
		t.Error("no 印发机关 in the 版记")
	}

	// headers: private, no store, the UI's CSP
	req, _ := http.NewRequest("GET", e.Base+"/api/gov/docs/"+id+"/print", nil)
	req.Header.Set("Authorization", apptest.Token(t, "clerk.east"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") || !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control %q", cc)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'none'") || !strings.Contains(csp, "style-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}

	// every print is audited
	var n int
	if err := e.App.DB().Select("COUNT(*)").From("audit_log").
		Where(dbx.HashExp{"action": "doc.print", "object": "docs/" + id}).Row(&n); err != nil || n < 3 {
		t.Errorf("doc.print audit rows: %d %v", n, err)
	}
}
