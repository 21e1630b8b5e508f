-- PostgreSQL twin of ../020_branch_page.sql.
-- 职工之家: an org's own page is content of kind 'branch_page'; an org has one at most (saving
-- again makes a new version of it), which this index holds to.
CREATE UNIQUE INDEX content_branch_page_org ON content(org_id) WHERE kind = 'branch_page';
