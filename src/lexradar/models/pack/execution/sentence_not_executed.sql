-- execution.sentence_not_executed: an effective sentence of imprisonment or criminal detention
-- with no custody record within custody_within_days and no temporary execution outside prison.
WITH sentences AS (
    SELECT record_id, case_no, cause, party_id, party_name, outcome, term_months,
           judgment_date, effective_date, court, court_region_code,
           effective_date + CAST(:custody_within_days AS INTEGER) AS deadline
    FROM judgments
    WHERE case_kind = 'criminal'
      AND party_role = 'accused'
      AND outcome IN ('imprisonment', 'criminal_detention')
      AND COALESCE(term_months, 1) > 0
      AND effective_date + CAST(:custody_within_days AS INTEGER) <= :as_of
),
executions AS (
    SELECT person_id, name, case_no, start_date, COALESCE(end_date, :as_of) AS last_day
    FROM custody_records
    WHERE custody_type IN ('prison', 'detention', 'temporary_outside')
      AND start_date <= :as_of
)
SELECT s.party_id AS person_id, s.party_name AS person_name, s.record_id AS judgment_record_id,
       s.case_no, s.cause, s.court, s.effective_date, s.deadline, s.term_months,
       CASE s.outcome WHEN 'imprisonment' THEN '有期徒刑' ELSE '拘役' END AS penalty_zh,
       CASE s.outcome WHEN 'imprisonment' THEN 'imprisonment' ELSE 'criminal detention' END
           AS penalty_en,
       [s.party_id] AS person_ids,
       ['judgments:' || s.record_id] AS record_refs,
       s.court_region_code AS region_code,
       CASE
           WHEN s.outcome = 'imprisonment' AND s.term_months >= CAST(:high_term_months AS INTEGER)
               THEN 'high'
           WHEN s.outcome = 'imprisonment' THEN 'medium'
           ELSE 'low'
       END AS severity
FROM sentences AS s
WHERE NOT EXISTS (
        -- executed under this case number (whatever ID the prison recorded, same name)...
        SELECT 1 FROM executions AS e
        WHERE e.case_no = s.case_no
          AND (e.person_id = s.party_id OR e.name = s.party_name)
          AND e.start_date <= s.deadline)
  AND NOT EXISTS (
        -- ...or the person was in custody at some time between the judgment and the deadline
        SELECT 1 FROM executions AS e
        WHERE e.person_id = s.party_id
          AND e.start_date <= s.deadline
          AND e.last_day >= s.judgment_date)
