package org

import (
	"fmt"
	"os"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/security"
)

// DefaultDemoPassword is every demo account's password unless
// GOV_DEMO_PASSWORD says otherwise.
const DefaultDemoPassword = "Demo-2026-gov"

// DemoPassword is the password of the demo accounts.
func DemoPassword() string {
	if p := os.Getenv("GOV_DEMO_PASSWORD"); p != "" {
		return p
	}
	return DefaultDemoPassword
}

type demoUnit struct {
	key, name, short, level, kind, system string
	children                              []demoUnit
}

func cityUnits(prefix, city, short string, counties [2][2]string) demoUnit {
	c := demoUnit{key: prefix, name: city + "人民政府", short: short + "政", level: "city", kind: "government"}
	c.children = []demoUnit{
		{key: prefix + ".office", name: city + "人民政府办公室", short: short + "政办", level: "city", kind: "office", system: "office"},
		{key: prefix + ".tax", name: city + "税务局", short: short + "税", level: "city", kind: "department", system: "tax"},
		{key: prefix + ".hr", name: city + "人力资源和社会保障局", short: short + "人社", level: "city", kind: "department", system: "hr"},
		{key: prefix + ".market", name: city + "市场监督管理局", short: short + "市监", level: "city", kind: "department", system: "market"},
	}
	for i, county := range counties {
		k := fmt.Sprintf("%s.county%d", prefix, i+1)
		c.children = append(c.children, demoUnit{key: k, name: city + county[0] + "人民政府", short: county[1] + "政",
			level: "county", kind: "government", children: []demoUnit{
				{key: k + ".town", name: county[0] + "城关镇人民政府", short: county[1] + "城关", level: "township", kind: "government"},
			}})
	}
	return c
}

// DemoProvince is the unit tree of API.md.
func demoProvince() demoUnit {
	return demoUnit{key: "prov", name: "示范省人民政府", short: "示政", level: "province", kind: "government",
		children: []demoUnit{
			{key: "prov.office", name: "示范省人民政府办公厅", short: "示政办", level: "province", kind: "office", system: "office"},
			{key: "prov.tax", name: "示范省税务局", short: "示税", level: "province", kind: "department", system: "tax"},
			{key: "prov.hr", name: "示范省人力资源和社会保障厅", short: "示人社", level: "province", kind: "department", system: "hr"},
			{key: "prov.market", name: "示范省市场监督管理局", short: "示市监", level: "province", kind: "department", system: "market"},
			cityUnits("east", "东城市", "东", [2][2]string{{"甲县", "甲"}, {"乙县", "乙"}}),
			cityUnits("west", "西城市", "西", [2][2]string{{"丙县", "丙"}, {"丁县", "丁"}}),
		}}
}

type demoAccount struct {
	username, name, unit, rank, position string
	roles                                []string
}

// demoAccounts are the accounts of API.md plus the west city's leader and
// clerk, whom the document exchange needs on the receiving side.
var demoAccounts = []demoAccount{
	{"admin.sys", "赵系统", "prov.office", "一级主任科员", "系统管理员", []string{"sysadmin"}},
	{"admin.sec", "钱安全", "prov.office", "一级主任科员", "安全管理员", []string{"secadmin"}},
	{"admin.audit", "孙审计", "prov.office", "一级主任科员", "安全审计员", []string{"auditor"}},
	{"leader.prov", "李省长", "prov", "省部级正职", "省长", []string{"leader"}},
	{"reviewer.prov", "周审核", "prov", "二级巡视员", "知识审核员", []string{"reviewer"}},
	{"trainer.prov", "吴培训", "prov.hr", "一级调研员", "培训处处长", []string{"trainer"}},
	{"hr.prov", "郑人事", "prov.hr", "一级调研员", "组织人事处处长", []string{"hr"}},
	{"leader.east", "王市长", "east", "厅局级正职", "市长", []string{"leader"}},
	{"clerk.east", "冯文书", "east.office", "四级主任科员", "收发员", []string{"clerk"}},
	{"leader.east.tax", "陈局长", "east.tax", "县处级正职", "局长", []string{"leader"}},
	{"staff.east.tax", "褚税务", "east.tax", "一级科员", "税收管理员", []string{"staff"}},
	{"staff.east.hr", "卫人社", "east.hr", "二级主任科员", "社保经办员", []string{"staff"}},
	{"staff.east.county1", "蒋县务", "east.county1", "一级科员", "综合股干部", []string{"staff"}},
	{"staff.west.tax", "沈税务", "west.tax", "一级科员", "税收管理员", []string{"staff"}},
	{"leader.west", "韩市长", "west", "厅局级正职", "市长", []string{"leader"}},
	{"clerk.west", "杨文书", "west.office", "四级主任科员", "收发员", []string{"clerk"}},
}

