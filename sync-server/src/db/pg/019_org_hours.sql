-- PostgreSQL twin of ../019_org_hours.sql.
-- Kiosks online per org and hour (issue 17, part 9): what the dashboard's chart sums over a
-- subtree, so that it reads a row per org and hour rather than one per kiosk and hour (at
-- 10,000 kiosks, 1.7 million rows a week). The heartbeat flush adds one for a kiosk's org the
-- first time it notes that kiosk in an hour (`kiosk_hours`); kept as long as `kiosk_hours`.
CREATE TABLE org_hours (
    hour bigint NOT NULL,
    org_id bigint NOT NULL REFERENCES orgs(id),
    kiosks bigint NOT NULL,
    PRIMARY KEY (hour, org_id)
);
INSERT INTO org_hours (hour, org_id, kiosks)
    SELECT h.hour, k.org_id, COUNT(*) FROM kiosk_hours h JOIN kiosks k ON k.id = h.kiosk_id
    GROUP BY h.hour, k.org_id;
