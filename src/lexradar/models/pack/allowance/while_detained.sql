-- allowance.while_detained: minimum living allowance paid for months spent in prison or detention.
-- Persons are compared by person_key (resolution; else the normalized resident ID).
WITH sentenced AS (
    -- criminal cases that ended in a sentence served in custody
    -- (per accused: a co-defendant's sentence says nothing of this person's detention)
    SELECT j.case_no, k.person_key AS party_key, j.party_name,
           MIN(j.effective_date) AS effective_date
    FROM judgments AS j
    JOIN person_keys AS k
      ON k.dataset = 'judgments' AND k.role = 'party' AND k.record_id = j.record_id
    WHERE j.case_kind = 'criminal' AND j.party_role = 'accused'
      AND j.outcome IN ('imprisonment', 'criminal_detention')
      AND j.effective_date <= :as_of
    GROUP BY j.case_no, k.person_key, j.party_name
),
custody AS (
    -- a detention house also holds suspects before trial: detention counts from the day the
    -- sentence of the case it executes took effect; prison and correction from their start
    SELECT c.record_id, ck.person_key, c.person_id, c.name, c.custody_type, c.start_date, c.end_date,
           c.institution, c.case_no,
           CASE WHEN c.custody_type = 'detention' AND s.effective_date > c.start_date
                THEN s.effective_date ELSE c.start_date END AS served_from,
           COALESCE(c.end_date, :as_of) AS last_day
    FROM custody_records AS c
    JOIN person_keys AS ck
      ON ck.dataset = 'custody_records' AND ck.role = 'inmate' AND ck.record_id = c.record_id
    LEFT JOIN sentenced AS s
      ON s.case_no = c.case_no
     AND (s.party_key = ck.person_key OR s.party_name = c.name)
    WHERE c.start_date <= :as_of
      AND c.custody_type IN ('prison', 'detention')
      AND (c.custody_type <> 'detention' OR s.case_no IS NOT NULL)
),
offending AS (
    -- payments for whole calendar months inside the period
    SELECT c.record_id AS custody_record_id, p.record_id AS payment_record_id, p.month, p.amount,
           CASE WHEN p.person_id IS NOT DISTINCT FROM c.person_id AND p.name IS NOT DISTINCT FROM c.name
                THEN NULL ELSE COALESCE(p.name, '') || '/' || COALESCE(p.person_id, '—') END AS paid_as
    FROM custody AS c
    JOIN person_keys AS pk
      ON pk.dataset = 'allowance_payments' AND pk.role = 'recipient' AND pk.person_key = c.person_key
    JOIN allowance_payments AS p
      ON p.record_id = pk.record_id
    WHERE p.month <= :as_of
      AND p.month >= c.served_from
      AND p.month + INTERVAL 1 MONTH <= c.last_day + 1
),
per_custody AS (
    SELECT custody_record_id,
           COUNT(*) AS months_paid,
           MIN(month) AS first_month,
           MAX(month) AS last_month,
           SUM(amount) AS amount_paid,
           MIN(paid_as) AS paid_as,
           ARRAY_SORT(ARRAY_AGG('allowance_payments:' || payment_record_id)) AS payment_refs
    FROM offending
    GROUP BY custody_record_id
)
SELECT c.person_key AS person_id, c.name AS person_name, c.person_id AS recorded_id, c.record_id AS custody_record_id, c.custody_type,
       c.start_date, c.end_date, c.institution, c.case_no,
       o.months_paid, o.first_month, o.last_month, o.amount_paid,
       CASE c.custody_type WHEN 'prison' THEN '在监狱服刑' ELSE '在看守所（拘役所）羁押服刑' END
           AS custody_zh,
       CASE c.custody_type WHEN 'prison' THEN 'in prison' ELSE 'in detention' END AS custody_en,
       -- which records resolution joined, when they state the person differently
       CASE WHEN o.paid_as IS NULL THEN ''
            ELSE '（发放记录记为' || o.paid_as || '，羁押记录记为' || COALESCE(c.name, '') || '/'
                 || COALESCE(c.person_id, '—') || '，经人员比对认定为同一人）'
       END AS identity_zh,
       CASE WHEN o.paid_as IS NULL THEN ''
            ELSE ' (the payments state ' || o.paid_as || ', the custody record '
                 || COALESCE(c.name, '') || '/' || COALESCE(c.person_id, '—')
                 || '; resolved to one person)'
       END AS identity_en,
       [c.person_key] AS person_ids,
       ARRAY_CONCAT(['custody_records:' || c.record_id], o.payment_refs) AS record_refs,
       r.region_code,
       CASE
           WHEN o.months_paid >= CAST(:high_months AS INTEGER) THEN 'high'
           ELSE 'medium'
       END AS severity
FROM per_custody AS o
JOIN custody AS c
  ON c.record_id = o.custody_record_id
LEFT JOIN (
    SELECT person_key, MIN(region_code) AS region_code
    FROM persons_resolved
    GROUP BY person_key
) AS r
  ON r.person_key = c.person_key
