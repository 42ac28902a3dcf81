-- cohort_key: defines the scalar macro cohort_key(field, therapist, diagnosis, age_band, sex, site,
-- start_month), used through `-- uses: cohort_key`. Returns nothing itself.
-- The macro returns the value of the cohort field named by `field` ('therapist', 'diagnosis',
-- 'age_band', 'sex', 'site', 'start_month'); any other name ('none', 'overall') gives null, so
-- every row falls into one group. The field is a bound value, never an identifier pasted into SQL.
create or replace temp macro cohort_key(field, therapist, diagnosis, age_band, sex, site, start_month) as
    case field
        when 'therapist' then therapist
        when 'diagnosis' then diagnosis
        when 'age_band' then age_band
        when 'sex' then sex
        when 'site' then site
        when 'start_month' then start_month
    end;
