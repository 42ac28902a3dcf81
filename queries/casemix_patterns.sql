-- casemix_patterns: the courses that pass the filters and whose outcome can be judged, counted by
-- unit, outcome and the case-mix model's inputs (its covariate patterns): a network's millions of
-- courses come back as some tens of thousands of rows, on which clinic/casemix.py fits and compares.
-- returns: unit (the course's therapist, or its site when $by is 'site'; null when it has none),
--   outcome (first_session_relief when $measure is 'relief', else responder_30; never null),
--   baseline_pain, diagnosis, age_band, sex, doctor_conclusion, first_acute (as in casemix_courses.sql),
--   courses (how many courses share these values, at least 1); in no particular order.
-- params: the filter set (see filtered_courses.sql), $by ('therapist' or 'site'),
--   $measure ('relief' or 'responder')
-- uses: casemix_courses
-- reads: open_courses (see filtered_courses.sql)
with judged as (
    select
        case when $by = 'site' then site else therapist end as unit,
        case when $measure = 'relief' then first_session_relief else responder_30 end as outcome,
        baseline_pain,
        diagnosis,
        age_band,
        sex,
        doctor_conclusion,
        first_acute
    from casemix_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes,
                         $scope, $relief_rule)
),

final as (
    select
        unit, outcome, baseline_pain, diagnosis, age_band, sex, doctor_conclusion, first_acute,
        count(*) as courses
    from judged
    where outcome is not null
    group by all
)

select * from final;
