-- PostgreSQL twin of ../018_kiosk_hours.sql.
-- The hours each kiosk was online (issue 17, part 9): the dashboard's "kiosks online over the
-- last 7 days". The heartbeat flush notes the hour of each heartbeat (one row per kiosk and
-- hour) and forgets hours older than eight days; the kiosk row keeps only the last heartbeat.
CREATE TABLE kiosk_hours (
    hour bigint NOT NULL,
    kiosk_id text NOT NULL,
    PRIMARY KEY (hour, kiosk_id)
);
