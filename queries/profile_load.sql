-- profile_load: one mapping profile: version $version of $profile_name, or its newest when $version is null.
-- returns: at most one row: name, version, kind, made_by, made_at, spec
-- params: $profile_name, $version (integer or null)
select name, version, kind, made_by, made_at, spec
from mapping_profiles
where name = $profile_name
  and ($version is null or version = $version)
order by version desc
limit 1
