-- export_sessions: every stored session row with the two keys of its Parquet partition
-- (clinic/dataset.py): the site of its patient (null when the patient has no row in patients or no
-- site) and the month of its session_date.
-- returns: the columns of sessions, then site (varchar), month (varchar 'YYYY-MM')
-- params: none
with final as (
    select
        s.*,
        p.site,
        strftime(s.session_date, '%Y-%m') as month
    from main.sessions as s
    left join main.patients as p on p.patient_id = s.patient_id
)

select * from final
order by site nulls last, month, session_date, session_id
