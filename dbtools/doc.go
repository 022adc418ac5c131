// Package dbtools holds Django's data commands as a battery: dumpdata and loaddata
// (Django's JSON fixture format, both ways), flush, dbshell and inspectdb.
//
// Install App to get the commands:
//
//	app := galvani.New(settings, blog.App, migrate.App, dbtools.App)
//
// The functions behind them work without a command line: Dump and Load (and
// LoadFiles, LoadFS) read and write fixtures, Flush empties tables, ClientCommand
// builds a database client's command line, Tables, Describe and Inspect read an
// existing schema.
package dbtools
