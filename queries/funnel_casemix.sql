-- funnel_casemix: one row per course that passes the filters, with what the case-mix model of
-- clinic/casemix.py reads: the outcomes and the patient's case mix at the start of the course.
-- returns: course_id, therapist (the course's), site,
--   first_session_relief (under $relief_rule; null when not assessable),
--   responder_30 (sustained improvement of 30 % or more; null when the improvement is not assessable),
--   baseline_pain (pain_before of the first attended session that has one: for a course whose
--   first-session relief can be judged, the first session's),
--   diagnosis, age_band, sex (null when unknown), doctor_conclusion (true, false or null),
--   first_acute (acute_inflammation recorded at the course's first attended session: true, false or
--   null when not recorded or no session attended yet);
--   sorted by course_id.
-- params: the filter set (see filtered_courses.sql)
-- uses: filtered_courses, filtered_sessions
-- reads: open_courses (see filtered_courses.sql)
with counted as (
    select *
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

first_sessions as (
    select course_id, acute_inflammation
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where session_number = 1
),

final as (
    select
        c.course_id,
        c.therapist,
        c.site,
        c.first_session_relief,
        case when c.sustained_improvement_pct is not null then c.responder_30 end as responder_30,
        c.baseline_pain,
        c.diagnosis,
        c.age_band,
        c.sex,
        c.doctor_conclusion,
        f.acute_inflammation as first_acute
    from counted as c
    left join first_sessions as f on f.course_id = c.course_id
)

select * from final
order by course_id;
