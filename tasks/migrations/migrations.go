// Package migrations holds the migrations of app "tasks", written by makemigrations.
// makemigrations rewrites this file; the migrations are the other files.
package migrations

import "github.com/galvani-web/galvani/migrate"

// All lists the app's migrations; return it from the app's Migrations method.
var All = []*migrate.Migration{
	m0001Initial,
	m0002RecordRequestId,
	m0003ClaimIndexTask,
}
