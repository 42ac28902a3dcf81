"""A tiny clinic for the protocol-safety flags (clinic/flags.py), worked out by hand, as of 2026-03-20,
with the default settings (MCID 2 points, judged after 3 sessions) unless a test says otherwise.

Patients file: p1 full paperwork, referral 02-20 (decoy); p2 imaging none, blood tests empty; p3 full
paperwork but referral dated 03-05, after its course's first session (03-01): nothing counts as before;
p4 no row (nothing on file); p5 no doctor's conclusion, no referral date; p6 full paperwork, no
referral date (kept as on file); p7 full paperwork (Cedar's patient).

Courses (pain before of attended sessions, in order; * = after the as-of date, not counted):
  k1 p1 Birch  03-01..03-04  8 8 7 7 (*2 on 03-25)   judged at session 4, exactly after N = 3: 8 - 7 = 1 < 2:
               fails (pct30: 10 x 1 < 3 x 8: fails). a2 during acute inflammation; a5 cancelled with
               acute and a score (decoy).
  k2 p2 Birch  03-01..03-04  10 9 9 8 (*9 *10)       10 - 8 = 2: progresses under points2; pct30: 20 < 30:
               fails. b2 numbness, b3's note "Referred to GP": referred. The later 8 < 9 < 10 rise is
               after the as-of date (decoy).
  k3 p3 Birch  03-01..03-04  3 3 3 2                 3 - 2 = 1 < 2: fails under points2; pct30: 10 < 9 is
               false: progresses. c2 numbness, referred by the referral date 03-05 (after it, before
               as-of). Paperwork late: all three missing.
  k4 p4 Birch  03-10..03-12  6 7 8                   not judged yet (3 sessions); 6 < 7 < 8: rising (03-12).
               d1 numbness, no referral (d2's "GPS" is not "GP"); d4 no-show with numbness (decoy).
               No patients row: all three paperwork flags.
  k5 p5 Birch  03-01..03-05  2 2 1 2 2               baseline 2 <= 2: ceiling, not judged. e3 numbness,
               not referred: e1's "doctor" note is before it (decoy). 1 2 2 is no strict rise.
  k6 p6 Birch  03-01..03-05  - - - 6 -               baseline 6 from session 4, which is also the only
               scored session after 3: not judged. 1 scored session: rising unknown.
  k8 p6 Birch  03-10..03-13  4 - 5 6                 judged at session 4: 4 - 6 = -2 < 2: fails (both
               rules); the scored 4 < 5 < 6 rise (03-13) skips the unscored session.
  k7 p7 Cedar  02-01..02-04  9 8 7 6                 9 - 6 = 3: progresses (pct30: 30 < 27 false).
               h1 numbness, its own note mentions the doctor: referred; h2 during acute inflammation.

Attended sessions as of 03-20: k1 4, k2 4, k3 4, k4 3, k5 5, k6 5, k8 4, k7 4 = 33 (March 29, February 4).
Counts (director, defaults):
  conclusion k3 k4 k5 = 3 of 8 courses; imaging k2 k3 k4 = 3; blood tests k2 k3 k4 = 3;
  acute a2 h2 = 2 of 33 sessions (2 courses); numbness b2 c2 d1 e3 h1 = 5 of 33 (5 courses), referred
  b2 c2 h1 = 3; rising k4 k8 = 2 of 7 courses with 3+ scored sessions (all but k6);
  failure to progress k1 k3 k8 = 3 of 5 judged (k1 k2 k3 k8 k7); ceiling k5 = 1 of 8 with a baseline.
Birch's account (scope) sees every course but k7.
"""
from __future__ import annotations

AS_OF = "2026-03-20"

PATIENTS = """
patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site
p1,1970,F,disc_herniation,2026-02-20,true,mri,true,North
p2,1980,M,other,2026-02-25,true,none,,North
p3,1990,F,other,2026-03-05,true,mri,true,North
p5,1975,F,other,,false,ct,true,North
p6,1965,M,other,,true,xray,true,North
p7,1960,F,other,2026-01-20,true,mri,true,North
"""

SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after,numbness,acute_inflammation,notes
a1,p1,k1,2026-03-01,Birch,attended,8,6,false,false,
a2,p1,k1,2026-03-02,Birch,attended,8,6,false,true,flare-up
a3,p1,k1,2026-03-03,Birch,attended,7,5,false,false,
a4,p1,k1,2026-03-04,Birch,attended,7,5,false,false,
a5,p1,k1,2026-03-05,Birch,cancelled,9,,false,true,
a6,p1,k1,2026-03-25,Birch,attended,2,1,false,false,after the as-of date
b1,p2,k2,2026-03-01,Birch,attended,10,8,false,false,
b2,p2,k2,2026-03-02,Birch,attended,9,8,true,false,numb toes
b3,p2,k2,2026-03-03,Birch,attended,9,7,false,false,Referred to GP for the numbness
b4,p2,k2,2026-03-04,Birch,attended,8,6,false,false,
b5,p2,k2,2026-03-25,Birch,attended,9,8,false,false,
b6,p2,k2,2026-03-26,Birch,attended,10,9,false,false,
c1,p3,k3,2026-03-01,Birch,attended,3,2,false,false,
c2,p3,k3,2026-03-02,Birch,attended,3,2,true,false,
c3,p3,k3,2026-03-03,Birch,attended,3,2,false,false,
c4,p3,k3,2026-03-04,Birch,attended,2,1,false,false,
d1,p4,k4,2026-03-10,Birch,attended,6,5,true,false,tingling
d2,p4,k4,2026-03-11,Birch,attended,7,6,false,false,uses a GPS app for walks
d3,p4,k4,2026-03-12,Birch,attended,8,7,false,false,
d4,p4,k4,2026-03-13,Birch,no_show,,,true,,
e1,p5,k5,2026-03-01,Birch,attended,2,1,false,false,saw the doctor last week
e2,p5,k5,2026-03-02,Birch,attended,2,1,false,false,
e3,p5,k5,2026-03-03,Birch,attended,1,1,true,false,
e4,p5,k5,2026-03-04,Birch,attended,2,1,false,false,
e5,p5,k5,2026-03-05,Birch,attended,2,1,false,false,
f1,p6,k6,2026-03-01,Birch,attended,,,false,false,
f2,p6,k6,2026-03-02,Birch,attended,,,false,false,
f3,p6,k6,2026-03-03,Birch,attended,,,false,false,
f4,p6,k6,2026-03-04,Birch,attended,6,5,false,false,
f5,p6,k6,2026-03-05,Birch,attended,,,false,false,
g1,p6,k8,2026-03-10,Birch,attended,4,3,false,false,
g2,p6,k8,2026-03-11,Birch,attended,,,false,false,
g3,p6,k8,2026-03-12,Birch,attended,5,4,false,false,
g4,p6,k8,2026-03-13,Birch,attended,6,5,false,false,
h1,p7,k7,2026-02-01,Cedar,attended,9,8,true,false,numb foot: told to see her doctor
h2,p7,k7,2026-02-02,Cedar,attended,8,7,false,true,
h3,p7,k7,2026-02-03,Cedar,attended,7,6,false,false,
h4,p7,k7,2026-02-04,Cedar,attended,6,5,false,false,
"""


# Below the expected course: s1 and s2 are completed (4 of 4 planned), disc herniation, baseline 8
# (the severe band), pain before session 4: 3 and 3 -> 75th percentile 3. t1 (same diagnosis and
# band, not completed) has pain 6 before its session 4, after progress_after = 3 sessions: 6 > 3,
# below expected. s1 against s2 alone (itself left out): 3 is not above 3. With the default fewest
# courses to judge (5) nobody has enough similar courses: not judged.
EXPECTED_PATIENTS = """
patient_id,birth_year,sex,diagnosis
a1,1970,F,disc_herniation
a2,1971,M,disc_herniation
a3,1972,F,disc_herniation
"""
EXPECTED_COURSES = """
course_id,patient_id,start_date,planned_sessions
s1,a1,2026-03-01,4
s2,a2,2026-03-01,4
t1,a3,2026-03-01,10
"""
EXPECTED_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
x1,a1,s1,2026-03-01,Birch,attended,8,6
x2,a1,s1,2026-03-02,Birch,attended,6,5
x3,a1,s1,2026-03-03,Birch,attended,4,3
x4,a1,s1,2026-03-04,Birch,attended,3,2
y1,a2,s2,2026-03-01,Birch,attended,8,6
y2,a2,s2,2026-03-02,Birch,attended,5,5
y3,a2,s2,2026-03-03,Birch,attended,4,3
y4,a2,s2,2026-03-04,Birch,attended,3,2
z1,a3,t1,2026-03-01,Birch,attended,8,7
z2,a3,t1,2026-03-02,Birch,attended,8,7
z3,a3,t1,2026-03-03,Birch,attended,7,7
z4,a3,t1,2026-03-04,Birch,attended,6,6
"""


# The mild band: m1 and m2 are completed (4 of 4 planned), piriformis syndrome, baseline 2 (at the
# ceiling: too low to judge by the MCID), pain before session 4: 1 and 1 -> 75th percentile 1.
# c1 (same diagnosis and band, open) has 3 before its session 4: 3 > 1, below its expected course.
# Decoys: d1 is completed with the same diagnosis but baseline 5 (the moderate band) and pain 9 before
# session 4; o1 is completed in the mild band with another diagnosis and pain 9 there. Either,
# counted as similar, would lift the 75th percentile above 3.
CEILING_PATIENTS = """
patient_id,birth_year,sex,diagnosis
b1,1970,F,piriformis_syndrome
b2,1971,M,piriformis_syndrome
b3,1972,F,piriformis_syndrome
b4,1973,M,piriformis_syndrome
b5,1974,F,spinal_stenosis
"""
CEILING_COURSES = """
course_id,patient_id,start_date,planned_sessions
m1,b1,2026-03-01,4
m2,b2,2026-03-01,4
c1,b3,2026-03-01,10
d1,b4,2026-03-01,4
o1,b5,2026-03-01,4
"""
CEILING_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
m11,b1,m1,2026-03-01,Birch,attended,2,1
m12,b1,m1,2026-03-02,Birch,attended,2,1
m13,b1,m1,2026-03-03,Birch,attended,1,1
m14,b1,m1,2026-03-04,Birch,attended,1,0
m21,b2,m2,2026-03-01,Birch,attended,2,2
m22,b2,m2,2026-03-02,Birch,attended,2,1
m23,b2,m2,2026-03-03,Birch,attended,1,1
m24,b2,m2,2026-03-04,Birch,attended,1,1
c11,b3,c1,2026-03-01,Birch,attended,2,2
c12,b3,c1,2026-03-02,Birch,attended,3,2
c13,b3,c1,2026-03-03,Birch,attended,3,3
c14,b3,c1,2026-03-04,Birch,attended,3,3
d11,b4,d1,2026-03-01,Birch,attended,5,4
d12,b4,d1,2026-03-02,Birch,attended,7,6
d13,b4,d1,2026-03-03,Birch,attended,8,8
d14,b4,d1,2026-03-04,Birch,attended,9,9
o11,b5,o1,2026-03-01,Birch,attended,2,2
o12,b5,o1,2026-03-02,Birch,attended,5,5
o13,b5,o1,2026-03-03,Birch,attended,8,8
o14,b5,o1,2026-03-04,Birch,attended,9,9
"""
