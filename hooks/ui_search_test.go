package hooks_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUISearch: staff.east.tax searches 营商环境 from the top bar: hits of
// several types with the words marked, each type's count as a tab; the
// 课程 tab narrows the list to courses; a hit opens its page; the empty
// box offers recent searches and typing suggests titles; a query that
// finds nothing offers shorter words; at 375 px too.
func TestUISearch(t *testing.T) {
	base, _ := startUIServer(t)
	b := newBrowser(t)
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "staff.east.tax", demoPassword)
	b.step("search from the top bar",
		chromedp.WaitVisible(chromedp.ID("topbar-q")),
		typeInto("topbar-q", "营商环境"),
		chromedp.SendKeys(chromedp.ID("topbar-q"), "\n"),
		waitText("#srch-total", "找到"),
		waitJS(`new Set([...document.querySelectorAll('#srch-list .srch-item')].map(li => li.dataset.type)).size >= 2`),
		waitJS(`!!document.querySelector('#srch-list mark.case-hit')`),
		waitJS(`Number(document.querySelector('#srch-tabs [data-type="course"] .srch-count').textContent) >= 1`),
	)
	b.screenshot("search-1280")
	b.step("the 课程 tab lists courses only, and one opens",
		chromedp.Click(chromedp.CSS(`#srch-tabs [data-type="course"]`)),
		waitJS(`location.hash.includes('type=course')`),
		waitJS(`[...document.querySelectorAll('#srch-list .srch-item')].length > 0 && [...document.querySelectorAll('#srch-list .srch-item')].every(li => li.dataset.type === 'course')`),
		chromedp.Click(chromedp.CSS(`#srch-list .srch-item a.case-item-title`)),
		chromedp.WaitVisible(chromedp.ID("trn-course-title")),
	)
	b.step("suggestions while typing: a title opens its page",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/search'`),
		chromedp.WaitVisible(chromedp.ID("srch-q")),
		chromedp.Focus(chromedp.ID("srch-q")),
		waitJS(`[...document.querySelectorAll('#srch-q-suggest .suggest-recent')].some(li => li.textContent.includes('营商环境'))`),
		chromedp.SendKeys(chromedp.ID("srch-q"), "优化营"),
		waitJS(`[...document.querySelectorAll('#srch-q-suggest .suggest-title')].some(li => li.textContent === '优化营商环境业务实务')`),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#srch-q-suggest .suggest-title')].find(li => li.textContent === '优化营商环境业务实务').click()`),
		waitText("#trn-course-title", "优化营商环境业务实务"),
	)
	b.step("nothing found: shorter words offered",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/search?q=' + encodeURIComponent('营商环境 琥珀栈道')`),
		waitText("#srch-none", "没有找到"),
		chromedp.Click(chromedp.CSS(`#srch-none a.srch-try`)),
		waitJS(`document.getElementById('srch-q').value === '营商环境'`),
		waitText("#srch-total", "找到"),
	)
	b.phone("search", "#srch-list")
	b.noConsoleProblems()
}
