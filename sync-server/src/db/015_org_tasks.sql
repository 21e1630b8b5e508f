-- Tasks down the hierarchy (issue 17, part 6): a higher org sends a notice or a task, with a
-- due date, to the orgs directly below it; each of them acknowledges it and marks it done, and
-- the sender sees who has not. Kept for the record, never deleted.
CREATE TABLE org_tasks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    created_by INTEGER REFERENCES staff(id),
    created_at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('notice', 'task')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    due_at INTEGER
);
CREATE INDEX org_tasks_of ON org_tasks(org_id, id);
CREATE TABLE org_task_targets (
    task_id INTEGER NOT NULL REFERENCES org_tasks(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    acknowledged_at INTEGER,
    acknowledged_by INTEGER REFERENCES staff(id),
    done_at INTEGER,
    done_by INTEGER REFERENCES staff(id),
    PRIMARY KEY (task_id, org_id)
);
CREATE INDEX org_task_targets_to ON org_task_targets(org_id, task_id);
