-- table_counts: how many patients, courses and sessions the database holds.
-- returns: patients, courses, sessions. params: none
select
    (select count(*) from patients) as patients,
    (select count(*) from courses) as courses,
    (select count(*) from sessions) as sessions;
