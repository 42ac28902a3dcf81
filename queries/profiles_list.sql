-- profiles_list: the newest version of every mapping profile, by name.
-- returns: name, version, versions (how many were saved), kind, made_by, made_at, spec
with numbered as (
    select
        *,
        count(*) over (partition by name) as versions,
        row_number() over (partition by name order by version desc) as newest_first
    from mapping_profiles
),

final as (
    select name, version, versions, kind, made_by, made_at, spec
    from numbered
    where newest_first = 1
)

select * from final
order by name
