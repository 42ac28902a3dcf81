-- apply_score_matches: writes what check_stored_scores.sql found into the temp table `checked`: the
-- refused rows get their problem_*, the others the session_id of the session they score. Returns
-- nothing. params: none
update checked
set problem_column = score_matches.problem_column,
    problem_value = score_matches.problem_value,
    problem_reason = score_matches.problem_reason
from score_matches
where checked.line = score_matches.line
  and score_matches.problem_reason is not null;

update checked
set session_id = score_matches.matched_id
from score_matches
where checked.line = score_matches.line
  and score_matches.problem_reason is null;

drop table score_matches;
