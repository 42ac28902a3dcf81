-- trajectory_course: what the expected course of one filtered course is drawn from. One row, or
-- none when the course does not pass the filters (another therapist's patient under a therapist's
-- scope, a course starting after the as-of date, a mistyped id).
-- returns: course_id, diagnosis (null = not on file), completed,
--   baseline_pain (pain_before at its first attended session; null when not recorded or none yet),
--   baseline_band ('mild' 0-3 | 'moderate' 4-6 | 'severe' 7-10 | null),
--   similar_courses (the COMPLETED courses of the whole clinic as of $as_of with the same diagnosis
--     and baseline band, the course itself left out; 0 when the diagnosis or the band is unknown),
--   latest_session (the number of its latest attended session with a pain-before score, null when
--     none), latest_pain (that score)
-- params: the filter set (see filtered_courses.sql), $course_id (varchar)
-- uses: trajectory_sessions
-- reads: open_courses (see filtered_courses.sql)
with target as (
    select course_id, diagnosis, completed
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where course_id = $course_id
),

clinic_rows as (
    select *
    from trajectory_sessions($as_of, $relief_rule)
),

own as (
    select
        max(baseline_pain) as baseline_pain,
        max(baseline_band) as baseline_band,
        max(session_number) filter (where pain_before is not null) as latest_session
    from clinic_rows
    where course_id = $course_id
),

own_latest as (
    select r.pain_before as latest_pain
    from clinic_rows as r
    join own as o on o.latest_session = r.session_number
    where r.course_id = $course_id
),

similar_counted as (
    select count(distinct r.course_id) as similar_courses
    from clinic_rows as r, target as t, own as o
    where r.completed
      and r.course_id <> t.course_id
      and r.diagnosis = t.diagnosis
      and r.baseline_band = o.baseline_band
),

final as (
    select
        t.course_id,
        t.diagnosis,
        t.completed,
        o.baseline_pain,
        o.baseline_band,
        s.similar_courses,
        o.latest_session,
        l.latest_pain
    from target as t
    cross join own as o
    cross join similar_counted as s
    left join own_latest as l on true
)

select * from final;
