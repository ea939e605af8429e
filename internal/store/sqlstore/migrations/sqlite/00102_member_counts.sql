-- +goose Up
-- How many members each organization has, kept by triggers (which also
-- see deletions cascading from users and organizations), so a member
-- table's total is one row read rather than a walk of every member.
CREATE TABLE organization_member_counts (
    organization_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    members         INTEGER NOT NULL
) STRICT;
INSERT INTO organization_member_counts (organization_id, members)
SELECT organization_id, COUNT(*) FROM organization_members GROUP BY organization_id;

-- +goose StatementBegin
CREATE TRIGGER organization_members_counted AFTER INSERT ON organization_members
BEGIN
    INSERT INTO organization_member_counts (organization_id, members) VALUES (NEW.organization_id, 1)
    ON CONFLICT (organization_id) DO UPDATE SET members = members + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER organization_members_uncounted AFTER DELETE ON organization_members
BEGIN
    UPDATE organization_member_counts SET members = members - 1 WHERE organization_id = OLD.organization_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER organization_members_uncounted;
DROP TRIGGER organization_members_counted;
DROP TABLE organization_member_counts;
