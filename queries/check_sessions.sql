-- check_sessions: judges every data row of a sessions file, as text, by the import contract.
-- Creates the temp table `checked`: one row per data row with its line, the stored columns as
-- they will be stored, and problem_column, problem_value, problem_reason (null when the row is fine).
-- Returns nothing.
-- uses: import_rules
-- params: $absent (varchar[]: columns the file lacks), $width (fields in the header), $today (date),
--         $max_field_chars (the longest field stored), $shown_chars (a refused value is cut to this)
-- reads: raw_rows (line, fields, data, plain, and the file's sessions columns as text; from stage_csv)
-- Order of judgement, as the contract says: a row with too many or too few fields; a row whose
-- session_id appeared on an earlier data row (valid or not); then every field, then the required
-- ones, then an attended session dated after today.
create or replace temp table checked as
with template as (
    select
        null::bigint as line, null::integer as fields, null::boolean as data, null::boolean as plain,
        null::varchar as session_id, null::varchar as patient_id, null::varchar as session_date,
        null::varchar as therapist, null::varchar as status, null::varchar as pain_before,
        null::varchar as pain_after, null::varchar as course_id, null::varchar as session_time,
        null::varchar as muscle_tension, null::varchar as numbness, null::varchar as acute_inflammation,
        null::varchar as notes
    where false
),

raw as (
    select * from template
    union all by name
    select * from raw_rows where data
),

texts as (
    select
        raw.*,
        field_text(session_id, plain) as session_id_text,
        field_text(patient_id, plain) as patient_id_text,
        field_text(session_date, plain) as session_date_text,
        field_text(therapist, plain) as therapist_text,
        field_text(status, plain) as status_text,
        field_text(pain_before, plain) as pain_before_text,
        field_text(pain_after, plain) as pain_after_text,
        field_text(course_id, plain) as course_id_text,
        field_text(session_time, plain) as session_time_text,
        field_text(muscle_tension, plain) as muscle_tension_text,
        field_text(numbness, plain) as numbness_text,
        field_text(acute_inflammation, plain) as acute_inflammation_text,
        field_text(notes, plain) as notes_text
    from raw
),

valued as (
    select
        texts.*,
        try_cast(session_date_text as date) as session_date_value,
        case when list_contains($absent::varchar[], 'status') then null
             when status_text is null then 'attended'
             when lower(status_text) in ('attended', 'cancelled', 'no_show') then lower(status_text)
        end as status_value,
        time_value(session_time_text) as session_time_value
    from texts
),

first_rows as (   -- the first data row of each session_id
    select session_id_text, min(line) as first_line
    from valued
    where session_id_text is not null
    group by session_id_text
),

rules as (   -- what each field's rule says of it (null: fine or empty)
    select
        valued.line > first_rows.first_line as repeated,
        valued.*,
        date_problem(session_date_text) as session_date_rule,
        case when status_text is not null and status_value is null
                then 'must be one of attended, cancelled, no_show' end as status_rule,
        integer_problem(pain_before_text, 0, 10, 'a whole number') as pain_before_rule,
        integer_problem(pain_after_text, 0, 10, 'a whole number') as pain_after_rule,
        time_problem(session_time_text) as session_time_rule,
        integer_problem(muscle_tension_text, 0, 10, 'a whole number') as muscle_tension_rule,
        boolean_problem(numbness_text) as numbness_rule,
        boolean_problem(acute_inflammation_text) as acute_inflammation_rule
    from valued
    left join first_rows using (session_id_text)
),

reasons as (
    select
        rules.*,
        column_problem('session_id', session_id_text, null, $max_field_chars) as session_id_problem,
        column_problem('patient_id', patient_id_text, null, $max_field_chars) as patient_id_problem,
        column_problem('session_date', session_date_text, session_date_rule, $max_field_chars) as session_date_problem,
        column_problem('therapist', therapist_text, null, $max_field_chars) as therapist_problem,
        column_problem('status', status_text, status_rule, $max_field_chars) as status_problem,
        column_problem('pain_before', pain_before_text, pain_before_rule, $max_field_chars) as pain_before_problem,
        column_problem('pain_after', pain_after_text, pain_after_rule, $max_field_chars) as pain_after_problem,
        column_problem('course_id', course_id_text, null, $max_field_chars) as course_id_problem,
        column_problem('session_time', session_time_text, session_time_rule, $max_field_chars) as session_time_problem,
        column_problem('muscle_tension', muscle_tension_text, muscle_tension_rule, $max_field_chars) as muscle_tension_problem,
        column_problem('numbness', numbness_text, numbness_rule, $max_field_chars) as numbness_problem,
        column_problem('acute_inflammation', acute_inflammation_text, acute_inflammation_rule, $max_field_chars) as acute_inflammation_problem,
        column_problem('notes', notes_text, null, $max_field_chars) as notes_problem
    from rules
),

listed as (
    select
        reasons.*,
        case when coalesce(session_id_problem, patient_id_problem, session_date_problem, therapist_problem, status_problem, pain_before_problem, pain_after_problem, course_id_problem, session_time_problem, muscle_tension_problem, numbness_problem, acute_inflammation_problem, notes_problem) is not null
                 or session_id_text is null or patient_id_text is null or session_date_text is null or therapist_text is null then list_filter([
                -- every refused field in column order, then every empty required field
                problem_entry('session_id', session_id_text, session_id_problem, $shown_chars),
                problem_entry('patient_id', patient_id_text, patient_id_problem, $shown_chars),
                problem_entry('session_date', session_date_text, session_date_problem, $shown_chars),
                problem_entry('therapist', therapist_text, therapist_problem, $shown_chars),
                problem_entry('status', status_text, status_problem, $shown_chars),
                problem_entry('pain_before', pain_before_text, pain_before_problem, $shown_chars),
                problem_entry('pain_after', pain_after_text, pain_after_problem, $shown_chars),
                problem_entry('course_id', course_id_text, course_id_problem, $shown_chars),
                problem_entry('session_time', session_time_text, session_time_problem, $shown_chars),
                problem_entry('muscle_tension', muscle_tension_text, muscle_tension_problem, $shown_chars),
                problem_entry('numbness', numbness_text, numbness_problem, $shown_chars),
                problem_entry('acute_inflammation', acute_inflammation_text, acute_inflammation_problem, $shown_chars),
                problem_entry('notes', notes_text, notes_problem, $shown_chars),
                required_problem('session_id', session_id_text),
                required_problem('patient_id', patient_id_text),
                required_problem('session_date', session_date_text),
                required_problem('therapist', therapist_text)
        ], lambda p: p is not null) end as problem_list
    from reasons
),

judged as (
    select
        listed.*,
        case
            when fields <> $width then misfit_problem(fields, $width)
            when repeated then repeated_problem('session_id', session_id_text, $shown_chars)
            when problem_list is not null then first_problem(problem_list)
            when status_value = 'attended' and session_date_value > $today then {
                'column_name': 'session_date', 'value': strftime(session_date_value, '%Y-%m-%d'),
                'reason': 'an attended session cannot be dated after today (' || strftime($today::date, '%Y-%m-%d') || ')'}
        end as problem
    from listed
),

final as (
    select
        line,
        session_id_text as session_id,
        patient_id_text as patient_id,
        session_date_value as session_date,
        therapist_text as therapist,
        status_value as status,
        try_cast(pain_before_text as integer) as pain_before,
        try_cast(pain_after_text as integer) as pain_after,
        course_id_text as course_id,
        session_time_value as session_time,
        try_cast(muscle_tension_text as integer) as muscle_tension,
        boolean_value(numbness_text) as numbness,
        boolean_value(acute_inflammation_text) as acute_inflammation,
        notes_text as notes,
        problem.column_name as problem_column,
        problem.value as problem_value,
        problem.reason as problem_reason
    from judged
)

select * from final;
