-- Performance evaluation (绩效评估). Applicant satisfaction: one rating per concluded case,
-- given on the result page of the external zone and carried inside as a packet.
CREATE TABLE case_ratings (
  id {{ID}},
  case_no TEXT NOT NULL UNIQUE,
  rating TEXT NOT NULL,          -- very_satisfied | satisfied | basic | dissatisfied
  comment TEXT NOT NULL DEFAULT '',
  rated_at BIGINT NOT NULL
);
CREATE INDEX case_ratings_at ON case_ratings(rated_at);

-- Monthly rankings the supervisor publishes to the external zone (optional public page).
CREATE TABLE published_rankings (
  period TEXT PRIMARY KEY,
  body TEXT NOT NULL,            -- the evaluation as JSON
  published_at BIGINT NOT NULL,
  published_by TEXT NOT NULL
);
