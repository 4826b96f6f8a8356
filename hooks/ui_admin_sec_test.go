package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// TestUIAdminSecPages walks the secadmin's 管理 pages in headless Chromium:
// 角色授权 (give staff.east.hr 知识审核员, the server refusing 系统管理员 +
// 安全管理员 under the field, 解除锁定, 重置动态口令), 兼职授权 (a grant for
// staff.east.tax at 西城市税务局, then 撤销), 访问策略 (a bad line's number
// from 校验, a saved edit in the history, 恢复内置策略 loading into the
// editor) and 安全设置 (an out-of-range value under its field, then a
// saved one); each at 1280 px and 375 px. A leader and admin.sys do not
// get these pages.
func TestUIAdminSecPages(t *testing.T) {
	base, g := startUIServer(t)
	requireRoutes(t, base,
		[2]string{http.MethodGet, "/api/gov/admin/users"},
		[2]string{http.MethodGet, "/api/gov/admin/grants"},
		[2]string{http.MethodGet, "/api/gov/admin/policy"},
		[2]string{http.MethodGet, "/api/gov/admin/security"})
	app := g.App
	b := newBrowser(t)

	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "admin.sec", demoPassword)
	b.step("管理 lists the secadmin's pages",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="admin"]`)),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="admin"]`)),
		waitText("#admin-links", "角色授权"),
		waitText("#admin-links", "兼职授权"),
		waitText("#admin-links", "访问策略"),
		waitText("#admin-links", "安全设置"),
	)
	if eval[bool](b, `!!document.querySelector('#admin-links a[href="#/admin/audit"]')`) {
		t.Error("the secadmin is offered 安全审计")
	}
	b.shot("admin-sec-landing-1280")

	// ---- 角色授权 ----
	hrID := apptest.UserID(t, "staff.east.hr")
	b.step("角色授权: find staff.east.hr",
		chromedp.Click(chromedp.CSS(`#admin-links a[href="#/admin/roles"]`)),
		waitText("#main h1", "角色授权"),
		typeInto("roles-q", "staff.east.hr"),
		chromedp.Click(chromedp.ID("roles-search")),
		waitText("#roles-count", "共"),
		chromedp.WaitVisible(chromedp.CSS(`#roles-results button[data-user="staff.east.hr"]`)),
		chromedp.Click(chromedp.CSS(`#roles-results button[data-user="staff.east.hr"]`)),
		chromedp.WaitVisible(chromedp.ID("roles-edit")),
		waitText("#roles-note", "不能相互兼任"),
		waitText(`label[for="role-reviewer"]`, "知识审核员"),
	)
	if eval[bool](b, `document.getElementById('role-reviewer').checked`) {
		t.Fatal("staff.east.hr already holds 知识审核员 before the test")
	}
	b.step("tick 知识审核员 and save",
		chromedp.Click(chromedp.ID("role-reviewer")),
		chromedp.Click(chromedp.ID("roles-save")),
		waitText("#roles-status", "已保存"),
		waitText("#roles-status", "知识审核员"),
	)
	rolesOf := func() []string {
		t.Helper()
		rec, err := app.FindRecordById("users", hrID)
		if err != nil {
			t.Fatal(err)
		}
		return rec.GetStringSlice("roles")
	}
	if roles := rolesOf(); !slices.Contains(roles, "reviewer") {
		t.Fatalf("roles of staff.east.hr after saving: %v, want reviewer among them", roles)
	}
	b.shot("admin-roles-1280")

	b.step("系统管理员 + 安全管理员: the server's separation message under the field",
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#roles-set input').forEach(c => { c.checked = false; })`),
		chromedp.Click(chromedp.ID("role-sysadmin")),
		chromedp.Click(chromedp.ID("role-secadmin")),
		chromedp.Click(chromedp.ID("roles-save")),
		waitText("#roles-error", "三员"),
		waitJS(`document.getElementById('roles-set').getAttribute('aria-invalid') === 'true'`),
	)
	if roles := rolesOf(); !slices.Contains(roles, "reviewer") || slices.Contains(roles, "sysadmin") {
		t.Fatalf("a refused role change changed the roles: %v", roles)
	}
	b.shot("admin-roles-error-1280")
	b.step("解除锁定 with a confirmation",
		chromedp.Click(chromedp.ID("roles-unlock")),
		chromedp.WaitVisible(chromedp.ID("roles-unlock-yes")),
		chromedp.Click(chromedp.ID("roles-unlock-yes")),
		waitText("#roles-acct-status", "staff.east.hr"),
	)
	b.step("重置动态口令: 取消 leaves it, 确定 resets",
		chromedp.Click(chromedp.ID("roles-totp")),
		chromedp.WaitVisible(chromedp.ID("roles-totp-no")),
		chromedp.Click(chromedp.ID("roles-totp-no")),
		chromedp.WaitVisible(chromedp.ID("roles-totp")),
		chromedp.Click(chromedp.ID("roles-totp")),
		chromedp.WaitVisible(chromedp.ID("roles-totp-yes")),
		chromedp.Click(chromedp.ID("roles-totp-yes")),
		waitText("#roles-acct-status", "已重置"),
	)
	b.phone("admin-roles", "#roles-edit")

	// ---- 兼职授权 ----
	taxID := apptest.UserID(t, "staff.east.tax")
	westTax := apptest.UnitID(t, app, "西城市税务局")
	b.step("兼职授权: the list and the form",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/grants'`),
		waitText("#main h1", "兼职授权"),
		waitText("#grants-count", "共"),
		waitJS(`document.querySelectorAll('#grant-unit option').length > 1`),
	)
	b.step("新增授权 for staff.east.tax at 西城市税务局",
		typeInto("grant-user-q", "staff.east.tax"),
		chromedp.Click(chromedp.ID("grant-user-find")),
		waitJS(`!!document.querySelector('#grant-user option[data-username="staff.east.tax"]')`),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const sel = document.getElementById('grant-user');
			sel.value = sel.querySelector('option[data-username="staff.east.tax"]').value;
			const unit = document.getElementById('grant-unit');
			unit.value = [...unit.options].find(o => o.textContent === '西城市税务局').value;
			document.getElementById('grant-role').value = 'reviewer';
			document.getElementById('grant-kind').value = 'secondment';
			document.getElementById('grant-ends').value = '2027-06-30';
		})()`),
		typeInto("grant-note", "界面测试挂职"),
		chromedp.Click(chromedp.ID("grant-submit")),
		waitText("#grant-status", "已新增授权"),
		waitText("#grants-rows", "西城市税务局"),
		waitText("#grants-rows", "挂职"),
		waitText("#grants-rows", "生效中"),
	)
	grant, err := app.FindFirstRecordByFilter("grants", "user = {:u} && unit = {:n} && revoked = false",
		dbx.Params{"u": taxID, "n": westTax})
	if err != nil {
		t.Fatalf("the grant made in the browser is not in the database: %v", err)
	}
	row := fmt.Sprintf(`#grants-rows tr[data-grant="%s"]`, grant.Id)
	b.step("the new grant's row",
		waitText(row, "知识审核员"),
		waitText(row, "2027-06-30"),
	)
	b.shot("admin-grants-1280")
	b.phone("admin-grants", "#grants-rows")
	b.step("撤销 with a confirmation",
		chromedp.Click(chromedp.ID("grant-revoke-"+grant.Id)),
		chromedp.WaitVisible(chromedp.ID("grant-revoke-"+grant.Id+"-yes")),
		chromedp.Click(chromedp.ID("grant-revoke-"+grant.Id+"-yes")),
		waitText("#grants-list-status", "已撤销"),
		waitText(row, "已撤销"),
	)
	if rec, err := app.FindRecordById("grants", grant.Id); err != nil || !rec.GetBool("revoked") {
		t.Fatalf("the grant is not revoked in the database (err %v)", err)
	}

	// ---- 访问策略 ----
	b.step("访问策略: the current policy in the editor",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/policy'`),
		waitText("#main h1", "访问策略"),
		waitJS(`document.getElementById('policy-csv').value.includes('p, staff')`),
		chromedp.WaitVisible(chromedp.CSS("#policy-history > *")),
	)
	badLine := eval[float64](b, `(() => {
		const el = document.getElementById('policy-csv');
		el.value = el.value.replace(/\n*$/, '\n') + 'p, boss, unit, read, all, *, allow';
		return el.value.split('\n').length;
	})()`)
	want := fmt.Sprintf("第 %d 行", int(badLine))
	b.step("校验 names the bad line and selects it",
		chromedp.Click(chromedp.ID("policy-validate")),
		waitText("#policy-csv-error", want),
		waitText("#policy-bad", want),
		waitText("#policy-bad-line", "boss"),
		waitJS(fmt.Sprintf(`document.getElementById('policy-csv').dataset.line === '%d'`, int(badLine))),
		waitJS(`(() => { const el = document.getElementById('policy-csv');
			return el.value.slice(el.selectionStart, el.selectionEnd).includes('boss'); })()`),
	)
	b.shot("admin-policy-error-1280")
	b.step("a valid edit: 校验 says 策略有效",
		chromedp.Evaluate[chromedp.Void](`(() => {
			const el = document.getElementById('policy-csv');
			el.value = el.value.replace('p, boss, unit, read, all, *, allow', '# 界面测试：一行注释');
		})()`),
		chromedp.Click(chromedp.ID("policy-validate")),
		waitText("#policy-result", "策略有效"),
	)
	b.step("保存 without a note is refused under the note",
		chromedp.Click(chromedp.ID("policy-save")),
		waitText("#policy-note-error", "说明"),
	)
	b.step("保存 with a note: in force and in the history",
		typeInto("policy-note", "界面测试：加一行注释"),
		chromedp.Click(chromedp.ID("policy-save")),
		waitText("#policy-result", "已保存"),
		waitText("#policy-versions", "界面测试：加一行注释"),
		waitText("#policy-versions", "当前"),
		waitJS(`document.getElementById('policy-csv').value.includes('# 界面测试：一行注释')`),
	)
	if n, err := app.CountRecords("policy_versions", dbx.HashExp{"note": "界面测试：加一行注释"}); err != nil || n != 1 {
		t.Fatalf("policy versions with the note: %d (err %v), want 1", n, err)
	}
	b.shot("admin-policy-1280")
	b.step("恢复内置策略 loads the built-in text, not saved",
		chromedp.Click(chromedp.ID("policy-builtin")),
		waitText("#policy-builtin-loaded", "尚未生效"),
		waitJS(`!document.getElementById('policy-csv').value.includes('# 界面测试：一行注释')`),
	)
	b.phone("admin-policy", "#policy-csv")

	// ---- 安全设置 ----
	b.step("安全设置: the current settings",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/security'`),
		waitText("#main h1", "安全设置"),
		chromedp.WaitVisible(chromedp.ID("sec-form")),
		waitJS(`document.getElementById('sec-lockout_attempts').value !== ''`),
		waitJS(`document.getElementById('sec-retention-audit').value !== ''`),
		waitText(`label[for="sec-totp-secadmin"]`, "安全管理员"),
	)
	b.step("锁定次数 2 is refused under the field",
		typeInto("sec-lockout_attempts", "2"),
		chromedp.Click(chromedp.ID("sec-save")),
		waitText("#sec-lockout_attempts-error", "3 到 10"),
		waitJS(`document.getElementById('sec-lockout_attempts').getAttribute('aria-invalid') === 'true'`),
	)
	b.shot("admin-security-error-1280")
	b.step("锁定次数 6 is saved",
		typeInto("sec-lockout_attempts", "6"),
		chromedp.Click(chromedp.ID("sec-save")),
		waitText("#sec-status", "已保存"),
		waitJS(`document.getElementById('sec-lockout_attempts-error').hidden`),
	)
	b.step("PDF 上传上限 2000 MB is refused under the field",
		waitJS(`document.getElementById('sec-file-pdf').value === '100'`),
		typeInto("sec-file-pdf", "2000"),
		chromedp.Click(chromedp.ID("sec-save")),
		waitText("#sec-file-pdf-error", "1 到 1024 MB"),
	)
	b.step("PDF 上传上限 20 MB and 本系统案例 by 省级 reviewers are saved",
		typeInto("sec-file-pdf", "20"),
		waitJS(`document.getElementById('sec-review-system').value === 'city'`),
		chromedp.SetValue(chromedp.ID("sec-review-system"), "province"),
		chromedp.Click(chromedp.ID("sec-save")),
		waitText("#sec-status", "已保存"),
	)
	var settings struct {
		LockoutAttempts  int               `json:"lockout_attempts"`
		FileMaxMB        map[string]int    `json:"file_max_mb"`
		CaseReviewLevels map[string]string `json:"case_review_levels"`
	}
	if status := getJSON(t, base+"/api/gov/admin/security", storedToken(b), &settings); status != http.StatusOK ||
		settings.LockoutAttempts != 6 || settings.FileMaxMB["pdf"] != 20 || settings.FileMaxMB["zip"] != 200 ||
		settings.CaseReviewLevels["system"] != "province" || settings.CaseReviewLevels["unit"] != "township" {
		t.Fatalf("settings after saving: %d, lockout_attempts %d, file_max_mb %v, case_review_levels %v",
			status, settings.LockoutAttempts, settings.FileMaxMB, settings.CaseReviewLevels)
	}
	b.shot("admin-security-1280")
	b.phone("admin-security", "#sec-form")
	b.noConsoleProblems()

	// ---- others do not get these pages ----
	for _, who := range []string{"leader.east", "admin.sys"} {
		b.step("退出", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
		loginAs(b, who, demoPassword)
		b.step(who+": no secadmin pages",
			chromedp.WaitVisible(chromedp.ID("sidemenu")),
			chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin'`),
			waitJS(`!!document.querySelector('#main h1')`),
		)
		if eval[bool](b, `['roles','grants','policy','security'].some(p => !!document.querySelector('a[href="#/admin/' + p + '"]'))`) {
			t.Errorf("%s is offered a secadmin page on 管理", who)
		}
		for _, p := range []string{"roles", "policy"} {
			b.step(who+" may not open #/admin/"+p,
				chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/`+p+`'`),
				waitText("#forbidden", "无权访问"),
			)
		}
	}
}

// getJSON GETs url with the token and decodes the answer into out.
func getJSON(t *testing.T, url, token string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", token)
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode
}
