package files_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadScenario is one POST /api/gov/files row.
func uploadScenario(t *testing.T, name, user, file string, content []byte, status int, want ...string) tests.ApiScenario {
	body, ct := multipartBody(t, file, content)
	h := map[string]string{"Content-Type": ct}
	if user != "" {
		h["Authorization"] = apptest.Token(t, user)
	}
	return tests.ApiScenario{Name: name, Method: http.MethodPost, URL: "/api/gov/files", Body: body, Headers: h,
		ExpectedStatus: status, ExpectedContent: want, TestAppFactory: apptest.Factory}
}

// expectNoRows checks after a refused upload that nothing was stored.
func expectNoRows(t testing.TB, app *tests.TestApp, _ *http.Response) {
	var n int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM files WHERE uploader != 'system'").Row(&n); err != nil || n != 0 { // the demo's mail-in files aside
		t.Fatalf("files rows after a refused upload: %d %v", n, err)
	}
}

func TestUploadRoute(t *testing.T) {
	pdf := pdfBytes("通知", 100)
	html := []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	scenarios := []tests.ApiScenario{
		uploadScenario(t, "staff uploads a PDF with a Chinese name", "staff.east.tax", "关于印发《工作要点》的通知.pdf", pdf, 200,
			`"name":"关于印发《工作要点》的通知.pdf"`, `"mime":"application/pdf"`, `"size":`+itoa(len(pdf))),
		uploadScenario(t, "a leader uploads a PNG", "leader.prov", "现场照片.png", pngBytes(t), 200, `"mime":"image/png"`),
		uploadScenario(t, "Chinese text", "staff.west.tax", "说明.txt", []byte("这是一份说明。\n第二行。"), 200, `"name":"说明.txt"`),
		uploadScenario(t, "a name without extension gets the detected one", "staff.east.tax", "扫描件", pdf, 200, `"name":"扫描件.pdf"`),
		uploadScenario(t, "no login", "", "a.pdf", pdf, 401, `"code":"unauthorized"`),
		uploadScenario(t, "sysadmin holds no business content", "admin.sys", "a.pdf", pdf, 403, `"code":"forbidden"`),
		uploadScenario(t, "auditor neither", "admin.audit", "a.pdf", pdf, 403, `"code":"forbidden"`),
		uploadScenario(t, "HTML refused", "staff.east.tax", "page.html", html, 400, `"file":{"code":"type_not_allowed"`),
		uploadScenario(t, "HTML named .pdf refused by content", "staff.east.tax", "page.pdf", html, 400, `"file":{"code":"type_not_allowed"`),
		uploadScenario(t, "SVG named .png refused", "staff.east.tax", "logo.png", svg, 400, `"file":{"code":"type_not_allowed"`),
		uploadScenario(t, "PNG named .pdf is a mismatch", "staff.east.tax", "report.pdf", pngBytes(t), 400, `"file":{"code":"type_mismatch"`),
		uploadScenario(t, "ELF binary refused", "staff.east.tax", "tool.zip", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 200)...), 400, `"file":{"code":"type_`),
		uploadScenario(t, "empty file", "staff.east.tax", "a.txt", nil, 400, `"file":{"code":"empty"`),
		uploadScenario(t, "name marked 机密", "staff.east.tax", "机密★10年 某项目方案.pdf", pdf, 400, `"file":{"code":"classified"`, `机密`),
		uploadScenario(t, "PDF titled 秘密", "staff.east.tax", "方案.pdf", pdfBytes("秘密★1年", 100), 400, `"file":{"code":"classified"`),
	}
	for i := range scenarios {
		if scenarios[i].ExpectedStatus != 200 {
			scenarios[i].AfterTestFunc = expectNoRows
		}
	}
	// refused classified uploads are audited
	scenarios[13].AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
		expectNoRows(t, app, res)
		var n int
		_ = app.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE action = 'file.refuse' AND result = 'denied' AND detail LIKE '%机密%'").Row(&n)
		if n != 1 {
			t.Fatalf("classified refusal audit rows: %d", n)
		}
	}
	// no file field at all
	scenarios = append(scenarios, tests.ApiScenario{Name: "no file field", Method: http.MethodPost, URL: "/api/gov/files",
		Body: bytes.NewReader([]byte(`{"file":"x"}`)), Headers: map[string]string{"Authorization": apptest.Token(t, "staff.east.tax"), "Content-Type": "application/json"},
		ExpectedStatus: 400, ExpectedContent: []string{`"file":{"code":"required"`}, TestAppFactory: apptest.Factory, AfterTestFunc: expectNoRows})
	// oversize by the per-type limit a secadmin set (1 MB for PDF)
	big := uploadScenario(t, "PDF over its type's limit", "staff.east.tax", "big.pdf", pdfBytes("big", 1<<20+1000), 400, `"file":{"code":"too_large"`, `PDF 文件不能超过 1 MB`)
	big.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		setFileLimit(t, app, "pdf", 1)
	}
	big.AfterTestFunc = expectNoRows
	scenarios = append(scenarios, big)
	for _, s := range scenarios {
		s.Test(t)
	}
}

func setFileLimit(t testing.TB, app core.App, typ string, mb int) {
	col, err := app.FindCollectionByNameOrId("security_settings")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"file_max_mb": map[string]int{typ: mb}})
	r := core.NewRecord(col)
	r.Set("data", string(raw))
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

var _ = io.EOF
