package finder_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"

	"govcollab/hooks/apptest"
)

// upload sends a file to POST /api/gov/files as user and returns its id.
func upload(t *testing.T, e *apptest.Env, user, name string, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write(data)
	_ = w.Close()
	req, _ := http.NewRequest("POST", e.Base+"/api/gov/files", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", apptest.Token(t, user))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 {
		t.Fatalf("upload %s: %d %v", name, res.StatusCode, out)
	}
	return out["id"].(string)
}

// docx is a minimal Word file whose body says text.
func docx(text string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`,
	} {
		f, _ := z.Create(name)
		_, _ = f.Write([]byte(body))
	}
	_ = z.Close()
	return b.Bytes()
}

// TestAttachmentText: a course's material (a Word file) is read in the
// background; then a search finds the course by words that are only in
// the file, naming the file in the hit; another city's staff still find
// nothing; a file's text is read once.
func TestAttachmentText(t *testing.T) {
	e := apptest.NewEnv(t)
	const secret = "翡翠湖湿地保护条例"
	f := upload(t, e, "leader.east", "湿地讲义.docx", docx("本讲介绍"+secret+"的主要内容。"))
	start := time.Now().Add(48 * time.Hour)
	e.Must(201, "leader.east", "POST", "/api/gov/courses", map[string]any{"title": "生态保护专题", "category": "法律法规", "mode": "面授",
		"hours": 2, "publish": true, "files": []string{f},
		"sessions": []map[string]any{{"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}},
		"audience": map[string]any{"units": []map[string]any{{"id": apptest.UnitID(t, e.App, "东城市人民政府"), "subtree": true}}}})
	q := "/api/gov/search?q=" + url.QueryEscape("翡翠湖湿地")
	if out := e.Must(200, "staff.east.tax", "GET", q, nil); out["totalItems"] != float64(0) {
		t.Fatalf("found before the text was read: %v", out["items"])
	}
	n, err := e.G.Files.ExtractPending(context.Background(), 50)
	if err != nil || n == 0 {
		t.Fatalf("extraction: %d %v", n, err)
	}
	out := e.Must(200, "staff.east.tax", "GET", q, nil)
	items := out["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("after extraction: %v", items)
	}
	it := items[0].(map[string]any)
	if it["title"] != "生态保护专题" || it["file"] != "湿地讲义.docx" || !bytes.Contains([]byte(it["snippet"].(string)), []byte(secret)) {
		t.Errorf("the hit: %v", it)
	}
	if out := e.Must(200, "staff.west.tax", "GET", q, nil); out["totalItems"] != float64(0) {
		t.Errorf("another city finds it: %v", out["items"])
	}
	var rows int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM file_texts WHERE file = {:f} AND status = 'done'").Bind(map[string]any{"f": f}).Row(&rows)
	if n, _ := e.G.Files.ExtractPending(context.Background(), 50); rows != 1 || n != 0 {
		t.Errorf("read again: %d rows, %d more", rows, n)
	}
}
