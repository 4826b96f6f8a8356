package hooks_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apiPost sends a JSON body as a signed-in user and decodes the answer.
func apiPost(t *testing.T, base, token, path string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", token)
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %v", path, res.StatusCode, out)
	}
	return out
}

// TestUIDocTransfer: 转办 picks the colleague from the directory by name; a
// person of another city is refused in the server's words and nothing
// changes; a colleague in reach takes the task.
func TestUIDocTransfer(t *testing.T) {
	base, g := startUIServer(t)
	var flow, west string
	if err := g.App.DB().NewQuery(`SELECT workflows.id FROM workflows JOIN units ON units.id = workflows.unit
		WHERE units.name = '东城市人民政府' AND workflows.name = '市政府发文（会签）'`).Row(&flow); err != nil {
		t.Fatal(err)
	}
	if err := g.App.DB().NewQuery("SELECT id FROM units WHERE name = '西城市人民政府'").Row(&west); err != nil {
		t.Fatal(err)
	}
	clerk, _ := apiLogin(t, base, "clerk.east", demoPassword)
	doc := apiPost(t, base, clerk, "/api/gov/docs", map[string]any{"type": "发文", "title": "关于转办测试的通知", "body": "正文",
		"classification": "内部", "urgency": "平件", "main_to": []string{west}, "workflow": flow})
	id := doc["id"].(string)
	apiPost(t, base, clerk, "/api/gov/docs/"+id+"/actions", map[string]any{"action": "submit"})

	b := newBrowser(t)
	b.step("open the app", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "leader.east.tax", demoPassword)
	pick := func(name string) chromedp.Action[chromedp.Void] {
		return waitJS(`(() => { const li = [...document.querySelectorAll('#doc-users-found li')].find(l => l.dataset.name === ` + jsString(name) + `);
			if (!li) return false; li.querySelector('button').click(); return true; })()`)
	}
	b.step("转办: find a person of another city",
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/docs/`+id+`'`),
		chromedp.WaitVisible(chromedp.ID("doc-act-transfer")),
		chromedp.Click(chromedp.ID("doc-act-transfer")),
		chromedp.WaitVisible(chromedp.ID("doc-users-q")),
		typeInto("doc-users-q", "税务"),
		chromedp.Click(chromedp.ID("doc-users-find")),
		pick("沈税务"),
		chromedp.Click(chromedp.ID("doc-panel-submit")),
		waitText("#doc-panel-error", "不在本公文所属政府"),
	)
	b.shot("docs-transfer-refused-1280")
	b.step("转办 to a colleague in reach",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#doc-users-picked li button').click()`),
		typeInto("doc-users-q", "褚税务"),
		chromedp.Click(chromedp.ID("doc-users-find")),
		pick("褚税务"),
		chromedp.Click(chromedp.ID("doc-panel-submit")),
		waitText("#doc-flash", "已转办"),
	)
	b.noConsoleProblems()
}
