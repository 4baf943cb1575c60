-- correction.left_country: a person under community correction crossed the border outward
-- during the correction period.
-- Persons are compared by person_key (resolution; else the normalized resident ID).
WITH corrections AS (
    SELECT c.record_id, k.person_key, c.person_id, c.name, c.custody_type, c.start_date,
           c.end_date, c.institution, c.case_no, COALESCE(c.end_date, :as_of) AS last_day
    FROM custody_records AS c
    JOIN person_keys AS k
      ON k.dataset = 'custody_records' AND k.role = 'inmate' AND k.record_id = c.record_id
    WHERE c.custody_type IN ('community_correction', 'temporary_outside')
      AND c.start_date <= :as_of
),
exits AS (
    SELECT c.record_id AS custody_record_id, d.record_id AS document_record_id, d.doc_no,
           x.record_id AS crossing_record_id, x.port, CAST(x.crossed_at AS DATE) AS exit_day,
           MIN(CAST(b.crossed_at AS DATE)) AS back_day,
           -- the document states the person differently from the correction record
           CASE WHEN d.person_id IS NOT DISTINCT FROM c.person_id
                     AND d.name IS NOT DISTINCT FROM c.name
                THEN NULL ELSE COALESCE(d.name, '') || '/' || COALESCE(d.person_id, '—')
           END AS held_as
    FROM corrections AS c
    JOIN person_keys AS k
      ON k.dataset = 'travel_documents' AND k.role = 'holder' AND k.person_key = c.person_key
    JOIN travel_documents AS d
      ON d.record_id = k.record_id
    JOIN border_crossings AS x
      ON x.doc_no = d.doc_no
    LEFT JOIN border_crossings AS b
      ON b.doc_no = x.doc_no
     AND b.direction = 'entry'
     AND b.crossed_at > x.crossed_at
     AND CAST(b.crossed_at AS DATE) <= :as_of
    WHERE x.direction = 'exit'
      AND CAST(x.crossed_at AS DATE) BETWEEN c.start_date AND c.last_day
      AND CAST(x.crossed_at AS DATE) <= :as_of
    GROUP BY c.record_id, d.record_id, d.doc_no, x.record_id, x.port, x.crossed_at,
             c.person_id, c.name, d.person_id, d.name
),
per_correction AS (
    SELECT custody_record_id,
           COUNT(*) AS exits,
           MIN(exit_day) AS first_exit,
           MAX(exit_day) AS last_exit,
           MAX(CASE WHEN back_day IS NULL THEN 1 ELSE 0 END) AS not_back,
           MIN(held_as) AS held_as,
           -- NULLs left out explicitly: DuckDB's ARRAY_AGG keeps them, Spark's COLLECT_LIST not
           ARRAY_SORT(ARRAY_AGG(DISTINCT port) FILTER (WHERE port IS NOT NULL)) AS ports,
           ARRAY_SORT(ARRAY_AGG(DISTINCT doc_no)) AS doc_nos,
           ARRAY_SORT(ARRAY_AGG(DISTINCT 'travel_documents:' || document_record_id))
               AS document_refs,
           ARRAY_SORT(ARRAY_AGG('border_crossings:' || crossing_record_id)) AS crossing_refs
    FROM exits
    GROUP BY custody_record_id
)
SELECT c.person_key AS person_id, c.name AS person_name, c.person_id AS recorded_id, c.record_id AS custody_record_id, c.case_no,
       c.institution, c.start_date, c.end_date, o.exits, o.first_exit, o.last_exit, o.ports,
       o.doc_nos,
       CASE c.custody_type WHEN 'community_correction' THEN '社区矫正' ELSE '暂予监外执行' END
           AS correction_zh,
       CASE c.custody_type WHEN 'community_correction' THEN 'community correction'
            ELSE 'temporary execution outside prison' END AS correction_en,
       CASE WHEN o.not_back = 1 THEN '，至今无入境记录' ELSE '' END AS not_back_zh,
       CASE WHEN o.not_back = 1 THEN '; there is no record of a return' ELSE '' END
           AS not_back_en,
       -- which records resolution joined, when they state the person differently
       CASE WHEN o.held_as IS NULL THEN ''
            ELSE '（出入境证件记为' || o.held_as || '，矫正记录记为' || COALESCE(c.name, '') || '/'
                 || COALESCE(c.person_id, '—') || '，经人员比对认定为同一人）'
       END AS identity_zh,
       CASE WHEN o.held_as IS NULL THEN ''
            ELSE ' (the travel document states ' || o.held_as || ', the correction record '
                 || COALESCE(c.name, '') || '/' || COALESCE(c.person_id, '—')
                 || '; resolved to one person)'
       END AS identity_en,
       [c.person_key] AS person_ids,
       ARRAY_CONCAT(['custody_records:' || c.record_id],
                    ARRAY_CONCAT(o.crossing_refs, o.document_refs)) AS record_refs,
       r.region_code,
       CASE WHEN o.not_back = 1 OR o.exits > 1 THEN 'high' ELSE 'medium' END AS severity
FROM per_correction AS o
JOIN corrections AS c
  ON c.record_id = o.custody_record_id
LEFT JOIN (
    SELECT person_key, MIN(region_code) AS region_code
    FROM persons_resolved
    GROUP BY person_key
) AS r
  ON r.person_key = c.person_key
