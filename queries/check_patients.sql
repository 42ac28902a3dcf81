-- check_patients: judges every data row of a patients file, as text, by the import contract.
-- Creates the temp table `checked`: one row per data row with its line, the stored columns as
-- they will be stored, and problem_column, problem_value, problem_reason (null when the row is fine).
-- Returns nothing.
-- uses: import_rules
-- params: $width (fields in the header), $today (date: birth_year is at most its year),
--         $max_field_chars (the longest field stored), $shown_chars (a refused value is cut to this)
-- reads: raw_rows (line, fields, data, plain, and the file's patients columns as text; from stage_csv)
-- Order of judgement: too many or too few fields; a patient_id seen on an earlier data row; every
-- field; the required one. sex is matched in any case; diagnosis and imaging as written.
create or replace temp table checked as
with template as (
    select
        null::bigint as line, null::integer as fields, null::boolean as data, null::boolean as plain,
        null::varchar as patient_id, null::varchar as birth_year, null::varchar as sex,
        null::varchar as diagnosis, null::varchar as referral_date, null::varchar as doctor_conclusion,
        null::varchar as imaging, null::varchar as blood_tests, null::varchar as site
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
        field_text(patient_id, plain) as patient_id_text,
        field_text(birth_year, plain) as birth_year_text,
        field_text(sex, plain) as sex_text,
        field_text(diagnosis, plain) as diagnosis_text,
        field_text(referral_date, plain) as referral_date_text,
        field_text(doctor_conclusion, plain) as doctor_conclusion_text,
        field_text(imaging, plain) as imaging_text,
        field_text(blood_tests, plain) as blood_tests_text,
        field_text(site, plain) as site_text
    from raw
),

first_rows as (   -- the first data row of each patient_id
    select patient_id_text, min(line) as first_line
    from texts
    where patient_id_text is not null
    group by patient_id_text
),

rules as (   -- what each field's rule says of it (null: fine or empty)
    select
        texts.line > first_rows.first_line as repeated,
        texts.*,
        integer_problem(birth_year_text, 1900, year($today::date), 'a year') as birth_year_rule,
        case when sex_text is not null and upper(sex_text) not in ('F', 'M', 'X')
                then 'must be one of F, M, X' end as sex_rule,
        case when diagnosis_text not in
                ('disc_herniation', 'piriformis_syndrome', 'spinal_stenosis', 'other')
                then 'must be one of disc_herniation, piriformis_syndrome, spinal_stenosis, other' end as diagnosis_rule,
        date_problem(referral_date_text) as referral_date_rule,
        boolean_problem(doctor_conclusion_text) as doctor_conclusion_rule,
        case when imaging_text not in ('mri', 'ct', 'xray', 'none')
                then 'must be one of mri, ct, xray, none' end as imaging_rule,
        boolean_problem(blood_tests_text) as blood_tests_rule
    from texts
    left join first_rows using (patient_id_text)
),

reasons as (
    select
        rules.*,
        column_problem('patient_id', patient_id_text, null, $max_field_chars) as patient_id_problem,
        column_problem('birth_year', birth_year_text, birth_year_rule, $max_field_chars) as birth_year_problem,
        column_problem('sex', sex_text, sex_rule, $max_field_chars) as sex_problem,
        column_problem('diagnosis', diagnosis_text, diagnosis_rule, $max_field_chars) as diagnosis_problem,
        column_problem('referral_date', referral_date_text, referral_date_rule, $max_field_chars) as referral_date_problem,
        column_problem('doctor_conclusion', doctor_conclusion_text, doctor_conclusion_rule, $max_field_chars) as doctor_conclusion_problem,
        column_problem('imaging', imaging_text, imaging_rule, $max_field_chars) as imaging_problem,
        column_problem('blood_tests', blood_tests_text, blood_tests_rule, $max_field_chars) as blood_tests_problem,
        column_problem('site', site_text, null, $max_field_chars) as site_problem
    from rules
),

listed as (
    select
        reasons.*,
        case when coalesce(patient_id_problem, birth_year_problem, sex_problem, diagnosis_problem, referral_date_problem, doctor_conclusion_problem, imaging_problem, blood_tests_problem, site_problem) is not null
                 or patient_id_text is null then list_filter([
                -- every refused field in column order, then every empty required field
                problem_entry('patient_id', patient_id_text, patient_id_problem, $shown_chars),
                problem_entry('birth_year', birth_year_text, birth_year_problem, $shown_chars),
                problem_entry('sex', sex_text, sex_problem, $shown_chars),
                problem_entry('diagnosis', diagnosis_text, diagnosis_problem, $shown_chars),
                problem_entry('referral_date', referral_date_text, referral_date_problem, $shown_chars),
                problem_entry('doctor_conclusion', doctor_conclusion_text, doctor_conclusion_problem, $shown_chars),
                problem_entry('imaging', imaging_text, imaging_problem, $shown_chars),
                problem_entry('blood_tests', blood_tests_text, blood_tests_problem, $shown_chars),
                problem_entry('site', site_text, site_problem, $shown_chars),
                required_problem('patient_id', patient_id_text)
        ], lambda p: p is not null) end as problem_list
    from reasons
),

judged as (
    select
        listed.*,
        case
            when fields <> $width then misfit_problem(fields, $width)
            when repeated then repeated_problem('patient_id', patient_id_text, $shown_chars)
            when problem_list is not null then first_problem(problem_list)
        end as problem
    from listed
),

final as (
    select
        line,
        patient_id_text as patient_id,
        try_cast(birth_year_text as integer) as birth_year,
        upper(sex_text) as sex,
        diagnosis_text as diagnosis,
        try_cast(referral_date_text as date) as referral_date,
        boolean_value(doctor_conclusion_text) as doctor_conclusion,
        imaging_text as imaging,
        boolean_value(blood_tests_text) as blood_tests,
        site_text as site,
        problem.column_name as problem_column,
        problem.value as problem_value,
        problem.reason as problem_reason
    from judged
)

select * from final;
