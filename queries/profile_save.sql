-- profile_save: stores one version of a mapping profile (see schema.sql, mapping_profiles).
-- params: $profile_name, $version, $kind, $header_key, $spec (JSON), $made_by, $made_at
insert into mapping_profiles (name, version, kind, header_key, spec, made_by, made_at)
values ($profile_name, $version, $kind, $header_key, $spec, $made_by, $made_at)
