package casework_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// publish writes, submits and approves a case; it returns its id.
func (e *env) publish(author, title, scope string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"title": title, "body": "正文：" + title, "scope": scope}
	for k, v := range extra {
		body[k] = v
	}
	id := str(e.must(200, author, http.MethodPost, "/api/gov/cases", body)["id"])
	e.must(200, author, http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/approve", nil)
	return id
}

// notes are a user's notifications of a kind.
func (e *env) notes(user, kind string) []map[string]any {
	e.t.Helper()
	out := e.must(200, user, http.MethodGet, "/api/gov/notifications?perPage=100", nil)
	var got []map[string]any
	for _, it := range out["items"].([]any) {
		if m := it.(map[string]any); m["kind"] == kind {
			got = append(got, m)
		}
	}
	return got
}

// TestComments: Markdown comments are sanitized; @mentions notify only
// those who may read the case; one's own comment can be deleted.
func TestComments(t *testing.T) {
	e := newEnv(t)
	id := e.publish("staff.east.tax", "本单位案例", "unit", nil)
	c := e.must(200, "leader.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/comments", map[string]any{
		"body": "很好 @staff.east.tax @staff.west.tax [x](javascript:alert(1)) <img src=x onerror=alert(1)>"})
	html := str(c["body_html"])
	for _, bad := range []string{"javascript:", "onerror", "<img"} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("comment HTML keeps %q: %s", bad, html)
		}
	}
	if len(e.notes("staff.east.tax", "case.mention")) != 1 {
		t.Error("the author was not told of the mention")
	}
	if len(e.notes("staff.west.tax", "case.mention")) != 0 {
		t.Error("a mention told someone who may not read the case")
	}
	list := e.must(200, "staff.east.tax", http.MethodGet, "/api/gov/cases/"+id+"/comments", nil)
	if list["totalItems"] != float64(1) || !has(list, "items", `"author_name":"`) {
		t.Fatalf("comments: %v", list)
	}
	if v := e.must(200, "staff.east.tax", http.MethodGet, "/api/gov/cases/"+id, nil); v["comments"] != float64(1) {
		t.Errorf("comment counter: %v", v["comments"])
	}
	for _, tc := range []struct {
		user string
		body any
		want int
	}{
		{"leader.east.tax", map[string]any{"body": "  "}, 400},
		{"leader.east.tax", map[string]any{"body": strings.Repeat("长", 5001)}, 400},
		{"staff.west.tax", map[string]any{"body": "看不到的案例"}, 404},
		{"admin.audit", map[string]any{"body": "x"}, 403},
	} {
		if code, _ := e.call(tc.user, http.MethodPost, "/api/gov/cases/"+id+"/comments", tc.body); code != tc.want {
			t.Errorf("%s comments %v: %d, want %d", tc.user, tc.body, code, tc.want)
		}
	}
	cid := str(c["id"])
	if code, _ := e.call("staff.east.tax", http.MethodDelete, "/api/gov/cases/"+id+"/comments/"+cid, nil); code != 404 {
		t.Errorf("deleting another's comment: %d", code)
	}
	e.must(204, "leader.east.tax", http.MethodDelete, "/api/gov/cases/"+id+"/comments/"+cid, nil)
}

