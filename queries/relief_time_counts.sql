-- relief_time_counts: the matching courses counted by what one time-to-relief curve reads, so that a
-- network's millions of courses come back as a few thousand rows (clinic/relief_time.py).
-- returns: key (as in relief_time_rows.sql), curve_status, time (for a course with relief so far its
--   relief time, else the time it has been followed: relief_session or sessions_attended when $unit is
--   'sessions', relief_days or followed_days when 'days'), relieved (true when relief came), courses
--   (how many courses share these values); in no particular order.
-- params: the filter set (see filtered_courses.sql), $group (as in relief_time_rows.sql),
--   $unit ('sessions' | 'days')
-- uses: relief_time_rows
-- reads: open_courses (see filtered_courses.sql)
with timed as (
    select
        key,
        curve_status,
        case when $unit = 'days' then relief_days else relief_session end as relief_time,
        case when $unit = 'days' then followed_days else sessions_attended end as followed_time
    from relief_time_rows($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes,
                          $scope, $relief_rule, $group)
),

final as (
    select
        key,
        curve_status,
        coalesce(relief_time, followed_time) as time,
        relief_time is not null as relieved,
        count(*) as courses
    from timed
    group by all
)

select * from final;
