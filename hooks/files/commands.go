package files

import (
	"context"
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// Commands are the command-line tools of the file service:
//
//	govcollab backup  --out DIR            database + every object, with a manifest
//	govcollab restore --from DIR --into NEWDATADIR
//
// restore fills a fresh data directory (and, when GOV_S3_ENDPOINT is set,
// the configured buckets), checking every part against the manifest.
func (m *Module) Commands() []*cobra.Command {
	var out, from, into string
	backup := &cobra.Command{
		Use:   "backup",
		Short: "Back up the database and all stored files (local or MinIO) into a directory",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			if err := bootstrap(m.app); err != nil {
				return err
			}
			man, err := Backup(context.Background(), m.app, m.Files, m.Archive, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "备份完成：%s（数据库 %d 个，文件对象 %d 个）\n", out, len(man.DB), len(man.Objects))
			return nil
		},
	}
	backup.Flags().StringVar(&out, "out", "", "backup directory to create (must not exist or be empty)")
	restore := &cobra.Command{
		Use:   "restore",
		Short: "Restore a backup into a fresh data directory (and the configured stores)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || into == "" {
				return fmt.Errorf("--from and --into are required")
			}
			// the signing key only serves downloads, which restore makes none of
			open := func(dir string) (Store, Store, error) { return OpenStores(dir, make([]byte, 32)) }
			rep, err := Restore(context.Background(), from, into, open)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "恢复完成：%s（数据库 %d 个，文件对象 %d 个，均已核对 SHA-256）\n", into, rep.DB, rep.Objects)
			return nil
		},
	}
	restore.Flags().StringVar(&from, "from", "", "backup directory made by `backup`")
	restore.Flags().StringVar(&into, "into", "", "new data directory (must not exist or be empty)")
	return []*cobra.Command{backup, restore}
}

func bootstrap(app core.App) error {
	if app.IsBootstrapped() {
		return nil
	}
	return app.Bootstrap()
}