// TestVotesBookmarks: one vote per user; bookmarks list.
func TestVotesBookmarks(t *testing.T) {
	e := newEnv(t)
	id := e.publish("staff.east.tax", "全省案例", "all", nil)
	for i := 0; i < 2; i++ {
		if out := e.must(200, "staff.west.tax", http.MethodPost, "/api/gov/cases/"+id+"/vote", nil); out["count"] != float64(1) {
			t.Fatalf("vote %d: %v", i, out)
		}
	}
	e.must(200, "staff.east.hr", http.MethodPost, "/api/gov/cases/"+id+"/vote", nil)
	v := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/cases/"+id, nil)
	if v["votes"] != float64(2) || v["voted"] != true {
		t.Fatalf("after votes: %v %v", v["votes"], v["voted"])
	}
	e.must(200, "staff.west.tax", http.MethodDelete, "/api/gov/cases/"+id+"/vote", nil)
	e.must(200, "staff.west.tax", http.MethodPost, "/api/gov/cases/"+id+"/bookmark", nil)
	if v := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/cases/"+id, nil); v["bookmarked"] != true || v["bookmarks"] != float64(1) || v["voted"] != false {
		t.Fatalf("marks after unvote and bookmark: %v %v %v", v["voted"], v["bookmarked"], v["bookmarks"])
	}
	if v := e.must(200, "staff.east.hr", http.MethodGet, "/api/gov/cases/"+id, nil); v["bookmarked"] != false || v["bookmarks"] != float64(1) || v["voted"] != true {
		t.Fatalf("another user's marks: %v %v %v", v["voted"], v["bookmarked"], v["bookmarks"])
	}
	if b := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/cases?bookmarked=1", nil); b["totalItems"] != float64(1) {
		t.Fatalf("bookmarks: %v", b)
	}
	if b := e.must(200, "staff.east.hr", http.MethodGet, "/api/gov/cases?bookmarked=1", nil); b["totalItems"] != float64(0) {
		t.Fatalf("someone else's bookmarks: %v", b)
	}
	own := e.publish("staff.east.tax", "本单位", "unit", nil)
	if code, _ := e.call("staff.west.tax", http.MethodPost, "/api/gov/cases/"+own+"/vote", nil); code != 404 {
		t.Errorf("voting on an unreadable case: %d", code)
	}
}

// TestFollowFeed: following a tag or unit shapes the feed; a publication
// notifies followers who may read it, and nobody else.
func TestFollowFeed(t *testing.T) {
	e := newEnv(t)
	// the demo's notices told people too; this test counts case news only
	if _, err := e.app.DB().NewQuery("DELETE FROM notifications").Execute(); err != nil {
		t.Fatal(err)
	}
	eastTax := apptest.UnitID(t, e.app, "东城市税务局")
	e.must(200, "staff.west.tax", http.MethodPost, "/api/gov/follows", map[string]any{"kind": "tag", "target": "营业执照"})
	e.must(200, "staff.east.hr", http.MethodPost, "/api/gov/follows", map[string]any{"kind": "unit", "target": eastTax})
	e.must(200, "staff.east.hr", http.MethodPost, "/api/gov/follows", map[string]any{"kind": "unit", "target": eastTax})
	for _, bad := range []map[string]any{{"kind": "planet", "target": "x"}, {"kind": "unit", "target": "nosuchunit0000"}, {"kind": "tag", "target": ""}} {
		if code, _ := e.call("staff.east.hr", http.MethodPost, "/api/gov/follows", bad); code != 400 {
			t.Errorf("follow %v: %d", bad, code)
		}
	}
	if f := e.must(200, "staff.east.hr", http.MethodGet, "/api/gov/follows", nil); !has(f, "items", `"label":"东城市税务局"`) || len(f["items"].([]any)) != 1 {
		t.Fatalf("follows: %v", f)
	}

	tagged := e.publish("staff.east.tax", "营业执照案例", "all", map[string]any{"tags": []string{"营业执照"}})
	unitOnly := e.publish("staff.east.tax", "本单位内部案例", "unit", nil)
	other := e.publish("staff.west.tax", "西城案例", "all", nil)

	feed := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/feed", nil)
	if !has(feed, "items", tagged) || has(feed, "items", other) || has(feed, "items", unitOnly) {
		t.Errorf("tag follower's feed: %v", feed["items"])
	}
	feed = e.must(200, "staff.east.hr", http.MethodGet, "/api/gov/feed", nil)
	if !has(feed, "items", tagged) || has(feed, "items", unitOnly) || has(feed, "items", other) {
		t.Errorf("unit follower's feed (the unit-only case is not theirs to read): %v", feed["items"])
	}
	// following nothing: every published case one may read
	feed = e.must(200, "staff.east.county1", http.MethodGet, "/api/gov/feed", nil)
	if !has(feed, "items", tagged) || !has(feed, "items", other) || has(feed, "items", unitOnly) {
		t.Errorf("feed without follows: %v", feed["items"])
	}

	if n := e.notes("staff.west.tax", "case.followed"); len(n) != 1 || !strings.Contains(str(n[0]["body"]), "营业执照案例") {
		t.Errorf("tag follower notified: %v", n)
	}
	if n := e.notes("staff.east.hr", "case.followed"); len(n) != 1 {
		t.Errorf("unit follower notified of %d (the unit-only case must not be announced to them)", len(n))
	}
	if n := e.notes("staff.east.tax", "case.published"); len(n) != 2 {
		t.Errorf("author told of %d publications", len(n))
	}
	// marking read
	all := e.must(200, "staff.east.tax", http.MethodGet, "/api/gov/notifications", nil)
	if all["unread"] != float64(2) {
		t.Fatalf("unread: %v", all["unread"])
	}
	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/notifications/read", map[string]any{"all": true})
	if all = e.must(200, "staff.east.tax", http.MethodGet, "/api/gov/notifications", nil); all["unread"] != float64(0) {
		t.Fatalf("unread after marking: %v", all["unread"])
	}
	// the collection's own API shows each user only their own
	var n int
	_ = e.app.DB().Select("COUNT(*)").From("notifications").Where(dbx.HashExp{"user": apptest.UserID(t, "staff.east.tax")}).Row(&n)
	code, out := e.call("staff.west.tax", http.MethodGet, "/api/collections/notifications/records?perPage=100", nil)
	if code != 200 || has(out, "items", apptest.UserID(t, "staff.east.tax")) {
		t.Errorf("notifications API leaks: %d %v", code, out)
	}
}

