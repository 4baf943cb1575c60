-- marriage.bigamy: a new marriage while an earlier one is still in force.
-- Persons are compared by person_key (the natural person found by resolution; the normalized
-- resident ID when the lake has not been resolved), so a second registration under a mistyped
-- or old 15-digit ID, or a variant spelling of the name, still meets the first.
WITH keys AS (
    SELECT dataset, record_id, role, recorded_id, person_key
    FROM person_keys
    WHERE dataset IN ('marriage_events', 'judgments', 'deaths')
),
registrations AS (
    SELECT m.record_id, m.cert_no, m.event_type, m.event_date, m.office, m.office_region_code,
           m.prior_cert_no, m.husband_id, m.husband_name, m.wife_id, m.wife_name,
           h.person_key AS husband_key, w.person_key AS wife_key
    FROM marriage_events AS m
    JOIN keys AS h
      ON h.dataset = 'marriage_events' AND h.role = 'husband' AND h.record_id = m.record_id
    JOIN keys AS w
      ON w.dataset = 'marriage_events' AND w.role = 'wife' AND w.record_id = m.record_id
    WHERE m.event_date <= :as_of
),
marriages AS (
    -- every marriage registration, once from each party's side
    SELECT record_id, cert_no, event_date, office, office_region_code,
           husband_key AS person_key, husband_id AS person_id, husband_name AS person_name,
           wife_key AS spouse_key, wife_name AS spouse_name
    FROM registrations
    WHERE event_type = 'marriage'
    UNION ALL
    SELECT record_id, cert_no, event_date, office, office_region_code,
           wife_key, wife_id, wife_name, husband_key, husband_name
    FROM registrations
    WHERE event_type = 'marriage'
),
endings AS (
    -- what ends a marriage between two persons: a divorce registration...
    SELECT LEAST(husband_key, wife_key) AS p1, GREATEST(husband_key, wife_key) AS p2,
           prior_cert_no AS cert_no, event_date AS ended_on
    FROM registrations
    WHERE event_type = 'divorce'
    UNION ALL
    -- ...or a court divorce once it has taken effect
    SELECT LEAST(pk.person_key, qk.person_key), GREATEST(pk.person_key, qk.person_key),
           p.cited_cert_no, p.effective_date
    FROM judgments AS p
    JOIN judgments AS q
      ON q.case_no = p.case_no AND q.party_role = 'defendant'
    JOIN keys AS pk
      ON pk.dataset = 'judgments' AND pk.role = 'party' AND pk.record_id = p.record_id
    JOIN keys AS qk
      ON qk.dataset = 'judgments' AND qk.role = 'party' AND qk.record_id = q.record_id
    WHERE p.party_role = 'plaintiff' AND p.outcome = 'divorce_granted'
      AND p.effective_date <= :as_of
),
candidates AS (
    SELECT n.person_key, n.person_name, n.person_id AS new_person_id,
           o.person_id AS old_person_id, o.person_name AS old_person_name,
           n.record_id AS new_record_id, n.cert_no AS new_cert_no, n.event_date AS new_date,
           n.office AS new_office, n.office_region_code, n.spouse_name AS new_spouse_name,
           o.record_id AS old_record_id, o.cert_no AS old_cert_no, o.event_date AS old_date,
           o.spouse_key AS old_spouse_key, o.spouse_name AS old_spouse_name
    FROM marriages AS n
    JOIN marriages AS o
      ON o.person_key = n.person_key
     AND o.spouse_key <> n.spouse_key
     AND (o.event_date < n.event_date
          OR (o.event_date = n.event_date AND o.record_id < n.record_id))
)
SELECT c.person_key AS person_id, c.person_name, c.new_person_id, c.old_person_id,
       c.new_record_id, c.new_cert_no, c.new_date, c.new_office,
       c.new_spouse_name, c.old_record_id, c.old_cert_no, c.old_date, c.old_spouse_name,
       -- which records resolution joined: the two registrations state the person differently
       CASE WHEN c.new_person_id IS NOT DISTINCT FROM c.old_person_id
                 AND c.person_name IS NOT DISTINCT FROM c.old_person_name THEN ''
            ELSE '（两次登记分别记为' || COALESCE(c.old_person_name, '') || '/'
                 || COALESCE(c.old_person_id, '无身份号码') || '和'
                 || COALESCE(c.person_name, '') || '/' || COALESCE(c.new_person_id, '无身份号码')
                 || '，经人员比对认定为同一人' || COALESCE(c.person_key, '') || '）'
       END AS identity_zh,
       CASE WHEN c.new_person_id IS NOT DISTINCT FROM c.old_person_id
                 AND c.person_name IS NOT DISTINCT FROM c.old_person_name THEN ''
            ELSE ' (the registrations state ' || COALESCE(c.old_person_name, '') || '/'
                 || COALESCE(c.old_person_id, 'no ID') || ' and '
                 || COALESCE(c.person_name, '') || '/' || COALESCE(c.new_person_id, 'no ID')
                 || ', resolved to one person, ' || COALESCE(c.person_key, '') || ')'
       END AS identity_en,
       [c.person_key] AS person_ids,
       ['marriage_events:' || c.new_record_id, 'marriage_events:' || c.old_record_id]
           AS record_refs,
       c.office_region_code AS region_code,
       'high' AS severity
FROM candidates AS c
WHERE NOT EXISTS (
        SELECT 1 FROM endings AS e
        WHERE e.p1 = LEAST(c.person_key, c.old_spouse_key)
          AND e.p2 = GREATEST(c.person_key, c.old_spouse_key)
          AND e.ended_on BETWEEN c.old_date AND c.new_date)
  AND NOT EXISTS (
        SELECT 1 FROM endings AS e
        WHERE e.cert_no = c.old_cert_no
          AND e.ended_on BETWEEN c.old_date AND c.new_date)
  AND NOT EXISTS (
        SELECT 1 FROM deaths AS d
        JOIN keys AS dk
          ON dk.dataset = 'deaths' AND dk.role = 'deceased' AND dk.record_id = d.record_id
        WHERE dk.person_key = c.old_spouse_key
          AND d.death_date <= c.new_date)
