package hooks

import (
	"io/fs"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/security"
	pbpublic "govcollab/pb_public"
)

// bindRoutes is the one place that lists every route of the application.
func bindRoutes(se *core.ServeEvent, g *Gov) {
	r := se.Router
	r.Bind(api.ErrorMiddleware())
	r.Bind(g.Sessions.Middleware())
	r.Bind(security.ClosedFlows())
	r.Bind(security.StepGate())
	r.Bind(security.APIHeaders())

	// JSON bodies are small; upload routes bind a larger limit of their own.
	gov := r.Group("/api/gov").Bind(security.BodyLimit(security.JSONBodyLimit))

	// Public facts the login page shows (no login needed)
	gov.GET("/info", g.handleInfo)

	// Session and current user
	gov.POST("/logout", g.Sessions.Logout)
	gov.GET("/me", g.Org.HandleMe)

	// Auth: my password and sessions; secadmin's unlock and security
	// settings; sysadmin's password reset
	gov.POST("/auth/password", g.Auth.HandlePasswordChange)
	gov.GET("/auth/password-policy", g.Auth.HandlePasswordPolicy)
	gov.GET("/sessions", g.Sessions.HandleList)
	gov.DELETE("/sessions/{id}", g.Sessions.HandleEnd)
	gov.POST("/admin/unlock", g.Auth.HandleUnlock)
	gov.POST("/admin/users/{id}/reset-password", g.Auth.HandleResetPassword)
	gov.GET("/admin/security", g.Auth.HandleGetSettings)
	gov.PUT("/admin/security", g.Auth.HandleSaveSettings)

	// Second factor (TOTP): status, enrol, confirm, verify, recovery codes;
	// a secadmin's reset
	gov.GET("/auth/totp", g.TOTP.HandleStatus)
	gov.POST("/auth/totp", g.TOTP.HandleVerify)
	gov.POST("/auth/totp/enrol", g.TOTP.HandleEnrol)
	gov.POST("/auth/totp/enrol/confirm", g.TOTP.HandleConfirm)
	gov.POST("/auth/totp/recovery", g.TOTP.HandleRecovery)
	gov.DELETE("/admin/users/{id}/totp", g.TOTP.HandleReset)

	// Org directory: units and people (通讯录)
	gov.GET("/units", g.Org.HandleUnits)
	gov.GET("/users", g.Org.HandleDirectory)

	// Org admin (三员): units and accounts (sysadmin), roles, grants and
	// policy (secadmin), as the policy allows.
	gov.GET("/admin/units", g.Org.HandleAdminUnits)
	gov.POST("/admin/units", g.Org.HandleCreateUnit)
	gov.PATCH("/admin/units/{id}", g.Org.HandleUpdateUnit)
	gov.POST("/admin/units/{id}/move", g.Org.HandleMoveUnit)
	gov.POST("/admin/units/{id}/deactivate", g.Org.HandleDeactivateUnit)
	gov.POST("/admin/units/{id}/activate", g.Org.HandleActivateUnit)
	gov.GET("/admin/users", g.Org.HandleAdminUsers)
	gov.POST("/admin/users", g.Org.HandleCreateUser)
	gov.POST("/admin/users/import", g.Org.HandleImportUsers).Bind(security.BodyLimit(security.UploadLimit))
	gov.GET("/admin/users/import/template", g.Org.HandleImportTemplate)
	gov.POST("/admin/users/{id}/deactivate", g.Org.HandleDeactivateUser)
	gov.POST("/admin/users/{id}/activate", g.Org.HandleActivateUser)
	gov.POST("/admin/users/{id}/move", g.Org.HandleMoveUser)
	gov.PUT("/admin/users/{id}/roles", g.Org.HandleSetRoles)
	gov.GET("/admin/grants", g.Org.HandleAdminGrants)
	gov.POST("/admin/grants", g.Org.HandleCreateGrant)
	gov.DELETE("/admin/grants/{id}", g.Org.HandleRevokeGrant)
	gov.GET("/admin/policy", g.Org.HandlePolicy)
	gov.PUT("/admin/policy", g.Org.HandleSavePolicy).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.POST("/admin/policy/validate", g.Org.HandleValidatePolicy).Bind(security.BodyLimit(security.LargeBodyLimit))

	// Audit (auditor only): the log, its chain check and the archive export;
	// every request made with a superuser token is audited (bound after the
	// session check, at its priority).
	r.Bind(g.Audit.SuperuserMiddleware())
	gov.GET("/audit", g.Audit.HandleList)
	gov.GET("/audit/verify", g.Audit.HandleVerify)
	gov.GET("/audit/export", g.Audit.HandleExport)

	// Files: upload (checked by content, size and 密级 mark), download via
	// a short signed URL after the policy allows the owning record, the
	// signed local URLs themselves, and the archive's integrity check.
	gov.POST("/files", g.Files.HandleUpload).Bind(files.StreamBody(), security.BodyLimit(files.UploadBodyLimit))
	gov.GET("/files/{id}", g.Files.HandleDownload)
	gov.GET("/blob/{store}/{key...}", g.Files.HandleBlob)
	gov.POST("/archive/verify", g.Files.HandleVerify)

	// Cases 经验案例: list (filters, ?mine=1, ?queue=1), write, review, publish
	// Documents 公文: drafts, the step engine (one action per request),
	// timeline, boxes (待办/已办/我起草的), templates, the 收文 queue of
	// internal exchange, and the working-day calendar
	gov.GET("/docs", g.Docs.HandleList)
	gov.POST("/docs", g.Docs.HandleCreate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.GET("/docs/counts", g.Docs.HandleCounts)
	gov.GET("/docs/{id}", g.Docs.HandleView)
	gov.PATCH("/docs/{id}", g.Docs.HandleUpdate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.DELETE("/docs/{id}", g.Docs.HandleDelete)
	gov.POST("/docs/{id}/actions", g.Docs.HandleAction)
	gov.GET("/docs/{id}/timeline", g.Docs.HandleTimeline)
	gov.GET("/docs/{id}/print", g.Docs.HandlePrint)
	gov.GET("/workflows", g.Docs.HandleTemplates)
	gov.POST("/workflows", g.Docs.HandleCreateTemplate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.POST("/workflows/validate", g.Docs.HandleValidateTemplate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.PUT("/workflows/{id}", g.Docs.HandleUpdateTemplate).Bind(security.BodyLimit(security.LargeBodyLimit))
	// Mail-in: receiving mailboxes (settings, connection test)
	gov.GET("/mailboxes", g.Mail.HandleList)
	gov.POST("/mailboxes", g.Mail.HandleCreate)
	gov.GET("/mailboxes/{id}", g.Mail.HandleView)
	gov.PATCH("/mailboxes/{id}", g.Mail.HandleUpdate)
	gov.DELETE("/mailboxes/{id}", g.Mail.HandleDelete)
	gov.POST("/mailboxes/{id}/test", g.Mail.HandleTest)
	gov.GET("/inbound", g.Docs.HandleInbound)
	gov.POST("/inbound/{id}/receive", g.Docs.HandleReceive)
	gov.POST("/inbound/{id}/refuse", g.Docs.HandleRefuse)
	gov.POST("/inbound/{id}/register", g.Docs.HandleRegister)
	gov.GET("/calendar", g.Calendar.HandleCalendar)
	gov.PUT("/calendar/{date}", g.Calendar.HandleSetDay)
	gov.DELETE("/calendar/{date}", g.Calendar.HandleDeleteDay)

	// Notices 通知公告: inbox/sent lists, publish (audience checked against
	// the publisher's right), audience preview, read (recorded), confirm,
	// forward, withdraw, correct, 主动公开 approval, per-unit receipts
	// Training: courses (catalog, offer), enrolment, check-in, attendance
	// corrections; the ledger
	gov.GET("/courses", g.Training.HandleList)
	gov.POST("/courses", g.Training.HandleCreate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.GET("/courses/{id}", g.Training.HandleView)
	gov.PATCH("/courses/{id}", g.Training.HandleUpdate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.POST("/courses/{id}/status", g.Training.HandleStatus)
	gov.POST("/courses/{id}/enroll", g.Training.HandleEnroll)
	gov.POST("/courses/{id}/cancel", g.Training.HandleCancel)
	gov.GET("/courses/{id}/roster", g.Training.HandleRoster)
	gov.POST("/courses/{id}/sessions/{sid}/checkin-code", g.Training.HandleOpenCheckin)
	gov.GET("/courses/{id}/sessions/{sid}/checkin-qr", g.Training.HandleCheckinQR)
	gov.POST("/courses/{id}/checkin", g.Training.HandleCheckin)
	gov.POST("/courses/{id}/attendance", g.Training.HandleAttendance)
	gov.GET("/courses/{id}/quiz", g.Training.HandleQuiz)
	gov.POST("/courses/{id}/quiz", g.Training.HandleSaveQuiz).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.POST("/courses/{id}/quiz/attempts", g.Training.HandleStartAttempt)
	gov.POST("/courses/{id}/quiz/attempts/{aid}/submit", g.Training.HandleSubmit)
	gov.POST("/courses/{id}/quiz/attempts/{aid}/grade", g.Training.HandleGrade)
	gov.GET("/training/ledger", g.Training.HandleLedger)
	gov.GET("/training/me", g.Training.HandleMyYear)
	gov.GET("/training/requirements", g.Training.HandleRequirements)
	gov.PUT("/training/requirements", g.Training.HandleSetRequirements)
	gov.GET("/training/compliance", g.Training.HandleCompliance)
	gov.GET("/training/compliance/export", g.Training.HandleComplianceExport)
	gov.GET("/training/compliance/people", g.Training.HandleStandings)
	gov.POST("/training/compliance/remind", g.Training.HandleRemind)
	gov.POST("/training/certificates", g.Training.HandleCertificate)
	gov.GET("/training/credits/{id}", g.Training.HandleCredit)
	gov.POST("/training/certificates/{id}/approve", g.Training.HandleApproveCertificate)
	gov.POST("/training/certificates/{id}/reject", g.Training.HandleRejectCertificate)

	gov.GET("/notices", g.Notices.HandleList)
	gov.POST("/notices", g.Notices.HandleCreate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.GET("/notices/summary", g.Notices.HandleSummary)
	gov.POST("/notices/preview", g.Notices.HandlePreview)
	gov.GET("/notices/{id}", g.Notices.HandleView)
	gov.POST("/notices/{id}/confirm", g.Notices.HandleConfirm)
	gov.POST("/notices/{id}/forward", g.Notices.HandleForward)
	gov.POST("/notices/{id}/withdraw", g.Notices.HandleWithdraw)
	gov.POST("/notices/{id}/correct", g.Notices.HandleCorrect).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.POST("/notices/{id}/approve-public", g.Notices.HandleApprovePublic)
	gov.GET("/notices/{id}/receipts", g.Notices.HandleReceipts)
	gov.GET("/notices/{id}/receipts/people", g.Notices.HandlePeople)
	gov.GET("/notices/{id}/receipts/export", g.Notices.HandleExport)

	gov.GET("/workbench", g.Bench.HandleWorkbench)
	gov.GET("/search", g.Finder.HandleSearch)
	gov.GET("/search/suggest", g.Finder.HandleSuggest)
	gov.GET("/search/recent", g.Finder.HandleRecent)
	gov.DELETE("/search/recent", g.Finder.HandleClearRecent)
	gov.GET("/search/synonyms", g.Finder.HandleSynonyms)
	gov.PUT("/search/synonyms", g.Finder.HandleSetSynonyms)
	gov.GET("/cases", g.Cases.HandleList)
	gov.POST("/cases", g.Cases.HandleCreate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.POST("/cases/preview", g.Cases.HandlePreview).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.GET("/cases/{id}", g.Cases.HandleView)
	gov.PATCH("/cases/{id}", g.Cases.HandleUpdate).Bind(security.BodyLimit(security.LargeBodyLimit))
	gov.DELETE("/cases/{id}", g.Cases.HandleDelete)
	gov.POST("/cases/{id}/submit", g.Cases.HandleSubmit)
	gov.POST("/cases/{id}/withdraw", g.Cases.HandleWithdraw)
	gov.POST("/cases/{id}/approve", g.Cases.HandleApprove)
	gov.POST("/cases/{id}/reject", g.Cases.HandleReject)
	gov.POST("/cases/{id}/archive", g.Cases.HandleArchive)
	gov.GET("/cases/{id}/comments", g.Cases.HandleComments)
	gov.POST("/cases/{id}/comments", g.Cases.HandleComment)
	gov.DELETE("/cases/{id}/comments/{cid}", g.Cases.HandleDeleteComment)
	gov.POST("/cases/{id}/vote", g.Cases.HandleVote)
	gov.DELETE("/cases/{id}/vote", g.Cases.HandleUnvote)
	gov.POST("/cases/{id}/bookmark", g.Cases.HandleBookmark)
	gov.DELETE("/cases/{id}/bookmark", g.Cases.HandleUnbookmark)
	gov.GET("/cases/{id}/similar", g.Cases.HandleSimilar)
	gov.GET("/cases/{id}/related", g.Cases.HandleRelated)
	gov.GET("/feed", g.Cases.HandleFeed)
	gov.GET("/follows", g.Cases.HandleFollows)
	gov.POST("/follows", g.Cases.HandleFollow)
	gov.DELETE("/follows/{id}", g.Cases.HandleUnfollow)

	// My notifications (live through the notifications collection)
	gov.GET("/notifications", g.Notify.HandleList)
	gov.POST("/notifications/read", g.Notify.HandleRead)

	// 政务公开 (no login): approved 主动公开 notices only
	r.GET("/public/", g.Notices.HandlePublicList).Bind(publicHeaders())
	r.GET("/public/feed.atom", g.Notices.HandlePublicFeed).Bind(publicHeaders())
	r.GET("/public/{id}", g.Notices.HandlePublicPage).Bind(publicHeaders())

	// The UI, registered last; unknown /api/ paths answer JSON 404 instead
	// of falling through to index.html.
	r.GET("/{path...}", staticUI(pbpublic.FS))
}

// contentSecurityPolicy forbids inline scripts and framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func staticUI(fsys fs.FS) func(*core.RequestEvent) error {
	serve := apis.Static(fsys, true)
	return func(e *core.RequestEvent) error {
		p := e.Request.PathValue(apis.StaticWildcardParam)
		if p == "api" || strings.HasPrefix(p, "api/") {
			return api.NotFound()
		}
		uiHeaders(e)
		return serve(e)
	}
}

// publicHeaders: the public pages get the UI's headers (no script at all).
func publicHeaders() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{Func: func(e *core.RequestEvent) error {
		uiHeaders(e)
		return e.Next()
	}}
}

func uiHeaders(e *core.RequestEvent) {
	h := e.Response.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
}
