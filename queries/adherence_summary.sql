-- adherence_summary: the adherence KPIs of the filtered courses, one row.
-- returns: courses; rated_courses (those whose adherence is known: not a course that starts on the
--   as-of day with no visit yet); mean_adherence (0-1, over rated courses, null with none); the
--   counts adherent (at or above the adherence threshold of clinic_settings), completed, dropped_out and ongoing
--   (neither completed nor dropped out); adherent_share (of rated courses), completed_share,
--   dropped_out_share, ongoing_share (of courses) (0-1, null when there is nothing to divide by),
--   and the Wilson 95 % intervals of the adherent, completed and dropped-out shares:
--   adherent_ci_low, adherent_ci_high, completed_ci_low, completed_ci_high, dropped_out_ci_low,
--   dropped_out_ci_high, ongoing_ci_low, ongoing_ci_high (null with nothing to divide by)
-- params: the filter set (see filtered_courses.sql)
-- uses: filtered_courses, wilson
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select adherence, adherent, completed, dropped_out, ongoing
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

counts as (
    select
        count(*) as courses,
        count(adherence) as rated_courses,
        fsum(adherence) / nullif(count(adherence), 0) as mean_adherence,
        count(*) filter (where adherent) as adherent,
        count(*) filter (where completed) as completed,
        count(*) filter (where dropped_out) as dropped_out,
        count(*) filter (where ongoing) as ongoing
    from courses
),

final as (
    select
        courses,
        rated_courses,
        mean_adherence,
        adherent,
        adherent / nullif(rated_courses, 0) as adherent_share,
        completed,
        completed / nullif(courses, 0) as completed_share,
        dropped_out,
        dropped_out / nullif(courses, 0) as dropped_out_share,
        ongoing,
        ongoing / nullif(courses, 0) as ongoing_share,
        wilson_low(adherent, rated_courses) as adherent_ci_low,
        wilson_high(adherent, rated_courses) as adherent_ci_high,
        wilson_low(completed, courses) as completed_ci_low,
        wilson_high(completed, courses) as completed_ci_high,
        wilson_low(dropped_out, courses) as dropped_out_ci_low,
        wilson_high(dropped_out, courses) as dropped_out_ci_high,
        wilson_low(ongoing, courses) as ongoing_ci_low,
        wilson_high(ongoing, courses) as ongoing_ci_high
    from counts
)

select * from final;
