-- flags_session_months: the session checks of the Protocol safety page, month by month and in all
-- (see flags_by_month.sql, which counts the course checks; the page reads both, one after the other,
-- so that DuckDB never holds the session-level and the course-level work at once). Checks (flag):
--   'acute'        attended sessions recorded during acute inflammation, of attended sessions;
--   'numbness'     attended sessions with numbness reported, of attended sessions.
-- returns: the columns of flags_by_month.sql: flag, month (date, the 1st; null = all months), flagged,
--   of_count (attended sessions), courses_flagged (courses with at least one such session), referred
--   (numbness: sessions with a referral noted; null for 'acute'); sorted by flag, month (all months last)
-- params: the filter set (see filtered_courses.sql)
-- uses: flags_sessions
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
with attended as (
    select date_trunc('month', session_date)::date as month
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                           $relief_rule)
    where status = 'attended'
),

flagged as (
    select *, date_trunc('month', session_date)::date as month
    from flag_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                       $relief_rule, null, null)
),

attended_months as (
    select month, count(*) as sessions
    from attended
    group by grouping sets ((month), ())
),

flagged_months as (
    select
        month,
        count(*) filter (where attended_acute) as acute,
        count(distinct course_id) filter (where attended_acute) as acute_courses,
        count(*) filter (where attended_numbness) as numbness,
        count(distinct course_id) filter (where attended_numbness) as numbness_courses,
        count(*) filter (where attended_numbness and referral_noted) as numbness_referred
    from flagged
    group by grouping sets ((month), ())
),

session_months as (
    select
        a.month,
        a.sessions as attended,
        coalesce(f.acute, 0) as acute,
        coalesce(f.acute_courses, 0) as acute_courses,
        coalesce(f.numbness, 0) as numbness,
        coalesce(f.numbness_courses, 0) as numbness_courses,
        coalesce(f.numbness_referred, 0) as numbness_referred
    from attended_months as a
    left join flagged_months as f on f.month is not distinct from a.month
),

long as (
    select 'acute' as flag, month, acute as flagged, attended as of_count, acute_courses as courses_flagged,
           null::bigint as referred
    from session_months
    union all
    select 'numbness', month, numbness, attended, numbness_courses, numbness_referred from session_months
),

final as (
    select *
    from long
    where of_count > 0 or month is null
)

select * from final
order by flag, month nulls last;
