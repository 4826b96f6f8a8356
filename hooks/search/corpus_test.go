package search_test

import (
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
	"govcollab/hooks/search"
)

// tdoc is one test case record: units u1 (odd ids) and u2 (even ids).
type tdoc struct{ id, title, body string }

var corpus = []tdoc{
	{"c01", "个体工商户办理营业执照的流程", "申请人携带身份证到政务服务中心窗口，提交个体工商户登记申请，当场领取营业执照。"},
	{"c02", "营业执照遗失补办", "企业营业执照遗失后，应在国家企业信用信息公示系统发布遗失声明，再申请补领。"},
	{"c03", "食品经营许可证的申请条件", "从事食品销售和餐饮服务，应当依法取得食品经营许可证，并具备与经营品种相适应的场所。"},
	{"c04", "2024年社保缴费基数调整通知", "根据省人社厅通知，2024年度社保缴费基数上下限自7月1日起调整，请各单位及时申报。"},
	{"c05", "税务登记与营业执照“多证合一”", "实行“多证合一”改革后，企业领取营业执照即完成税务登记，无需另行办理。"},
	{"c06", "行政许可事项清单管理", "各地要严格落实行政许可事项清单，清单之外不得违法实施行政许可。"},
	{"c07", "某县推行“一窗通办”的做法", "县政务服务中心整合窗口，群众办理社保缴费、税务登记等事项只需跑一次。"},
	{"c08", "餐饮店开业前需要哪些证照", "新开餐饮店应先办理营业执照，再申请食品经营许可证，消防检查合格后方可营业。"},
	{"c09", "个体工商户年报提醒", "个体工商户应于每年1月1日至6月30日通过公示系统报送上一年度年度报告。"},
	{"c10", "跨省通办：社保关系转移", "参保人员跨省流动就业的，可通过线上平台申请转移社保关系，缴费年限累计计算。"},
	{"c11", "执照与营业场所变更", "企业变更营业场所的，应当在三十日内向登记机关申请变更登记并换发执照。"},
	{"c12", "电子营业执照在政务服务中的应用", "电子营业执照与纸质执照具有同等法律效力，可用于网上身份验证。"},
	{"c13", "小微企业税收优惠政策解读", "2024年小规模纳税人增值税减免政策延续执行，符合条件的个体工商户同样适用。"},
	{"c14", "食品安全抽检结果公示", "市场监管局对辖区内食品经营单位开展抽检，不合格产品已责令下架。"},
	{"c15", "行政处罚裁量基准", "对首次轻微违法行为依法不予行政处罚，体现包容审慎监管。"},
	{"c16", "建设工程规划许可证办理指南", "申请建设工程规划许可证，需提交规划设计方案和用地证明。"},
	{"c17", "不动产登记便民措施", "不动产登记与税务、水电气过户实行联办，办理时间压缩至一个工作日。"},
	{"c18", "2023年度考核结果", "根据2023年度考核办法，对表现优秀的窗口工作人员予以通报表扬。"},
	{"c19", "灵活就业人员社保缴费指南", "灵活就业人员可通过手机APP自助缴纳养老保险，缴费档次可自行选择。"},
	{"c20", "企业开办“一网通办”", "企业开办实现营业执照、公章刻制、税务登记、社保登记全程网办，2024年平均用时1.5个工作日。"},
	{"c21", "药品经营许可证换证", "药品经营许可证有效期届满需要继续经营的，应在有效期届满前六个月申请换证。"},
	{"c22", "行政许可听证程序", "行政机关作出涉及重大公共利益的行政许可决定前，应当向社会公告并举行听证。"},
	{"c23", "个体户转企业", "个体工商户转型为企业的，可以保留原字号，依法办理注销登记和设立登记。"},
	{"c24", "营业性演出审批", "举办营业性演出，应当向文化和旅游主管部门提出申请，审批时限为3个工作日。"},
	{"c25", "纳税信用等级评价", "税务机关每年4月发布上一年度纳税信用A级纳税人名单。"},
	{"c26", "城乡居民医保缴费提醒", "2024年度城乡居民医保个人缴费标准为每人每年380元，请于年底前完成缴费。"},
	{"c27", "食品经营许可证延续", "食品经营许可证有效期为5年，需要延续的应在届满前40个工作日提出申请。"},
	{"c28", "工程建设项目审批制度改革", "推行并联审批，压缩工程建设项目审批时间，实行行政许可容缺受理。"},
	{"c29", "社保卡申领和激活", "新参保人员可在银行网点申领社保卡，首次使用前需激活金融账户。"},
	{"c30", "ＩＣＰ备案与营业执照", "网站开办者应先取得营业执照，再办理ICP备案手续。"},
}

func unitOf(i int) string {
	if i%2 == 0 { // c01 is index 0
		return "u1"
	}
	return "u2"
}

// corpusApp is a migrated app with t_docs (the domain table) holding the
// corpus, indexed as doc type "cases".
func corpusApp(t testing.TB) core.App {
	app, _ := apptest.New(t)
	t.Cleanup(app.Cleanup)
	search.SetSynonyms(nil) // the oracle knows no synonyms
	// the demo content is indexed too: start from an empty index
	exec(t, app, "DELETE FROM search_fts", nil)
	exec(t, app, "DELETE FROM search_docs", nil)
	exec(t, app, "CREATE TABLE t_docs (id TEXT PRIMARY KEY, unit TEXT NOT NULL, title TEXT, body TEXT)", nil)
	err := app.RunInTransaction(func(tx core.App) error {
		for i, d := range corpus {
			exec(t, tx, "INSERT INTO t_docs (id, unit, title, body) VALUES ({:id}, {:u}, {:t}, {:b})",
				dbx.Params{"id": d.id, "u": unitOf(i), "t": d.title, "b": d.body})
			if err := search.Index(tx, "cases", d.id, search.Doc{Title: d.title, Body: d.body}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func exec(t testing.TB, app core.App, sql string, p dbx.Params) {
	t.Helper()
	if _, err := app.DB().NewQuery(sql).Bind(p).Execute(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