// SeedDemo fills an empty database with the demo province, in one
// transaction. It does nothing if any unit exists.
func SeedDemo(app *api.App) error {
	var n int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM units").Row(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := app.Apply("", "org.seed_demo", func(tx core.App, c *api.Change) error {
		units := map[string]*core.Record{}
		if err := seedUnits(tx, demoProvince(), "", units); err != nil {
			return err
		}
		col, err := tx.FindCachedCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		for i, a := range demoAccounts {
			u := units[a.unit]
			r := core.NewRecord(col)
			r.Set("username", a.username)
			r.Set("name", a.name)
			r.Set("email", a.username+"@demo.gov.example")
			r.Set("unit", u.Id)
			r.Set("unit_path", u.GetString("path"))
			r.Set("rank", a.rank)
			r.Set("position", a.position)
			r.Set("roles", a.roles)
			r.Set("active", true)
			r.Set("demo", true)
			if err := SetPersonal(tx, r, DemoPhone(i), demoIDNumber(i)); err != nil {
				return fmt.Errorf("org: seed %s: %w", a.username, err)
			}
			r.SetPassword(DemoPassword())
			if err := tx.Save(r); err != nil {
				return fmt.Errorf("org: seed %s: %w", a.username, err)
			}
		}
		c.Object = "units"
		c.After = map[string]int{"units": len(units), "users": len(demoAccounts)}
		return nil
	})
	return err
}

func seedUnits(tx core.App, d demoUnit, parent string, out map[string]*core.Record) error {
	p, sort := parent, len(out)
	r, err := CreateUnit(tx, UnitInput{Name: &d.name, Short: &d.short, Level: &d.level, Kind: &d.kind,
		System: &d.system, Parent: &p, Sort: &sort})
	if err != nil {
		return fmt.Errorf("org: seed unit %s: %w", d.name, err)
	}
	out[d.key] = r
	for _, c := range d.children {
		if err := seedUnits(tx, c, r.Id, out); err != nil {
			return err
		}
	}
	return nil
}

// DemoPhone is demo account i's phone number.
func DemoPhone(i int) string { return fmt.Sprintf("1380013%04d", 1000+i) }

// DemoIDNumber is demo account i's 身份证号 (tests look for it).
func DemoIDNumber(i int) string { return demoIDNumber(i) }

// DemoUsernames lists the demo accounts in seeding order (the i of
// DemoPhone and DemoIDNumber).
func DemoUsernames() []string {
	out := make([]string, len(demoAccounts))
	for i, a := range demoAccounts {
		out[i] = a.username
	}
	return out
}

// demoIDNumber makes a check-digit-valid 身份证号 for demo account i.
func demoIDNumber(i int) string {
	first := fmt.Sprintf("110101%04d%02d%02d%03d", 1975+i, 1+i%12, 1+i%28, 100+i)
	return first + string(security.IDCheckChar(first))
}

// DemoUnitKeys exposes the seeded tree's shape for tests.
func DemoUnitKeys() map[string]string {
	out := map[string]string{}
	var walk func(d demoUnit)
	walk = func(d demoUnit) {
		out[d.key] = d.name
		for _, c := range d.children {
			walk(c)
		}
	}
	walk(demoProvince())
	return out
}
