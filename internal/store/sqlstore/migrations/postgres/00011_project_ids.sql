-- +goose Up
-- Projects get an immutable internal ID, and project events are keyed by
-- it instead of by the project's name: a name is reused after deletion
-- (in any organization) and changes on rename, an ID never does.
ALTER TABLE projects ADD COLUMN id TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE projects SET id = 'prj' || substr(md5(random()::text || name), 1, 16);
CREATE UNIQUE INDEX projects_id ON projects (id);

ALTER TABLE events ADD COLUMN project_id TEXT COLLATE "C" NOT NULL DEFAULT '';
-- Existing events belong to the project of their name in their
-- organization, if it was created before them; the rest (events of
-- deleted projects) stay in their organization's log only.
UPDATE events SET project_id = COALESCE((
    SELECT p.id FROM projects p
    WHERE p.name = events.project AND p.organization_id = events.organization_id
      AND p.create_time <= events.create_time), '')
WHERE project <> '';
DROP INDEX events_project;
CREATE INDEX events_project_id ON events (project_id, id DESC);

-- +goose Down
DROP INDEX events_project_id;
CREATE INDEX events_project ON events (project, id DESC);
ALTER TABLE events DROP COLUMN project_id;
DROP INDEX projects_id;
ALTER TABLE projects DROP COLUMN id;
