-- marriage.fake_certificate: a court case cites a marriage certificate number that the registry
-- does not have, or has for other parties. Parties are compared by person_key (resolution;
-- else the normalized resident ID) or by name.
WITH cited AS (
    -- one row per case citing a certificate: its plaintiff and defendant
    SELECT p.case_no, p.cause, p.cited_cert_no, p.judgment_date, p.outcome, p.court,
           p.court_region_code,
           p.record_id AS plaintiff_record_id, p.party_id AS plaintiff_id,
           p.party_name AS plaintiff_name,
           d.record_id AS defendant_record_id, d.party_id AS defendant_id,
           d.party_name AS defendant_name,
           pk.person_key AS plaintiff_key, dk.person_key AS defendant_key
    FROM judgments AS p
    JOIN judgments AS d
      ON d.case_no = p.case_no AND d.party_role = 'defendant'
    JOIN person_keys AS pk
      ON pk.dataset = 'judgments' AND pk.role = 'party' AND pk.record_id = p.record_id
    JOIN person_keys AS dk
      ON dk.dataset = 'judgments' AND dk.role = 'party' AND dk.record_id = d.record_id
    WHERE p.party_role = 'plaintiff'
      AND p.cited_cert_no IS NOT NULL AND TRIM(p.cited_cert_no) <> ''
      AND p.judgment_date <= :as_of
),
certificates AS (
    -- certificates the registry issued: at a marriage registration or a reissue
    SELECT m.record_id, m.cert_no, m.event_type, m.event_date, m.husband_id, m.husband_name,
           m.wife_id, m.wife_name, hk.person_key AS husband_key, wk.person_key AS wife_key
    FROM marriage_events AS m
    JOIN person_keys AS hk
      ON hk.dataset = 'marriage_events' AND hk.role = 'husband' AND hk.record_id = m.record_id
    JOIN person_keys AS wk
      ON wk.dataset = 'marriage_events' AND wk.role = 'wife' AND wk.record_id = m.record_id
    WHERE m.event_type IN ('marriage', 'reissue') AND m.event_date <= :as_of
),
checked AS (
    SELECT c.*, m.record_id AS cert_record_id, m.event_date AS cert_date,
           m.husband_name, m.wife_name,
           -- a party is taken to be a spouse on the certificate when the person or the name
           -- agrees (a court clerk may mistype one of them, hardly both)
           CASE WHEN m.record_id IS NULL THEN 0
                WHEN ((c.plaintiff_key = m.husband_key OR c.plaintiff_name = m.husband_name)
                      AND (c.defendant_key = m.wife_key OR c.defendant_name = m.wife_name))
                  OR ((c.plaintiff_key = m.wife_key OR c.plaintiff_name = m.wife_name)
                      AND (c.defendant_key = m.husband_key OR c.defendant_name = m.husband_name))
                THEN 2
                WHEN c.plaintiff_key IN (m.husband_key, m.wife_key)
                  OR c.defendant_key IN (m.husband_key, m.wife_key)
                  OR c.plaintiff_name IN (m.husband_name, m.wife_name)
                  OR c.defendant_name IN (m.husband_name, m.wife_name)
                THEN 1
                ELSE 0 END AS parties_on_cert
    FROM cited AS c
    LEFT JOIN certificates AS m
      ON m.cert_no = c.cited_cert_no
),
per_case AS (
    SELECT case_no, plaintiff_record_id, defendant_record_id,
           MAX(parties_on_cert) AS best_match,
           MAX(CASE WHEN cert_record_id IS NULL THEN 0 ELSE 1 END) AS in_registry,
           MIN(cert_record_id) AS cert_record_id
    FROM checked
    GROUP BY case_no, plaintiff_record_id, defendant_record_id
)
SELECT c.case_no, c.cause, c.cited_cert_no, c.judgment_date, c.court, c.outcome,
       c.plaintiff_id, c.plaintiff_name, c.defendant_id, c.defendant_name,
       c.plaintiff_record_id, c.defendant_record_id,
       CASE
           WHEN o.in_registry = 0 THEN '婚姻登记机关没有该证号的结婚证'
           WHEN o.best_match = 1 THEN '婚姻登记机关的该证号结婚证仅有一方当事人相符，系其与他人的婚姻（' || m.husband_name || '与' || m.wife_name || '）'
           ELSE '婚姻登记机关的该证号结婚证系他人的婚姻（' || m.husband_name || '与' || m.wife_name || '）'
       END AS finding_zh,
       CASE
           WHEN o.in_registry = 0 THEN 'the registry has no certificate with that number'
           WHEN o.best_match = 1 THEN 'the registry issued that certificate to one of the parties with another spouse ('
                || m.husband_name || ' and ' || m.wife_name || ')'
           ELSE 'the registry issued that certificate to other persons ('
                || m.husband_name || ' and ' || m.wife_name || ')'
       END AS finding_en,
       ARRAY_SORT([c.plaintiff_key, c.defendant_key]) AS person_ids,
       CASE
           WHEN o.cert_record_id IS NULL
               THEN ['judgments:' || c.plaintiff_record_id, 'judgments:' || c.defendant_record_id]
           ELSE ['judgments:' || c.plaintiff_record_id, 'judgments:' || c.defendant_record_id,
                 'marriage_events:' || o.cert_record_id]
       END AS record_refs,
       c.court_region_code AS region_code,
       CASE
           WHEN o.in_registry = 0 OR o.best_match = 0 THEN 'high'
           ELSE 'medium'
       END AS severity
FROM per_case AS o
JOIN cited AS c
  ON c.plaintiff_record_id = o.plaintiff_record_id
 AND c.defendant_record_id = o.defendant_record_id
LEFT JOIN certificates AS m
  ON m.record_id = o.cert_record_id
WHERE o.best_match < 2
