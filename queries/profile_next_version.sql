-- profile_next_version: the version a profile saved now under $profile_name gets (1 for a new name).
-- returns: one row, one column `version`
-- params: $profile_name
select coalesce(max(version), 0) + 1 as version
from mapping_profiles
where name = $profile_name
