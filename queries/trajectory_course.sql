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
-- uses: trajectory_sessions, trajectory_quartiles
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
with target as (
    select course_id, diagnosis, completed
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where course_id = $course_id
),

own_rows as (
    select *
    from trajectory_sessions($as_of, $relief_rule, course_ids := [$course_id])
),

own as (
    select
        max(baseline_pain) as baseline_pain,
        max(baseline_band) as baseline_band,
        max(session_number) filter (where pain_before is not null) as latest_session,
        arg_max(pain_before, session_number) filter (where pain_before is not null) as latest_pain
    from own_rows
),

-- a course has a band only with a score at its session 1, so its group's courses are counted by
-- their session-1 scores; the course itself is one of them when it is completed (with a diagnosis
-- and a band) and is left out
similar_counted as (
    select
        (coalesce(sum(c.courses), 0)
         - case when any_value(t.completed) and any_value(t.diagnosis) is not null
                     and any_value(o.baseline_band) is not null then 1 else 0 end)::bigint as similar_courses
    from target as t
    cross join own as o
    left join similar_score_counts($as_of, $relief_rule, score_counted_before($as_of)) as c
      on c.session_number = 1
     and c.diagnosis = t.diagnosis
     and c.baseline_band = o.baseline_band
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
        o.latest_pain
    from target as t
    cross join own as o
    cross join similar_counted as s
)

select * from final;
