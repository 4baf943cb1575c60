-- execution.sentence_not_executed: an effective sentence of imprisonment or criminal detention
-- with no custody record within custody_within_days and no temporary execution outside prison.
-- Persons are compared by person_key (resolution; else the normalized resident ID).
WITH sentences AS (
    SELECT j.record_id, k.person_key, j.case_no, j.cause, j.party_id, j.party_name, j.outcome,
           j.term_months, j.judgment_date, j.effective_date, j.court, j.court_region_code,
           j.effective_date + CAST(:custody_within_days AS INTEGER) AS deadline
    FROM judgments AS j
    JOIN person_keys AS k
      ON k.dataset = 'judgments' AND k.role = 'party' AND k.record_id = j.record_id
    WHERE j.case_kind = 'criminal'
      AND j.party_role = 'accused'
      AND j.outcome IN ('imprisonment', 'criminal_detention')
      AND COALESCE(j.term_months, 1) > 0
      AND j.effective_date + CAST(:custody_within_days AS INTEGER) <= :as_of
),
executions AS (
    SELECT k.person_key, c.person_id, c.name, c.case_no, c.start_date,
           COALESCE(c.end_date, :as_of) AS last_day
    FROM custody_records AS c
    JOIN person_keys AS k
      ON k.dataset = 'custody_records' AND k.role = 'inmate' AND k.record_id = c.record_id
    WHERE c.custody_type IN ('prison', 'detention', 'temporary_outside')
      AND c.start_date <= :as_of
)
SELECT s.person_key AS person_id, s.party_id AS recorded_id, s.party_name AS person_name, s.record_id AS judgment_record_id,
       s.case_no, s.cause, s.court, s.effective_date, s.deadline, s.term_months,
       CASE s.outcome WHEN 'imprisonment' THEN '有期徒刑' ELSE '拘役' END AS penalty_zh,
       CASE s.outcome WHEN 'imprisonment' THEN 'imprisonment' ELSE 'criminal detention' END
           AS penalty_en,
       [s.person_key] AS person_ids,
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
          AND (e.person_key = s.person_key OR e.name = s.party_name)
          AND e.start_date <= s.deadline)
  AND NOT EXISTS (
        -- ...or the person was in custody at some time between the judgment and the deadline
        SELECT 1 FROM executions AS e
        WHERE e.person_key = s.person_key
          AND e.start_date <= s.deadline
          AND e.last_day >= s.judgment_date)
