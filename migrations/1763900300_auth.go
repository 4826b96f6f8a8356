package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upAuth, downAuth)
}

// upAuth adds the login lockout counters, the date of a user's last
// password change (maximum password age) and turns on PocketBase's own
// per-address rate limiter.
func upAuth(app core.App) error {
	attempts := core.NewBaseCollection("login_attempts")
	attempts.Fields.Add(
		&core.TextField{Name: "identity", Required: true, Max: 255}, // lower-cased
		&core.TextField{Name: "user", Max: 15},                      // empty for unknown identities
		&core.NumberField{Name: "failures", OnlyInt: true},
		&core.DateField{Name: "last_failed"},
		&core.DateField{Name: "locked_until"},
		&core.TextField{Name: "last_ip", Max: 64},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	attempts.AddIndex("idx_login_attempts_identity", true, "identity", "")
	if err := app.Save(attempts); err != nil {
		return err
	}

	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	users.Fields.Add(&core.DateField{Name: "password_changed", Hidden: true})
	if err := app.Save(users); err != nil {
		return err
	}

	// Offices sit behind one NAT: per-address limits are generous, the auth
	// rule still lets a dozen colleagues log in within a second.
	s := app.Settings()
	s.RateLimits.Enabled = true
	s.RateLimits.Rules = []core.RateLimitRule{
		{Label: "*:auth", MaxRequests: 120, Duration: 10, Audience: core.RateLimitRuleAudienceAll},
		{Label: "*:create", MaxRequests: 60, Duration: 5},
		{Label: "/api/batch", MaxRequests: 10, Duration: 1},
		{Label: "/api/", MaxRequests: 3000, Duration: 10},
	}
	return app.Save(s)
}

func downAuth(app core.App) error {
	c, err := app.FindCollectionByNameOrId("login_attempts")
	if err != nil {
		return err
	}
	if err := app.Delete(c); err != nil {
		return err
	}
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	users.Fields.RemoveByName("password_changed")
	if err := app.Save(users); err != nil {
		return err
	}
	s := app.Settings()
	s.RateLimits.Enabled = false
	return app.Save(s)
}
