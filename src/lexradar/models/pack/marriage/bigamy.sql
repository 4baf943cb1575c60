-- marriage.bigamy: a new marriage while an earlier one is still in force.
WITH marriages AS (
    -- every marriage registration, once from each party's side
    SELECT record_id, cert_no, event_date, office, office_region_code,
           husband_id AS person_id, husband_name AS person_name,
           wife_id AS spouse_id, wife_name AS spouse_name
    FROM marriage_events
    WHERE event_type = 'marriage' AND event_date <= :as_of
    UNION ALL
    SELECT record_id, cert_no, event_date, office, office_region_code,
           wife_id, wife_name, husband_id, husband_name
    FROM marriage_events
    WHERE event_type = 'marriage' AND event_date <= :as_of
),
endings AS (
    -- what ends a marriage between two persons: a divorce registration...
    SELECT LEAST(husband_id, wife_id) AS p1, GREATEST(husband_id, wife_id) AS p2,
           prior_cert_no AS cert_no, event_date AS ended_on
    FROM marriage_events
    WHERE event_type = 'divorce' AND event_date <= :as_of
    UNION ALL
    -- ...or a court divorce once it has taken effect
    SELECT LEAST(p.party_id, q.party_id), GREATEST(p.party_id, q.party_id),
           p.cited_cert_no, p.effective_date
    FROM judgments AS p
    JOIN judgments AS q
      ON q.case_no = p.case_no AND q.party_role = 'defendant'
    WHERE p.party_role = 'plaintiff' AND p.outcome = 'divorce_granted'
      AND p.effective_date <= :as_of
),
candidates AS (
    SELECT n.person_id, n.person_name,
           n.record_id AS new_record_id, n.cert_no AS new_cert_no, n.event_date AS new_date,
           n.office AS new_office, n.office_region_code, n.spouse_name AS new_spouse_name,
           o.record_id AS old_record_id, o.cert_no AS old_cert_no, o.event_date AS old_date,
           o.spouse_id AS old_spouse_id, o.spouse_name AS old_spouse_name
    FROM marriages AS n
    JOIN marriages AS o
      ON o.person_id = n.person_id
     AND o.spouse_id <> n.spouse_id
     AND (o.event_date < n.event_date
          OR (o.event_date = n.event_date AND o.record_id < n.record_id))
)
SELECT c.person_id, c.person_name, c.new_record_id, c.new_cert_no, c.new_date, c.new_office,
       c.new_spouse_name, c.old_record_id, c.old_cert_no, c.old_date, c.old_spouse_name,
       [c.person_id] AS person_ids,
       ['marriage_events:' || c.new_record_id, 'marriage_events:' || c.old_record_id]
           AS record_refs,
       c.office_region_code AS region_code,
       'high' AS severity
FROM candidates AS c
WHERE NOT EXISTS (
        SELECT 1 FROM endings AS e
        WHERE e.p1 = LEAST(c.person_id, c.old_spouse_id)
          AND e.p2 = GREATEST(c.person_id, c.old_spouse_id)
          AND e.ended_on BETWEEN c.old_date AND c.new_date)
  AND NOT EXISTS (
        SELECT 1 FROM endings AS e
        WHERE e.cert_no = c.old_cert_no
          AND e.ended_on BETWEEN c.old_date AND c.new_date)
  AND NOT EXISTS (
        SELECT 1 FROM deaths AS d
        WHERE d.person_id = c.old_spouse_id
          AND d.death_date <= c.new_date)
