-- filter_options: the values the sidebar offers for therapist and site.
-- returns: field ('therapist' | 'site'), value; one row per distinct stored value
-- params: none
select distinct 'therapist' as field, therapist as value
from sessions
where therapist is not null

union all

select distinct 'site' as field, site as value
from patients
where site is not null;
