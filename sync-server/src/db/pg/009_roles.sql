-- PostgreSQL twin of ../009_roles.sql.
-- Roles within an org (issue 17): which parts of the console and the staff API an account may
-- use, within its org subtree. A comma-separated set, in the order admin, publisher,
-- case_handler, viewer (`staff::roles::Roles`). Every account written from now on names its
-- roles; the default (none) only fills the column. Accounts from before roles existed did
-- everything in their subtree, and keep doing so: all four.
ALTER TABLE staff ADD COLUMN roles text NOT NULL DEFAULT '';
UPDATE staff SET roles = 'admin,publisher,case_handler,viewer';
