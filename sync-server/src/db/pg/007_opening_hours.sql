-- PostgreSQL twin of ../007_opening_hours.sql.
-- Opening hours are content of kind 'opening_hours' (they reach kiosks through the feed like
-- everything else); an org has one set at most, which this index holds to.
CREATE UNIQUE INDEX content_opening_hours_org ON content(org_id) WHERE kind = 'opening_hours';
