package org_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/xuri/excelize/v2"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
	"govcollab/hooks/security/pii"
)

var importHeader = []string{"用户名", "姓名", "单位", "职级", "职务", "邮箱", "手机", "身份证号"}

// xlsx builds a workbook whose first sheet holds rows.
func xlsx(t testing.TB, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload is a multipart body with data in field; it returns the body and
// the headers to send with it.
func upload(t testing.TB, who, field string, data []byte) (io.Reader, map[string]string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile(field, "users.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	return &b, map[string]string{"Authorization": apptest.Token(t, who), "Content-Type": w.FormDataContentType()}
}

type importReport struct {
	DryRun bool `json:"dry_run"`
	Rows   []struct {
		Row             int    `json:"row"`
		Username        string `json:"username"`
		OK              bool   `json:"ok"`
		ID              string `json:"id"`
		InitialPassword string `json:"initial_password"`
		Problems        []struct {
			Field, Column, Message string
		} `json:"problems"`
	} `json:"rows"`
	Valid, Invalid, Created int
	Report                  *importReport `json:"report"` // set on the 400
}

func readReport(t testing.TB, res *http.Response) importReport {
	t.Helper()
	var rep importReport
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// problemFields lists "row:field" for every problem of the report.
func problemFields(rep importReport) []string {
	var out []string
	for _, r := range rep.Rows {
		for _, p := range r.Problems {
			out = append(out, strconv.Itoa(r.Row)+":"+p.Field)
		}
	}
	return out
}

func personRow(username, name, unit, idFirst17 string) []string {
	return []string{username, name, unit, "一级科员", "科员", "", "13900000001", validID(idFirst17)}
}

func TestAdminImportTemplate(t *testing.T) {
	scenarios := []tests.ApiScenario{{
		Name: "sysadmin downloads the template", Method: http.MethodGet, URL: "/api/gov/admin/users/import/template",
		Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 200, ExpectedContent: []string{"PK"},
		TestAppFactory: apptest.Factory,
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			cd := res.Header.Get("Content-Disposition")
			if !strings.Contains(cd, `filename*=UTF-8''%E7%94%A8%E6%88%B7%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx`) ||
				!strings.HasPrefix(cd, "attachment;") {
				t.Fatalf("Content-Disposition %q", cd)
			}
			if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
				t.Fatalf("Content-Type %q", ct)
			}
			f, err := excelize.OpenReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows(f.GetSheetList()[0])
			if len(rows) != 2 || !slices.Equal(rows[0], importHeader) {
				t.Fatalf("rows %v", rows)
			}
			if rows[1][2] != "示范省人民政府办公厅" || !security.ValidIDNumber(rows[1][7]) || !security.ValidPhone(rows[1][6]) {
				t.Fatalf("example row %v", rows[1])
			}
		},
	}}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestAdminImportDryRun(t *testing.T) {
	ids := loadDemoIDs(t)
	bad := personRow("zhao.liu", "赵六", "东城市税务局", "11010119900307123")
	bad[7] = invalidID("11010119900307123")
	sheet := [][]string{
		importHeader,
		personRow("wang.wu", "王五", "东城市税务局", "11010119800101123"),               // 2: fine
		personRow("WANG.WU", "王五二", ids.unit(t, "西城市税务局"), "11010119800101124"), // 3: same username as row 2
		bad, // 4: bad 身份证号
		personRow("qian.qi", "钱七", "不存在的单位", "11010119800101125"),       // 5
		personRow("Leader.East", "王市长二", "东城市税务局", "11010119800101126"), // 6: exists already
		{"", "", "", "", "", "", "", ""},                                // 7: blank, skipped
		personRow("sun.ba", "", "东城市税务局", "11010119800101127"),          // 8: no name
	}
	body, headers := upload(t, "admin.sys", "file", xlsx(t, sheet))
	scenarios := []tests.ApiScenario{{
		Name: "a dry run reports every problem row and writes nothing", Method: http.MethodPost,
		URL: "/api/gov/admin/users/import?dry_run=1", Headers: headers, Body: body,
		ExpectedStatus: 200, ExpectedContent: []string{`"dry_run":true`, `"valid":1`, `"invalid":5`, `"created":0`},
		NotExpectedContent: []string{"initial_password"},
		TestAppFactory:     apptest.Factory,
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			unchanged("users", demoUsers)(t, app, res)
			rep := readReport(t, res)
			want := []string{"3:username", "4:id_number", "5:unit", "6:username", "8:name"}
			if got := problemFields(rep); !slices.Equal(got, want) {
				t.Fatalf("problems %v, want %v (%+v)", got, want, rep.Rows)
			}
			if len(rep.Rows) != 6 || !rep.Rows[0].OK || rep.Rows[0].Row != 2 || rep.Rows[0].Username != "wang.wu" {
				t.Fatalf("rows %+v", rep.Rows)
			}
			if p := rep.Rows[1].Problems[0]; p.Message != "与第 2 行重复" || p.Column != "用户名" {
				t.Fatalf("duplicate reported as %+v", p)
			}
			if p := rep.Rows[4].Problems[0]; p.Message != "用户名已存在" {
				t.Fatalf("existing username reported as %+v", p)
			}
		},
	}}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestAdminImport(t *testing.T) {
	ids := loadDemoIDs(t)
	westTax := ids.unit(t, "西城市税务局")
	// columns in another order, with required marks: the header is read by name
	reordered := func(r []string) []string { return append([]string{r[2], r[0]}, append(r[3:], r[1])...) }
	clean := [][]string{
		reordered(slices.Concat([]string{"用户名*", "姓名*", "单位*"}, importHeader[3:])),
		reordered(personRow("wang.wu", "王五", "东城市税务局", "11010119800101123")),
		reordered(personRow("zhou.jiu", "周九", westTax, "11010119800101124")),
	}
	oneBad := [][]string{importHeader,
		personRow("wang.wu", "王五", "东城市税务局", "11010119800101123"),
		personRow("zhou.jiu", "周九", "西城市税务局", "1101011980010112X")[:7], // no 身份证号 column value: fine
		personRow("bad name", "坏", "西城市税务局", "11010119800101125"),
	}
	cleanBody, cleanHeaders := upload(t, "admin.sys", "file", xlsx(t, clean))
	badBody, badHeaders := upload(t, "admin.sys", "file", xlsx(t, oneBad))
	scenarios := []tests.ApiScenario{
		{
			Name: "a clean sheet creates every account in its unit", Method: http.MethodPost,
			URL: "/api/gov/admin/users/import", Headers: cleanHeaders, Body: cleanBody,
			ExpectedStatus: 201, ExpectedContent: []string{`"dry_run":false`, `"valid":2`, `"invalid":0`, `"created":2`, `"initial_password":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				rep := readReport(t, res)
				unchanged("users", demoUsers+2)(t, app, res)
				for i, want := range []struct{ username, unit, path string }{
					{"wang.wu", ids.unit(t, "东城市税务局"), "/0001/0005/0002/"}, {"zhou.jiu", westTax, "/0001/0006/0002/"},
				} {
					u := findUser(t, app, want.username)
					if u.Id != rep.Rows[i].ID || u.GetString("unit") != want.unit || u.GetString("unit_path") != want.path ||
						!u.ValidatePassword(rep.Rows[i].InitialPassword) || !u.GetBool("must_change_password") ||
						!slices.Equal(u.GetStringSlice("roles"), []string{"staff"}) || u.GetString("rank") != "一级科员" {
						t.Fatalf("row %d stored as %v", i, u.PublicExport())
					}
				}
			},
		},
		{
			Name: "one bad row and nothing is created", Method: http.MethodPost,
			URL: "/api/gov/admin/users/import", Headers: badHeaders, Body: badBody,
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"status":400`, `"code":"invalid_input"`, `"file":{"code":"rows_invalid"`, `"report":{`, `"valid":2`, `"invalid":1`, `"created":0`},
			NotExpectedContent: []string{"initial_password"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				unchanged("users", demoUsers)(t, app, res)
				rep := readReport(t, res)
				if rep.Report == nil || !slices.Equal(problemFields(*rep.Report), []string{"4:username"}) {
					t.Fatalf("report %+v", rep.Report)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

func TestAdminImportBadFiles(t *testing.T) {
	noID := xlsx(t, [][]string{importHeader[:7], personRow("wang.wu", "王五", "东城市税务局", "11010119800101123")[:7]})
	many := [][]string{importHeader}
	for range 5001 {
		many = append(many, []string{"x"})
	}
	ambiguous := xlsx(t, [][]string{importHeader, personRow("wang.wu", "王五", "甲县城关镇人民政府", "11010119800101123")})
	file := func(name string, data []byte, code, message string) tests.ApiScenario {
		body, headers := upload(t, "admin.sys", "file", data)
		return tests.ApiScenario{
			Name: name, Method: http.MethodPost, URL: "/api/gov/admin/users/import", Headers: headers, Body: body,
			ExpectedStatus: 400, ExpectedContent: []string{`"file":{"code":"` + code + `","message":"` + message},
			AfterTestFunc: unchanged("users", demoUsers), TestAppFactory: apptest.Factory,
		}
	}
	otherField, otherHeaders := upload(t, "admin.sys", "sheet", noID)
	amb := file("an ambiguous unit name", ambiguous, "rows_invalid", "有 1 行有误")
	amb.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		u := unitByName(t, app, "乙县城关镇人民政府") // now two townships share a name
		u.Set("name", "甲县城关镇人民政府")
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
	}
	amb.ExpectedContent = append(amb.ExpectedContent, "有 2 个单位名为“甲县城关镇人民政府”，请改填单位 ID")
	scenarios := []tests.ApiScenario{
		file("a missing column is named", noID, "missing_column", "表头缺少列：身份证号"),
		file("not a spreadsheet", []byte("username,name\nx,y\n"), "invalid_file", "无法读取文件"),
		file("too many rows", xlsx(t, many), "too_many_rows", "一次最多导入 5000 行"),
		file("too large", bytes.Repeat([]byte("x"), 5<<20+1), "too_large", "文件不能超过 5 MB"),
		file("no data rows", xlsx(t, [][]string{importHeader}), "empty", "表格中没有数据行"),
		amb,
		{
			Name: "no file field", Method: http.MethodPost, URL: "/api/gov/admin/users/import", Headers: otherHeaders, Body: otherField,
			ExpectedStatus: 400, ExpectedContent: []string{`"file":{"code":"required"`},
			AfterTestFunc: unchanged("users", demoUsers), TestAppFactory: apptest.Factory,
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestAdminImportIDNumbers: a 身份证号 used by another account (found by
// its hash: stored encrypted) or by an earlier row is refused; imported
// numbers are stored encrypted with their hashes.
func TestAdminImportIDNumbers(t *testing.T) {
	taken := personRow("wang.wu", "王五", "东城市税务局", "11010119800101123")
	taken[7] = strings.ToLower(org.DemoIDNumber(5))
	again := personRow("zhou.jiu", "周九", "东城市税务局", "11010119800101124")
	first := personRow("li.shi", "李十", "东城市税务局", "11010119800101124")
	sheet := [][]string{importHeader, taken, first, again}
	body, headers := upload(t, "admin.sys", "file", xlsx(t, sheet))
	okBody, okHeaders := upload(t, "admin.sys", "file", xlsx(t, [][]string{importHeader, first}))
	scenarios := []tests.ApiScenario{
		{
			Name: "taken and repeated 身份证号", Method: http.MethodPost,
			URL: "/api/gov/admin/users/import?dry_run=1", Headers: headers, Body: body,
			ExpectedStatus: 200, ExpectedContent: []string{`"valid":1`, `"invalid":2`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				rep := readReport(t, res)
				if got := problemFields(rep); !slices.Equal(got, []string{"2:id_number", "4:id_number"}) {
					t.Fatalf("problems %v (%+v)", got, rep.Rows)
				}
				if p := rep.Rows[0].Problems[0]; p.Message != "该身份证号已被其他账号使用" {
					t.Fatalf("taken reported as %+v", p)
				}
				if p := rep.Rows[2].Problems[0]; p.Message != "与第 3 行重复" {
					t.Fatalf("repeat reported as %+v", p)
				}
			},
		},
		{
			Name: "imported numbers are stored encrypted", Method: http.MethodPost,
			URL: "/api/gov/admin/users/import", Headers: okHeaders, Body: okBody,
			ExpectedStatus: 201, ExpectedContent: []string{`"created":1`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				u := findUser(t, app, "li.shi")
				vault, err := pii.For(app)
				if err != nil {
					t.Fatal(err)
				}
				id, _ := vault.Decrypt(u.GetString("id_number"))
				phone, _ := vault.Decrypt(u.GetString("phone"))
				if id != first[7] || phone != first[6] || u.GetString("id_number_hash") != vault.Hash(pii.KindIDNumber, first[7]) ||
					u.GetString("phone_hash") != vault.Hash(pii.KindPhone, first[6]) {
					t.Fatalf("stored %q %q → %q %q", u.GetString("id_number"), u.GetString("phone"), id, phone)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}
