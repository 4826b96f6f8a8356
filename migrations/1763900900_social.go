package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

func init() {
	m.Register(upSocial, downSocial)
}

// FollowKinds are what a user may follow.
var FollowKinds = []string{"tag", "unit", "system", "author"}

// upSocial adds discussion and following around cases, and the per-user
// notifications every module writes:
//   - case_comments, case_votes, case_bookmarks (one vote/bookmark per user);
//   - follows: a user follows a tag, unit, system or author; case_tags
//     lists each published case's tags for them;
//   - notifications: the one collection realtime clients subscribe to; its
//     list/view rule lets a user read only their own (DESIGN: realtime never
//     goes through a guarded collection), and nobody writes through the API.
func upSocial(app core.App) error {
	cm := core.NewBaseCollection("case_comments")
	cm.Fields.Add(
		&core.TextField{Name: "case_id", Required: true, Max: 15},
		&core.TextField{Name: "author", Required: true, Max: 15},
		&core.TextField{Name: "body", Required: true, Max: 10000},
		&core.TextField{Name: "body_html", Max: 50000},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	cm.AddIndex("idx_case_comments_case", false, "case_id, created", "")

	vote := core.NewBaseCollection("case_votes")
	vote.Fields.Add(
		&core.TextField{Name: "case_id", Required: true, Max: 15},
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	vote.AddIndex("idx_case_votes_user", true, "case_id, user", "")

	bm := core.NewBaseCollection("case_bookmarks")
	bm.Fields.Add(
		&core.TextField{Name: "case_id", Required: true, Max: 15},
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	bm.AddIndex("idx_case_bookmarks_user", true, "user, case_id", "")

	f := core.NewBaseCollection("follows")
	f.Fields.Add(
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: FollowKinds},
		&core.TextField{Name: "target", Required: true, Max: 40},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	f.AddIndex("idx_follows_user", true, "user, kind, target", "")
	f.AddIndex("idx_follows_target", false, "kind, target", "")

	// the tags of published cases, one row each, for follows and the feed
	tg := core.NewBaseCollection("case_tags")
	tg.Fields.Add(
		&core.TextField{Name: "case_id", Required: true, Max: 15},
		&core.TextField{Name: "tag", Required: true, Max: 40},
	)
	tg.AddIndex("idx_case_tags_tag", false, "tag, case_id", "")
	tg.AddIndex("idx_case_tags_case", false, "case_id", "")

	n := core.NewBaseCollection("notifications")
	n.Fields.Add(
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "kind", Required: true, Max: 40},
		&core.TextField{Name: "title", Required: true, Max: 300},
		&core.TextField{Name: "body", Max: 1000},
		&core.TextField{Name: "link", Max: 300},
		&core.DateField{Name: "read_at"},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	n.AddIndex("idx_notifications_user", false, "user, created", "")
	own := "user = @request.auth.id"
	n.ListRule = types.Pointer(own)
	n.ViewRule = types.Pointer(own)

	for _, c := range []*core.Collection{cm, vote, bm, f, tg, n} {
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}

func downSocial(app core.App) error {
	return dropCollections(app, "notifications", "case_tags", "follows", "case_bookmarks", "case_votes", "case_comments")
}