// TestReturnNotifies: a returned case tells its author, with the comment.
func TestReturnNotifies(t *testing.T) {
	e := newEnv(t)
	id := str(e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{"title": "待审", "body": "x", "scope": "unit"})["id"])
	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/reject", map[string]any{"comment": "请补充数据来源"})
	if n := e.notes("staff.east.tax", "case.returned"); len(n) != 1 || n[0]["body"] != "请补充数据来源" || n[0]["link"] != "#/cases/"+id {
		t.Fatalf("returned notification: %v", n)
	}
}

// TestRelatedAndSimilar: other cases about the same enterprise, across
// departments, only those the reader may see; similar cases by words.
func TestRelatedAndSimilar(t *testing.T) {
	e := newEnv(t)
	firm := creditCode("91110108MA01ABCDE")
	ent := []map[string]any{{"kind": "enterprise", "number": firm, "name": "某公司"}}
	a := e.publish("staff.east.tax", "某公司欠税追缴", "all", map[string]any{"entities": ent, "tags": []string{"欠税"}})
	b := e.publish("staff.east.hr", "某公司社保补缴", "all", map[string]any{"entities": ent})
	hidden := e.publish("staff.east.hr", "某公司内部记录", "unit", map[string]any{"entities": ent})
	c := e.publish("staff.west.tax", "欠税追缴的做法", "all", map[string]any{"tags": []string{"欠税"}})

	rel := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/cases/"+a+"/related", nil)
	if !has(rel, "items", b) || has(rel, "items", hidden) || has(rel, "items", a) || has(rel, "items", c) {
		t.Errorf("related for another unit's reader: %v", rel["items"])
	}
	rel = e.must(200, "staff.east.hr", http.MethodGet, "/api/gov/cases/"+a+"/related", nil)
	if !has(rel, "items", b) || !has(rel, "items", hidden) {
		t.Errorf("related for the hr unit: %v", rel["items"])
	}
	sim := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/cases/"+a+"/similar", nil)
	if !has(sim, "items", c) || has(sim, "items", a) || has(sim, "items", hidden) {
		t.Errorf("similar: %v", sim["items"])
	}
}
