-- +goose Up
-- How many members each organization has, kept by a trigger (which also
-- sees deletions cascading from users and organizations), so a member
-- table's total is one row read rather than a walk of every member.
CREATE TABLE organization_member_counts (
    organization_id TEXT COLLATE "C" PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    members         BIGINT NOT NULL
);
INSERT INTO organization_member_counts (organization_id, members)
SELECT organization_id, COUNT(*) FROM organization_members GROUP BY organization_id;

-- +goose StatementBegin
CREATE FUNCTION count_organization_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO organization_member_counts (organization_id, members) VALUES (NEW.organization_id, 1)
        ON CONFLICT (organization_id) DO UPDATE SET members = organization_member_counts.members + 1;
    ELSE
        UPDATE organization_member_counts SET members = members - 1 WHERE organization_id = OLD.organization_id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER organization_members_counted AFTER INSERT OR DELETE ON organization_members
FOR EACH ROW EXECUTE FUNCTION count_organization_members();

-- +goose Down
DROP TRIGGER organization_members_counted ON organization_members;
DROP FUNCTION count_organization_members();
DROP TABLE organization_member_counts;
