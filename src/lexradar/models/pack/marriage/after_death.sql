-- marriage.after_death: a party of a marriage registration had already died.
WITH parties AS (
    SELECT record_id, cert_no, event_date, office, office_region_code,
           husband_id AS person_id, husband_name AS person_name, wife_name AS spouse_name
    FROM marriage_events
    WHERE event_type = 'marriage' AND event_date <= :as_of
    UNION ALL
    SELECT record_id, cert_no, event_date, office, office_region_code,
           wife_id, wife_name, husband_name
    FROM marriage_events
    WHERE event_type = 'marriage' AND event_date <= :as_of
),
death_evidence AS (
    -- a death record gives the day of death...
    SELECT person_id, death_date, 'deaths:' || record_id AS ref, 1 AS rank_source,
           source AS evidence
    FROM deaths
    WHERE death_date <= :as_of
    UNION ALL
    -- ...a registration cancelled for death gives a day by which the person was dead
    SELECT person_id, cancelled_on, 'persons:' || record_id, 2, 'household_registry'
    FROM persons
    WHERE status = 'cancelled' AND cancel_reason = 'death' AND cancelled_on <= :as_of
),
hits AS (
    SELECT p.person_id, p.person_name, p.record_id AS marriage_record_id, p.cert_no,
           p.event_date AS marriage_date, p.office, p.office_region_code, p.spouse_name,
           d.death_date, d.ref AS death_ref, d.evidence,
           ROW_NUMBER() OVER (
               PARTITION BY p.person_id, p.record_id
               ORDER BY d.rank_source, d.death_date, d.ref
           ) AS pick
    FROM parties AS p
    JOIN death_evidence AS d
      ON d.person_id = p.person_id
     AND d.death_date + CAST(:grace_days AS INTEGER) < p.event_date
)
SELECT person_id, person_name, marriage_record_id, cert_no, marriage_date, office, spouse_name,
       death_date,
       CASE evidence
           WHEN 'cremation' THEN '火化记录'
           WHEN 'medical_certificate' THEN '居民死亡医学证明'
           WHEN 'police' THEN '公安死亡登记'
           ELSE '户籍注销（死亡）记录'
       END AS death_evidence,
       CASE evidence
           WHEN 'cremation' THEN 'a cremation record'
           WHEN 'medical_certificate' THEN 'a medical death certificate'
           WHEN 'police' THEN 'a police death record'
           ELSE 'the household registry (cancelled for death)'
       END AS death_evidence_en,
       [person_id] AS person_ids,
       ['marriage_events:' || marriage_record_id, death_ref] AS record_refs,
       office_region_code AS region_code,
       CASE WHEN evidence = 'household_registry' THEN 'medium' ELSE 'high' END AS severity
FROM hits
WHERE pick = 1
