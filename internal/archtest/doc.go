// Package archtest holds the project's package graph as one table,
// Allowed, and a test that fails on any import between the project's
// packages that the table does not allow, on any package the table does
// not name, and on any difference between the table and the package table
// of ARCHITECTURE.md. A new package or a new import between packages is a
// decision: it goes into the table, and into ARCHITECTURE.md, in the same
// change.
package archtest
