package training

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audience"
	"govcollab/migrations"
)

// SeedDemo offers 东城市's staff a course of each category, each with a
// quiz — some held, attended and answered (hours in the ledger; some
// sheets wait for grading), one coming with places left, one full with a
// waitlist — so that some staff are ahead and others behind.
// It does nothing when courses exist or there is no demo province.
func (m *Module) SeedDemo() error {
	var n int
	if err := m.app.DB().NewQuery("SELECT COUNT(*) FROM courses").Row(&n); err != nil || n > 0 {
		return err
	}
	leader, err := m.app.FindFirstRecordByData("users", "username", "leader.east")
	if err != nil {
		return nil
	}
	city, err := m.app.FindFirstRecordByData("units", "name", "东城市人民政府")
	if err != nil {
		return err
	}
	var staff []string
	if err := m.app.DB().Select("users.id").From("users").Where(dbx.And(dbx.NewExp("users.unit_path >= {:p} AND users.unit_path < {:q}",
		dbx.Params{"p": city.GetString("path"), "q": city.GetString("path") + "\uffff"}), dbx.HashExp{"users.active": true})).
		OrderBy("users.username").Column(&staff); err != nil {
		return err
	}
	aud := audience.Audience{Units: []audience.UnitSel{{ID: city.Id, Subtree: true}}}
	now := m.now()
	if err := m.seedRequirements(now.In(api.Shanghai).Year(), staff); err != nil {
		return err
	}
	for i, cat := range migrations.CourseCategories {
		held := i < 4 // the first four are over; the rest are coming
		start := now.AddDate(0, 0, 7*(i-4))
		capacity := 0
		if i == len(migrations.CourseCategories)-1 {
			capacity = 2 // full, with a waitlist
		}
		_, err := m.app.Apply(leader.Id, "course.create", func(tx core.App, c *api.Change) error {
			id, err := m.seedCourse(tx, leader, city, aud, cat, i, start, capacity)
			if err != nil {
				return err
			}
			c.Object = CoursesTable + "/" + id
			course, err := tx.FindRecordById(CoursesTable, id)
			if err != nil {
				return err
			}
			quiz, qs, err := seedQuiz(tx, course)
			if err != nil {
				return err
			}
			for k, u := range staff {
				if held && k%(i+2) == 1 {
					continue // some did not take this one: they fall behind
				}
				status, err := m.enrollOne(tx, course, u, leader.Id)
				if err != nil {
					return err
				}
				if held && status == "enrolled" {
					en, err := tx.FindFirstRecordByFilter(EnrollTable, "course = {:c} && user = {:u}", dbx.Params{"c": course.Id, "u": u})
					if err != nil {
						return err
					}
					if err := seedAttempts(tx, quiz, qs, course, u, en.GetString("unit_path"), k, start.Add(26*time.Hour)); err != nil {
						return err
					}
					if err := m.seedAttendance(tx, course, u); err != nil {
						return err
					}
				}
			}
			return tx.Save(course)
		})
		if err != nil {
			return fmt.Errorf("training: seed %s: %w", cat, err)
		}
	}
	return nil
}

func (m *Module) seedCourse(tx core.App, leader, city *core.Record, aud audience.Audience, cat string, i int, start time.Time, capacity int) (string, error) {
	col, err := tx.FindCachedCollectionByNameOrId(CoursesTable)
	if err != nil {
		return "", err
	}
	titles := map[string]string{"政治理论": "学习贯彻党的创新理论专题", "党性教育": "党性修养与作风建设", "业务知识": "优化营商环境业务实务",
		"法律法规": "行政复议法与行政诉讼实务", "信息技术": "数字政府与数据安全", "综合素质": "公文写作与沟通协调"}
	r := core.NewRecord(col)
	r.Load(map[string]any{"title": titles[cat], "description": "本课程由东城市人民政府组织，面向全市干部。",
		"description_html": "<p>本课程由东城市人民政府组织，面向全市干部。</p>\n", "category": cat, "mode": migrations.CourseModes[i%3],
		"hours": float64(4 + 2*(i%3)), "trainer": leader.Id, "unit": city.Id, "unit_path": city.GetString("path"),
		"system": city.GetString("system"), "audience": aud, "links": []Link{}, "capacity": capacity,
		"requires_attendance": true, "year": start.In(api.Shanghai).Year(), "status": "published", "created_by": leader.Id})
	if err := tx.Save(r); err != nil {
		return "", err
	}
	scol, err := tx.FindCachedCollectionByNameOrId(SessionsTable)
	if err != nil {
		return "", err
	}
	for k := range 2 {
		s0 := start.Add(time.Duration(k) * 24 * time.Hour)
		st, _ := types.ParseDateTime(s0)
		en, _ := types.ParseDateTime(s0.Add(3 * time.Hour))
		sr := core.NewRecord(scol)
		sr.Load(map[string]any{"course": r.Id, "seq": k + 1, "title": fmt.Sprintf("第%d讲", k+1), "starts_at": st, "ends_at": en,
			"place": "东城市委党校 301 教室"})
		if err := tx.Save(sr); err != nil {
			return "", err
		}
	}
	return r.Id, nil
}

// seedAttendance marks an enrolled person present at every session, which
// credits the course.
func (m *Module) seedAttendance(tx core.App, course *core.Record, user string) error {
	en, err := tx.FindFirstRecordByFilter(EnrollTable, "course = {:c} && user = {:u} && status = 'enrolled'", dbx.Params{"c": course.Id, "u": user})
	if err != nil {
		return nil // waitlisted
	}
	var sessions []string
	if err := tx.DB().Select("id").From(SessionsTable).Where(dbx.HashExp{"course": course.Id}).Column(&sessions); err != nil {
		return err
	}
	for _, s := range sessions {
		if err := m.mark(tx, course, s, user, en.GetString("unit_path"), true, "code", "", ""); err != nil {
			return err
		}
	}
	return m.settle(tx, course, user)
}

// seedRequirements sets the year's rules (leaders 110 hours, staff 90, of
// them 12 in 政治理论) and credits every other person of the city with
// 网络学院 hours, so that some meet the rules and others are behind.
func (m *Module) seedRequirements(year int, staff []string) error {
	hr, err := m.app.FindFirstRecordByData("users", "username", "hr.prov")
	if err != nil {
		return nil
	}
	_, err = m.app.Apply(hr.Id, "training.requirements", func(tx core.App, c *api.Change) error {
		demo := []Requirement{{Role: "leader", Hours: 110}, {Role: "staff", Hours: 90}, {Category: "政治理论", Hours: 12}}
		if _, err := replaceRules(tx, year, demo, hr.Id); err != nil {
			return err
		}
		c.Object = RequirementsTable + "/" + fmt.Sprint(year)
		for k, u := range staff {
			if k%2 == 1 {
				continue
			}
			for cat, h := range map[string]float64{"业务知识": 80, "政治理论": 12} {
				if _, err := m.Credit(tx, CreditInput{User: u, Source: "manual", Category: cat, Title: "网络学院在线学习",
					Hours: h, Year: year, EarnedAt: m.now(), Note: "网络学院年度学时导入"}); err != nil {
					return err
				}
			}
		}
		return m.Standings(tx, year)
	})
	return err
}
