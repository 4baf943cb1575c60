-- allowance.while_detained: minimum living allowance paid for months spent in prison or detention.
WITH sentenced AS (
    -- criminal cases that ended in a sentence served in custody
    -- (per accused: a co-defendant's sentence says nothing of this person's detention)
    SELECT case_no, party_id, party_name, MIN(effective_date) AS effective_date
    FROM judgments
    WHERE case_kind = 'criminal' AND party_role = 'accused'
      AND outcome IN ('imprisonment', 'criminal_detention')
      AND effective_date <= :as_of
    GROUP BY case_no, party_id, party_name
),
custody AS (
    -- a detention house also holds suspects before trial: detention counts from the day the
    -- sentence of the case it executes took effect; prison and correction from their start
    SELECT c.record_id, c.person_id, c.name, c.custody_type, c.start_date, c.end_date,
           c.institution, c.case_no,
           CASE WHEN c.custody_type = 'detention' AND s.effective_date > c.start_date
                THEN s.effective_date ELSE c.start_date END AS served_from,
           COALESCE(c.end_date, :as_of) AS last_day
    FROM custody_records AS c
    LEFT JOIN sentenced AS s
      ON s.case_no = c.case_no
     AND (s.party_id = c.person_id OR s.party_name = c.name)
    WHERE c.start_date <= :as_of
      AND c.custody_type IN ('prison', 'detention')
      AND (c.custody_type <> 'detention' OR s.case_no IS NOT NULL)
),
offending AS (
    -- payments for whole calendar months inside the period
    SELECT c.record_id AS custody_record_id, p.record_id AS payment_record_id, p.month, p.amount
    FROM custody AS c
    JOIN allowance_payments AS p
      ON p.person_id = c.person_id
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
           ARRAY_SORT(ARRAY_AGG('allowance_payments:' || payment_record_id)) AS payment_refs
    FROM offending
    GROUP BY custody_record_id
)
SELECT c.person_id, c.name AS person_name, c.record_id AS custody_record_id, c.custody_type,
       c.start_date, c.end_date, c.institution, c.case_no,
       o.months_paid, o.first_month, o.last_month, o.amount_paid,
       CASE c.custody_type WHEN 'prison' THEN '在监狱服刑' ELSE '在看守所（拘役所）羁押服刑' END
           AS custody_zh,
       CASE c.custody_type WHEN 'prison' THEN 'in prison' ELSE 'in detention' END AS custody_en,
       [c.person_id] AS person_ids,
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
    SELECT person_id, MIN(region_code) AS region_code
    FROM persons
    GROUP BY person_id
) AS r
  ON r.person_id = c.person_id
