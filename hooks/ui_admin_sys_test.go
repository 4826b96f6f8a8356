package hooks_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// Browser tests of the 系统管理员 pages (admin_org.js): 单位管理
// (#/admin/units), 账号管理 (#/admin/users) and 批量导入
// (#/admin/users/import), as admin.sys; and that a leader does not get them.

// idNumber completes 17 digits with the GB 11643 check character.
func idNumber(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range first17 {
		sum += int(c-'0') * weights[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

// writeImportSheet writes an .xlsx with the template's headers and rows.
func writeImportSheet(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	all := append([][]string{{"用户名", "姓名", "单位", "职级", "职务", "邮箱", "手机", "身份证号"}}, rows...)
	for i, r := range all {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// clickJS clicks the first element matching selector (also when a sticky bar covers it).
func clickJS(selector string) chromedp.Action[chromedp.Void] {
	// polls: a list that re-renders after a change may briefly lack the row
	return waitJS(fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) return false;
		el.click();
		return true;
	})()`, jsString(selector)))
}

// selectByText picks the option of a <select> whose text (trimmed) is text.
func selectByText(id, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const s = document.getElementById(%s);
		const o = [...s.options].find((o) => o.text.trim() === %s);
		if (!o) throw new Error('no option ' + %s);
		s.value = o.value;
		s.dispatchEvent(new Event('change', { bubbles: true }));
	})()`, jsString(id), jsString(text), jsString(text)))
}

func unitSel(name, inner string) string {
	return fmt.Sprintf(`#units-tree li[data-name=%s] > .unit-row %s`, jsString(name), inner)
}

func TestUIAdminSys(t *testing.T) {
	base, _ := startUIServer(t)
	b := newBrowser(t)

	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "admin.sys", demoPassword)
	b.step("管理 lists the sysadmin pages",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="admin"]`)),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin'`),
		waitText("#admin-links", "单位管理"),
		waitText("#admin-links", "账号管理"),
		waitText("#admin-links", "批量导入"),
	)
	b.screenshot("admin-sys-landing-1280")

	// ---- 单位管理 ----
	b.step("the unit tree",
		chromedp.Click(chromedp.CSS(`#admin-links a[href="#/admin/units"]`)),
		waitText("#main h1", "单位管理"),
		waitText("#units-tree", "东城市人民政府"),
		waitText("#units-tree", "市级"),
		waitText("#units-tree", "部门"),
		waitText("#units-count", "共"),
	)
	b.step("a duplicate name is refused under the field",
		clickJS(unitSel("东城市人民政府", `button[data-act="add"]`)),
		chromedp.WaitVisible(chromedp.ID("unit-new")),
		waitJS(`document.activeElement && document.activeElement.id === 'unit-new-name'`),
		typeInto("unit-new-name", "东城市税务局"),
		chromedp.Click(chromedp.ID("unit-new-submit")),
		chromedp.WaitVisible(chromedp.ID("unit-new-name-error")),
		waitJS(`document.getElementById('unit-new-name').getAttribute('aria-invalid') === 'true'`),
		waitJS(`document.activeElement && document.activeElement.id === 'unit-new-name'`),
	)
	b.screenshot("admin-units-error-1280")
	b.step("新增下级单位",
		typeInto("unit-new-name", "东城市数据局"),
		typeInto("unit-new-short", "东数"),
		chromedp.Click(chromedp.ID("unit-new-submit")),
		waitText("#units-notice", "已新增下级单位“东城市数据局”"),
		waitText("#units-tree", "东城市数据局"),
		waitJS(`!document.getElementById('unit-new')`),
	)
	b.step("编辑: rename",
		clickJS(unitSel("东城市数据局", `button[data-act="edit"]`)),
		chromedp.WaitVisible(chromedp.ID("unit-edit")),
		typeInto("unit-edit-name", "东城市大数据局"),
		chromedp.Click(chromedp.ID("unit-edit-submit")),
		waitText("#units-notice", "已保存“东城市大数据局”"),
		waitJS(`!!document.querySelector('#units-tree li[data-name="东城市大数据局"]')`),
		waitJS(`!document.querySelector('#units-tree li[data-name="东城市数据局"]')`),
		// the new unit sits below 东城市人民政府, indented one level deeper
		waitJS(`(() => {
			const p = document.querySelector('#units-tree li[data-name="东城市人民政府"]');
			const c = document.querySelector('#units-tree li[data-name="东城市大数据局"]');
			const d = (el) => Number(/depth-(\d)/.exec(el.className)[1]);
			return p.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING && d(c) === d(p) + 1;
		})()`),
	)
	b.step("移动 under its own subtree: the server's cycle error",
		clickJS(unitSel("东城市人民政府", `button[data-act="move"]`)),
		chromedp.WaitVisible(chromedp.ID("unit-move")),
		selectByText("unit-move-parent", "东城市大数据局"),
		chromedp.Click(chromedp.ID("unit-move-submit")),
		chromedp.WaitVisible(chromedp.ID("unit-move-parent-error")),
		chromedp.Click(chromedp.ID("unit-move-cancel")),
		waitJS(`!document.getElementById('unit-move')`),
	)
	b.step("停用 and 启用 with a confirmation",
		clickJS(unitSel("东城市大数据局", `button[data-act="deactivate"]`)),
		chromedp.WaitVisible(chromedp.ID("unit-toggle-yes")),
		chromedp.Click(chromedp.ID("unit-toggle-yes")),
		waitText("#units-notice", "已停用“东城市大数据局”"),
		waitText(`#units-tree li[data-name="东城市大数据局"]`, "已停用"),
		clickJS(unitSel("东城市大数据局", `button[data-act="activate"]`)),
		chromedp.WaitVisible(chromedp.ID("unit-toggle-yes")),
		chromedp.Click(chromedp.ID("unit-toggle-yes")),
		waitText("#units-notice", "已启用“东城市大数据局”"),
		waitJS(`!document.querySelector('#units-tree li[data-name="东城市大数据局"]').innerText.includes('已停用')`),
	)
	b.step("search",
		typeInto("units-q", "大数据"),
		chromedp.Click(chromedp.ID("units-search")),
		waitJS(`document.querySelectorAll('#units-tree li').length === 1`),
		waitText("#units-tree", "东城市大数据局"),
		chromedp.Click(chromedp.ID("units-reset")),
		waitJS(`document.querySelectorAll('#units-tree li').length > 5`),
	)
	b.screenshot("admin-units-1280")

	// ---- 账号管理 ----
	b.step("the account list",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/users'`),
		waitText("#main h1", "账号管理"),
		waitText("#users-count", "共"),
		chromedp.WaitVisible(chromedp.ID("users-rows")),
		waitJS(`document.getElementById('users-unit').options.length > 5`),
	)
	b.step("新建账号: missing fields are named",
		chromedp.Click(chromedp.ID("user-new")),
		chromedp.WaitVisible(chromedp.ID("user-create")),
		chromedp.Click(chromedp.ID("user-create-submit")),
		chromedp.WaitVisible(chromedp.ID("user-username-error")),
		waitJS(`document.activeElement && document.activeElement.id === 'user-username'`),
	)
	b.step("新建账号 in the new unit",
		typeInto("user-username", "zhao.data"),
		typeInto("user-name", "赵数据"),
		selectByText("user-unit", "东城市大数据局"),
		typeInto("user-rank", "四级主任科员"),
		typeInto("user-position", "科员"),
		typeInto("user-email", "zhao.data@example.gov.cn"),
		typeInto("user-phone", "13812345678"),
		typeInto("user-id-number", idNumber("11010519900307123")),
		chromedp.Click(chromedp.ID("user-create-submit")),
		chromedp.WaitVisible(chromedp.ID("user-created")),
		waitText("#user-created", "只显示这一次"),
		waitJS(`document.getElementById('user-initial-password').textContent.length >= 12`),
		chromedp.WaitVisible(chromedp.ID("user-initial-password-copy")),
	)
	b.screenshot("admin-users-created-1280")
	password := eval[string](b, `document.getElementById('user-initial-password').textContent`)
	if _, require := apiLogin(t, base, "zhao.data", password); !containsStr(require, "password_change") {
		t.Errorf("the new account's login owes %v, want password_change", require)
	}
	b.step("the new account is listed, phone and 身份证号 masked",
		chromedp.Click(chromedp.ID("user-created-done")),
		typeInto("users-q", "zhao.data"),
		chromedp.Click(chromedp.ID("users-search")),
		waitText("#users-count", "共 1 条"),
		waitText(`#users-rows tr[data-username="zhao.data"]`, "赵数据"),
		waitText(`#users-rows tr[data-username="zhao.data"]`, "东城市大数据局"),
		waitText(`#users-rows tr[data-username="zhao.data"]`, "在用"),
	)
	row := eval[string](b, `document.querySelector('#users-rows tr[data-username="zhao.data"]').innerText`)
	if strings.Contains(row, "13812345678") || strings.Contains(row, "110105199003071") {
		t.Errorf("the list shows the phone or 身份证号 unmasked:\n%s", row)
	}
	b.step("调动 to another unit",
		clickJS(`#users-rows tr[data-username="zhao.data"] button[data-act="move"]`),
		chromedp.WaitVisible(chromedp.CSS(`#users-rows tr[data-username="zhao.data"] select`)),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const s = document.querySelector('#users-rows tr[data-username="zhao.data"] select');
			s.value = [...s.options].find((o) => o.text.trim() === '东城市税务局').value;
		})()`),
		clickJS(`#users-rows tr[data-username="zhao.data"] button[type="submit"]`),
		waitText("#users-notice", "已将 zhao.data 调动到“东城市税务局”"),
		waitText(`#users-rows tr[data-username="zhao.data"]`, "东城市税务局"),
	)
	b.step("停用 the account",
		clickJS(`#users-rows tr[data-username="zhao.data"] button[data-act="deactivate"]`),
		chromedp.WaitVisible(chromedp.CSS(`#users-rows tr[data-username="zhao.data"] button[data-confirm]`)),
		chromedp.Click(chromedp.CSS(`#users-rows tr[data-username="zhao.data"] button[data-confirm]`)),
		waitText("#users-notice", "已停用账号 zhao.data"),
		waitText(`#users-rows tr[data-username="zhao.data"]`, "已停用"),
	)
	b.step("重置密码 shows a one-time password",
		clickJS(`#users-rows tr[data-username="zhao.data"] button[data-act="reset"]`),
		chromedp.Click(chromedp.CSS(`#users-rows tr[data-username="zhao.data"] button[data-confirm]`)),
		waitText(`#users-rows tr[data-username="zhao.data"]`, "只显示这一次"),
		waitJS(`document.querySelector('#users-rows tr[data-username="zhao.data"] code.secret').textContent.length >= 12`),
	)
	b.screenshot("admin-users-1280")

	// ---- 批量导入 ----
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.xlsx")
	good := filepath.Join(dir, "good.xlsx")
	writeImportSheet(t, bad, [][]string{
		{"imp.one", "钱导入", "东城市税务局", "一级科员", "科员", "", "", ""},
		{"imp.bad", "孙有误", "不存在的单位", "", "", "", "", ""},
	})
	writeImportSheet(t, good, [][]string{
		{"imp.one", "钱导入", "东城市税务局", "一级科员", "科员", "imp.one@example.gov.cn", "13900001111", ""},
		{"imp.two", "李导入", "东城市大数据局", "", "", "", "", idNumber("11010519850101001")},
	})
	b.step("the import page",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/users/import'`),
		waitText("#main h1", "批量导入"),
		chromedp.WaitVisible(chromedp.ID("import-template")),
		chromedp.Click(chromedp.ID("import-template")),
		waitText("#import-template-out", "已下载"),
	)
	b.step("预检 of a file with a bad row",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}),
		chromedp.Click(chromedp.ID("import-check")),
		waitText("#import-counts", "有问题 1 行"),
		waitText("#import-counts", "可导入 1 行"),
		waitText(`#import-rows tr[data-row="3"]`, "单位"),
		waitText(`#import-rows tr[data-row="3"]`, "有问题"),
		waitJS(`document.getElementById('import-commit').disabled`),
	)
	b.screenshot("admin-import-check-1280")
	b.step("预检 and 确认导入 of a clean file",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}),
		chromedp.Click(chromedp.ID("import-check")),
		waitText("#import-counts", "有问题 0 行"),
		waitJS(`!document.getElementById('import-commit').disabled`),
		chromedp.Click(chromedp.ID("import-commit")),
		waitText("#import-created", "已创建 2 个账号"),
		waitText("#import-created-rows", "imp.two"),
		chromedp.WaitVisible(chromedp.ID("import-csv")),
		chromedp.Click(chromedp.ID("import-csv")),
	)
	b.screenshot("admin-import-done-1280")

	// ---- phone ----
	b.step("单位管理 on a phone",
		viewport(375, 812),
		waitJS(`matchMedia('(max-width: 600px)').matches`),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/units'`),
		waitText("#units-tree", "东城市大数据局"),
		clickJS(unitSel("东城市人民政府", `button[data-act="add"]`)),
		chromedp.WaitVisible(chromedp.ID("unit-new")),
		waitJS(`document.documentElement.scrollWidth <= window.innerWidth`),
	)
	b.screenshot("admin-units-375")
	b.step("账号管理 on a phone",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/users'`),
		chromedp.WaitVisible(chromedp.ID("users-rows")),
		waitJS(`document.documentElement.scrollWidth <= window.innerWidth`),
	)
	b.screenshot("admin-users-375")
	b.step("新建账号 on a phone",
		chromedp.Click(chromedp.ID("user-new")),
		chromedp.WaitVisible(chromedp.ID("user-create")),
		waitJS(`document.documentElement.scrollWidth <= window.innerWidth`),
	)
	b.screenshot("admin-users-new-375")
	b.step("批量导入 on a phone",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/users/import'`),
		chromedp.WaitVisible(chromedp.ID("import-file")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}),
		chromedp.Click(chromedp.ID("import-check")),
		waitText("#import-counts", "有问题 2 行"), // imp.one exists by now
		waitText(`#import-rows tr[data-row="2"]`, "用户名"),
		waitJS(`document.documentElement.scrollWidth <= window.innerWidth`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('import-report').scrollIntoView()`),
	)
	b.screenshot("admin-import-375")

	// ---- a leader gets none of it ----
	b.step("log out",
		viewport(1280, 900),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/workbench'`),
		chromedp.WaitVisible(chromedp.ID("logout")),
		chromedp.Click(chromedp.ID("logout")),
	)
	loginAs(b, "leader.east", demoPassword)
	b.step("a leader has no 管理 and no sysadmin pages",
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		waitText("#topbar-user", "王市长"),
		waitJS(`!document.querySelector('#sidemenu a[data-route="admin"]')`),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin'`),
		waitText("#forbidden", "无权访问"),
		waitJS(`!document.getElementById('admin-links')`),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/units'`),
		waitText("#forbidden", "无权访问"),
		waitJS(`!document.getElementById('units-tree')`),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/users'`),
		waitText("#forbidden", "无权访问"),
	)
	b.noConsoleProblems()
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
