-- check_courses: judges every data row of a courses file, as text, by the import contract.
-- Creates the temp table `checked`: one row per data row with its line, the stored columns as
-- they will be stored, and problem_column, problem_value, problem_reason (null when the row is fine).
-- Returns nothing.
-- uses: import_rules
-- params: $width (fields in the header), $max_field_chars (the longest field stored),
--         $shown_chars (a refused value is cut to this)
-- reads: raw_rows (line, fields, data, plain, and the file's courses columns as text; from stage_csv)
-- Order of judgement: too many or too few fields; a course_id seen on an earlier data row; every
-- field; the required ones.
create or replace temp table checked as
with template as (
    select
        null::bigint as line, null::integer as fields, null::boolean as data, null::boolean as plain,
        null::varchar as course_id, null::varchar as patient_id, null::varchar as start_date,
        null::varchar as planned_sessions
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
        field_text(course_id, plain) as course_id_text,
        field_text(patient_id, plain) as patient_id_text,
        field_text(start_date, plain) as start_date_text,
        field_text(planned_sessions, plain) as planned_sessions_text
    from raw
),

first_rows as (   -- the first data row of each course_id
    select course_id_text, min(line) as first_line
    from texts
    where course_id_text is not null
    group by course_id_text
),

rules as (   -- what each field's rule says of it (null: fine or empty)
    select
        texts.line > first_rows.first_line as repeated,
        texts.*,
        date_problem(start_date_text) as start_date_rule,
        integer_problem(planned_sessions_text, 1, 60, 'a whole number') as planned_sessions_rule
    from texts
    left join first_rows using (course_id_text)
),

reasons as (
    select
        rules.*,
        column_problem('course_id', course_id_text, null, $max_field_chars) as course_id_problem,
        column_problem('patient_id', patient_id_text, null, $max_field_chars) as patient_id_problem,
        column_problem('start_date', start_date_text, start_date_rule, $max_field_chars) as start_date_problem,
        column_problem('planned_sessions', planned_sessions_text, planned_sessions_rule, $max_field_chars) as planned_sessions_problem
    from rules
),

listed as (
    select
        reasons.*,
        case when coalesce(course_id_problem, patient_id_problem, start_date_problem, planned_sessions_problem) is not null
                 or course_id_text is null or patient_id_text is null or start_date_text is null then list_filter([
                -- every refused field in column order, then every empty required field
                problem_entry('course_id', course_id_text, course_id_problem, $shown_chars),
                problem_entry('patient_id', patient_id_text, patient_id_problem, $shown_chars),
                problem_entry('start_date', start_date_text, start_date_problem, $shown_chars),
                problem_entry('planned_sessions', planned_sessions_text, planned_sessions_problem, $shown_chars),
                required_problem('course_id', course_id_text),
                required_problem('patient_id', patient_id_text),
                required_problem('start_date', start_date_text)
        ], lambda p: p is not null) end as problem_list
    from reasons
),

judged as (
    select
        listed.*,
        case
            when fields <> $width then misfit_problem(fields, $width)
            when repeated then repeated_problem('course_id', course_id_text, $shown_chars)
            when problem_list is not null then first_problem(problem_list)
        end as problem
    from listed
),

final as (
    select
        line,
        course_id_text as course_id,
        patient_id_text as patient_id,
        try_cast(start_date_text as date) as start_date,
        try_cast(planned_sessions_text as integer) as planned_sessions,
        problem.column_name as problem_column,
        problem.value as problem_value,
        problem.reason as problem_reason
    from judged
)

select * from final;
