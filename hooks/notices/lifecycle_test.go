package notices_test

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
)

// inSubtree lists the people an audience of unit id's subtree reaches.
func inSubtree(t *testing.T, e *apptest.Env, id string) []string {
	return column(t, e.App, `SELECT users.id FROM users JOIN units ON units.id = users.unit
		WHERE substr(units.path, 1, length({:p})) = {:p} AND users.active
		AND NOT EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value IN ('sysadmin', 'secadmin', 'auditor'))`,
		dbx.Params{"p": unitPath(t, e.App, id)})
}

// TestForwardCorrectWithdraw: the province notifies the city level; the
// city's office forwards it down its government's tree with a note. Nobody
// holds it twice, the province's rollup counts the copy, the copy shows
// the note and the original; a correction reaches the copy and tells the
// readers; withdrawal ends the copy too and takes both out of search.
func TestForwardCorrectWithdraw(t *testing.T) {
	e := apptest.NewEnv(t)
	east := unit(e, "东城市人民政府")
	orig := e.Must(http.StatusCreated, "leader.prov", "POST", "/api/gov/notices", map[string]any{
		"title": "关于开展防汛抗旱检查的通知", "body": "各市请组织开展防汛抗旱检查。", "must_confirm": true,
		"deadline": time.Now().Add(96 * time.Hour).Format(time.RFC3339), "audience": map[string]any{"levels": []string{"city"}}})
	root := str(orig["id"])
	holders := receiptUsers(t, e.App, root)
	if !slices.Contains(holders, apptest.UserID(t, "clerk.east")) || slices.Contains(holders, apptest.UserID(t, "staff.east.county1")) {
		t.Fatalf("city-level audience: %v", names(t, e.App, holders))
	}
	// the county is not city level: it has no receipt and cannot read it
	e.Must(404, "staff.east.county1", "GET", "/api/gov/notices/"+root, nil)
	e.Must(200, "clerk.east", "GET", "/api/gov/notices/"+root, nil)

	cp := e.Must(http.StatusCreated, "clerk.east", "POST", "/api/gov/notices/"+root+"/forward", map[string]any{
		"note": "请各县（区）于周五前落实", "audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}})
	copyID := str(cp["id"])
	var wantCopy []string
	for _, u := range inSubtree(t, e, east) {
		if !slices.Contains(holders, u) {
			wantCopy = append(wantCopy, u)
		}
	}
	if got := receiptUsers(t, e.App, copyID); !slices.Equal(got, wantCopy) || len(got) == 0 {
		t.Fatalf("copy's receipts %v, want the city's people not holding it %v", names(t, e.App, got), names(t, e.App, wantCopy))
	}
	if n := count(t, e.App, "SELECT COUNT(*) FROM (SELECT user FROM notice_receipts WHERE root = {:r} GROUP BY user HAVING COUNT(*) > 1)",
		dbx.Params{"r": root}); n != 0 {
		t.Fatalf("%d people hold the notice twice", n)
	}
	// forwarding again to the same people: all hold it
	code, out, _ := e.Call("leader.east", "POST", "/api/gov/notices/"+root+"/forward", map[string]any{
		"note": "再转", "audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}})
	if code != 400 || !strings.Contains(toJSON(out), `"audience":{"code":"empty"`) {
		t.Fatalf("second forward: %d %v", code, out)
	}
	// the copy's page: the note, the original
	v := e.Must(200, "staff.east.county1", "GET", "/api/gov/notices/"+copyID, nil)
	if o, _ := v["original"].(map[string]any); o == nil || o["id"] != root || o["title"] != "关于开展防汛抗旱检查的通知" {
		t.Fatalf("copy's original: %v", v["original"])
	}
	if !strings.Contains(toJSON(v["forwards"]), "请各县（区）于周五前落实") || !strings.Contains(toJSON(v["body_html"]), "防汛抗旱检查") {
		t.Fatalf("copy's page: %s", toJSON(v))
	}
	// the province's rollup includes the copy's receipts
	r := e.Must(200, "leader.prov", "GET", "/api/gov/notices/"+root+"/receipts", nil)
	if int(r["total"].(float64)) != len(holders)+len(wantCopy) || r["read"].(float64) < 2 {
		t.Fatalf("rollup %v, want total %d", r, len(holders)+len(wantCopy))
	}
	// search finds both before the withdrawal
	if s := toJSON(e.Must(200, "staff.east.county1", "GET", "/api/gov/notices?q=防汛", nil)); !strings.Contains(s, copyID) {
		t.Fatalf("search before withdrawal: %s", s)
	}

	// correction: history, the copy's content, the readers told
	readers := column(t, e.App, "SELECT DISTINCT user FROM notice_receipts WHERE root = {:r} AND read_at != ''", dbx.Params{"r": root})
	c := e.Must(200, "leader.prov", "POST", "/api/gov/notices/"+root+"/correct", map[string]any{
		"title": "关于开展防汛抗旱和地质灾害检查的通知", "body": "检查范围增加地质灾害隐患点。", "reason": "增加检查内容"})
	if h := toJSON(c["history"]); !strings.Contains(h, `"title":"关于开展防汛抗旱检查的通知"`) || !strings.Contains(h, "增加检查内容") {
		t.Fatalf("history: %s", h)
	}
	if got := notes(t, e.App, "notice.corrected", "#/notices/"+root); len(got) != len(readers) {
		t.Fatalf("corrected notes to %v, want the readers %v", got, readers)
	} else {
		for _, u := range readers {
			if got[u] != 1 {
				t.Fatalf("reader %s told %d times", u, got[u])
			}
		}
	}
	v = e.Must(200, "staff.east.county1", "GET", "/api/gov/notices/"+copyID, nil)
	if v["title"] != "关于开展防汛抗旱和地质灾害检查的通知" || !strings.Contains(str(v["body_html"]), "地质灾害隐患点") {
		t.Fatalf("copy after correction: %v %v", v["title"], v["body_html"])
	}
	// a copy cannot be corrected by its forwarder
	code, _, _ = e.Call("clerk.east", "POST", "/api/gov/notices/"+copyID+"/correct", map[string]any{"title": "x", "reason": "y"})
	if code != http.StatusConflict {
		t.Fatalf("correcting a copy: %d", code)
	}

	// withdrawal cascades to the copy and leaves search
	e.Must(200, "leader.prov", "POST", "/api/gov/notices/"+root+"/withdraw", map[string]any{"reason": "另行部署"})
	v = e.Must(200, "staff.east.county1", "GET", "/api/gov/notices/"+copyID, nil)
	if v["status"] != "withdrawn" || v["withdraw_reason"] != "另行部署" {
		t.Fatalf("copy after withdrawal: %v %v", v["status"], v["withdraw_reason"])
	}
	for _, who := range []string{"staff.east.county1", "clerk.east"} {
		if s := toJSON(e.Must(200, who, "GET", "/api/gov/notices?q=防汛", nil)); strings.Contains(s, copyID) || strings.Contains(s, root) {
			t.Fatalf("search after withdrawal as %s: %s", who, s)
		}
	}
	if n := count(t, e.App, "SELECT COUNT(*) FROM notices WHERE root = {:r} AND status != 'withdrawn'", dbx.Params{"r": root}); n != 0 {
		t.Fatalf("%d notices of the chain still live", n)
	}
	code, _, _ = e.Call("clerk.east", "POST", "/api/gov/notices/"+copyID+"/forward", map[string]any{
		"audience": map[string]any{"units": []string{unit(e, "东城市甲县人民政府")}}})
	if code != http.StatusForbidden && code != http.StatusConflict {
		t.Fatalf("forwarding a withdrawn copy: %d", code)
	}
}

// TestPublicDisclosure: 主动公开 needs a leader's approval; approved, the
// notice is on /public/, its page and the feed; withdrawn, it is gone. A
// notice not marked public never appears.
func TestPublicDisclosure(t *testing.T) {
	e := apptest.NewEnv(t)
	tax := unit(e, "东城市税务局")
	pub := e.Must(http.StatusCreated, "clerk.east", "POST", "/api/gov/notices", map[string]any{
		"title": "关于公布减税降费政策的公告", "body": "政策**要点**如下。", "category": "公告", "public": true,
		"audience": map[string]any{"units": []string{tax}}})
	private := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "内部工作安排的通知", "audience": map[string]any{"units": []string{tax}}})
	id, privID := str(pub["id"]), str(private["id"])
	if pub["public_state"] != "pending" {
		t.Fatalf("clerk's public notice: %v, want pending", pub["public_state"])
	}
	if got := notes(t, e.App, "notice.public_request", "#/notices/"+id); got[apptest.UserID(t, "leader.east")] != 1 {
		t.Fatalf("approval request: %v", got)
	}
	page := func(path string) (int, string) {
		code, _, raw := e.Call("", "GET", path, nil)
		return code, string(raw)
	}
	assertAbsent := func(when string) {
		t.Helper()
		for _, title := range []string{"关于公布减税降费政策的公告", "内部工作安排的通知"} {
			if _, body := page("/public/"); strings.Contains(body, title) {
				t.Fatalf("%s: /public/ lists %s", when, title)
			}
			if _, body := page("/public/feed.atom"); strings.Contains(body, title) {
				t.Fatalf("%s: the feed carries %s", when, title)
			}
		}
		for _, x := range []string{id, privID} {
			if code, _ := page("/public/" + x); code != 404 {
				t.Fatalf("%s: /public/%s = %d", when, x, code)
			}
		}
	}
	assertAbsent("pending")
	e.Must(403, "clerk.east", "POST", "/api/gov/notices/"+id+"/approve-public", map[string]any{})
	a := e.Must(200, "leader.east", "POST", "/api/gov/notices/"+id+"/approve-public", map[string]any{"approve": true})
	if a["public_state"] != "approved" {
		t.Fatalf("approved: %v", a["public_state"])
	}
	if code, body := page("/public/"); code != 200 || !strings.Contains(body, "关于公布减税降费政策的公告") || strings.Contains(body, "内部工作安排的通知") {
		t.Fatalf("/public/ after approval: %d %s", code, body)
	}
	if code, body := page("/public/" + id); code != 200 || !strings.Contains(body, "<strong>要点</strong>") {
		t.Fatalf("/public/%s: %d %s", id, code, body)
	}
	code, body := page("/public/feed.atom")
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Entries []struct {
			Title string `xml:"title"`
			ID    string `xml:"id"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); code != 200 || err != nil {
		t.Fatalf("feed: %d %v %s", code, err, body)
	}
	found := false
	for _, en := range feed.Entries {
		if en.Title == "关于公布减税降费政策的公告" && strings.HasSuffix(en.Link.Href, "/public/"+id) && strings.HasPrefix(en.Link.Href, "http") {
			found = true
		}
		if en.Title == "内部工作安排的通知" {
			t.Fatal("the feed carries a non-public notice")
		}
	}
	if !found {
		t.Fatalf("feed lacks the approved notice: %s", body)
	}
	// a leader's own public notice is approved as it is published
	self := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "市政府主动公开的公告", "category": "公告", "public": true, "audience": map[string]any{"units": []string{tax}}})
	if self["public_state"] != "approved" {
		t.Fatalf("leader's own public notice: %v", self["public_state"])
	}
	e.Must(200, "leader.east", "POST", "/api/gov/notices/"+str(self["id"])+"/withdraw", map[string]any{"reason": "撤回"})
	e.Must(200, "clerk.east", "POST", "/api/gov/notices/"+id+"/withdraw", map[string]any{"reason": "政策调整"})
	assertAbsent("withdrawn")
	if _, body := page("/public/"); strings.Contains(body, "市政府主动公开的公告") {
		t.Fatal("a withdrawn self-approved notice is still public")
	}
}

// TestLaterJoiners: a person who joins a unit in an open notice's audience
// receives it — created through the admin API or saved by the app, or
// moved in — and a person elsewhere does not.
func TestLaterJoiners(t *testing.T) {
	e := apptest.NewEnv(t)
	east, tax, westTax := unit(e, "东城市人民政府"), unit(e, "东城市税务局"), unit(e, "西城市税务局")
	n := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "关于年度考核的通知", "must_confirm": true, "deadline": time.Now().Add(48 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}, "exclude_users": []string{apptest.UserID(t, "staff.east.hr")}}})
	id := str(n["id"])
	before := len(receiptUsers(t, e.App, id))
	holds := func(user string) bool {
		return count(t, e.App, "SELECT COUNT(*) FROM notice_receipts WHERE notice = {:n} AND user = {:u}", dbx.Params{"n": id, "u": user}) == 1
	}
	userID := func(username string) string {
		r, err := e.App.FindFirstRecordByData("users", "username", username)
		if err != nil {
			t.Fatal(err)
		}
		return r.Id
	}
	for _, c := range []struct{ username, unit string }{{"joiner.east.tax", tax}, {"joiner.west.tax", westTax}} {
		e.Must(http.StatusCreated, "admin.sys", "POST", "/api/gov/admin/users", map[string]any{
			"username": c.username, "name": "新同事", "unit": c.unit, "password": "Joiner-2026-secure!"})
	}
	if !holds(userID("joiner.east.tax")) {
		t.Fatal("a new member of a targeted unit has no receipt")
	}
	if holds(userID("joiner.west.tax")) {
		t.Fatal("a new member of another city got the notice")
	}
	if got := notes(t, e.App, "notice.published", "#/notices/"+id); got[userID("joiner.east.tax")] != 1 {
		t.Fatalf("the joiner was not notified: %v", got)
	}
	// saved by the app inside a transaction
	var saved string
	err := e.App.RunInTransaction(func(tx core.App) error {
		col, err := tx.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		r.Load(map[string]any{"username": "joiner.county1", "name": "新同事二", "unit": unit(e, "东城市甲县人民政府"),
			"unit_path": unitPath(t, e.App, unit(e, "东城市甲县人民政府")), "roles": []string{"staff"}, "active": true})
		r.SetPassword("Joiner-2026-secure!")
		if err := tx.Save(r); err != nil {
			return err
		}
		saved = r.Id
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !holds(saved) {
		t.Fatal("a user saved into the county has no receipt")
	}
	// moved in from another city
	e.Must(200, "admin.sys", "POST", "/api/gov/admin/users/"+userID("joiner.west.tax")+"/move", map[string]any{"unit": tax})
	if !holds(userID("joiner.west.tax")) {
		t.Fatal("a person moved into a targeted unit has no receipt")
	}
	// the excluded person stays excluded when reactivated
	hr := apptest.UserID(t, "staff.east.hr")
	e.Must(200, "admin.sys", "POST", "/api/gov/admin/users/"+hr+"/deactivate", map[string]any{})
	e.Must(200, "admin.sys", "POST", "/api/gov/admin/users/"+hr+"/activate", map[string]any{})
	if holds(hr) {
		t.Fatal("an excluded person received the notice on reactivation")
	}
	var recipients int
	if err := e.App.DB().NewQuery("SELECT recipients FROM notices WHERE id = {:n}").Bind(dbx.Params{"n": id}).Row(&recipients); err != nil {
		t.Fatal(err)
	}
	if got := len(receiptUsers(t, e.App, id)); got != before+3 || recipients != got {
		t.Fatalf("receipts %d (was %d), recipients %d; want %d", got, before, recipients, before+3)
	}
}

// TestRoleGainJoins: a notice sent to the reviewers of a subtree reaches a
// person there who is made a reviewer while it is open, and only once.
func TestRoleGainJoins(t *testing.T) {
	e := apptest.NewEnv(t)
	east := unit(e, "东城市人民政府")
	n := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title":    "关于审核人员培训的通知",
		"audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}, "roles": []string{"reviewer", "leader"}}})
	id := str(n["id"])
	tax := apptest.UserID(t, "staff.east.tax")
	held := func() int {
		return count(t, e.App, "SELECT COUNT(*) FROM notice_receipts WHERE notice = {:n} AND user = {:u}", dbx.Params{"n": id, "u": tax})
	}
	if held() != 0 {
		t.Fatal("a plain staff member received a notice for reviewers")
	}
	e.Must(200, "admin.sec", "PUT", "/api/gov/admin/users/"+tax+"/roles", map[string]any{"roles": []string{"staff", "reviewer"}})
	if held() != 1 {
		t.Fatal("a person made reviewer has no receipt")
	}
	e.Must(200, "admin.sec", "PUT", "/api/gov/admin/users/"+tax+"/roles", map[string]any{"roles": []string{"staff"}})
	e.Must(200, "admin.sec", "PUT", "/api/gov/admin/users/"+tax+"/roles", map[string]any{"roles": []string{"staff", "reviewer"}})
	if held() != 1 {
		t.Fatalf("receipts after losing and regaining the role: %d, want 1", held())
	}
}
