-- profile_for_header: the profile to apply to a file with this header: among the newest version of
-- each name, those made for exactly this header, the most recently saved first.
-- returns: at most one row: name, version, spec
-- params: $header_key (see clinic/mapping.py header_key)
with newest as (
    select *
    from mapping_profiles
    qualify row_number() over (partition by name order by version desc) = 1
),

final as (
    select name, version, spec
    from newest
    where header_key = $header_key
    order by made_at desc, name
    limit 1
)

select * from final
