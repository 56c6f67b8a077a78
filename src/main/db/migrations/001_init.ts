// 001: the library. Times are ISO-8601 UTC text. Boxes are source-image pixels.
export default /* sql */ `

CREATE TABLE media (
  id          INTEGER PRIMARY KEY,
  path        TEXT NOT NULL,              -- absolute path where it was first imported
  folder      TEXT NOT NULL,              -- the import root the user chose (for "source" filters)
  sha256      TEXT NOT NULL UNIQUE,       -- content identity: the same bytes are never processed twice
  kind        TEXT NOT NULL CHECK (kind IN ('image', 'video')),
  size        INTEGER NOT NULL,
  width       INTEGER,
  height      INTEGER,
  duration_s  REAL,
  fps         REAL,
  captured_at TEXT,
  gps_lat     REAL,
  gps_lon     REAL,
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'done', 'error')),
  error       TEXT,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX media_folder ON media (folder);
CREATE INDEX media_status ON media (status);

-- Every path ever seen for a media file (duplicates under other names, moved files).
CREATE TABLE media_paths (
  path     TEXT PRIMARY KEY,
  media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  size     INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL
);
CREATE INDEX media_paths_media ON media_paths (media_id);

-- Images have one frame (idx 0); videos one per sampled frame.
CREATE TABLE frames (
  id       INTEGER PRIMARY KEY,
  media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  idx      INTEGER NOT NULL,
  time_s   REAL,
  width    INTEGER NOT NULL,
  height   INTEGER NOT NULL,
  UNIQUE (media_id, idx)
);

CREATE TABLE tracks (
  id               INTEGER PRIMARY KEY,
  media_id         INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  voted_text       TEXT NOT NULL,
  vote_confidence  REAL NOT NULL,
  first_frame      INTEGER NOT NULL,
  last_frame       INTEGER NOT NULL,
  first_time_s     REAL,
  last_time_s      REAL,
  best_detection_id INTEGER,
  n_detections     INTEGER NOT NULL
);
CREATE INDEX tracks_media ON tracks (media_id);

-- Raw model output: what the detector found. Never edited by review (the plate row is).
CREATE TABLE detections (
  id       INTEGER PRIMARY KEY,
  frame_id INTEGER NOT NULL REFERENCES frames (id) ON DELETE CASCADE,
  media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  track_id INTEGER REFERENCES tracks (id) ON DELETE SET NULL,
  x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
  score    REAL NOT NULL,
  detector TEXT NOT NULL
);
CREATE INDEX detections_frame ON detections (frame_id);
CREATE INDEX detections_track ON detections (track_id);
CREATE INDEX detections_media ON detections (media_id);

-- Raw model output: what the OCR read from one detection.
CREATE TABLE reads (
  id                INTEGER PRIMARY KEY,
  detection_id      INTEGER NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
  text              TEXT NOT NULL,
  confidence        REAL NOT NULL,
  char_confidences  TEXT NOT NULL,  -- JSON number[]
  candidates        TEXT NOT NULL,  -- JSON {plate, confidence}[]
  region            TEXT,
  region_confidence REAL,
  recognizer        TEXT NOT NULL
);
CREATE UNIQUE INDEX reads_detection ON reads (detection_id);

-- The review unit: one plate of an image, or one track of a video. Review edits this row only,
-- and every edit appends to history.
CREATE TABLE plates (
  id            INTEGER PRIMARY KEY,
  media_id      INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  frame_id      INTEGER NOT NULL REFERENCES frames (id) ON DELETE CASCADE,
  detection_id  INTEGER REFERENCES detections (id) ON DELETE SET NULL,  -- null for hand-drawn plates
  track_id      INTEGER REFERENCES tracks (id) ON DELETE SET NULL,
  x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
  text          TEXT NOT NULL,
  model_text    TEXT,
  confidence    REAL NOT NULL,
  region        TEXT,
  review_state  TEXT NOT NULL DEFAULT 'unreviewed'
                CHECK (review_state IN ('unreviewed', 'confirmed', 'corrected', 'rejected', 'manual')),
  reviewed_at   TEXT,
  reviewed_by   TEXT,
  updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX plates_queue ON plates (review_state, confidence, id);
CREATE INDEX plates_media ON plates (media_id);
CREATE INDEX plates_text ON plates (text);
CREATE INDEX plates_track ON plates (track_id);

-- Append-only log of every review change. Undo appends an 'undo' entry and marks the original.
CREATE TABLE history (
  id        INTEGER PRIMARY KEY,
  plate_id  INTEGER NOT NULL REFERENCES plates (id) ON DELETE CASCADE,
  action    TEXT NOT NULL CHECK (action IN ('confirm', 'correct', 'reject', 'add', 'box', 'undo', 'bulk-confirm')),
  old_value TEXT,   -- JSON of the fields before
  new_value TEXT,   -- JSON of the fields after
  at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  by        TEXT NOT NULL,
  batch_id  TEXT,
  undone_by INTEGER REFERENCES history (id)
);
CREATE INDEX history_plate ON history (plate_id, id);
CREATE INDEX history_batch ON history (batch_id);

-- The persisted import queue: a killed process resumes from here.
CREATE TABLE import_jobs (
  id          INTEGER PRIMARY KEY,
  roots       TEXT NOT NULL,    -- JSON string[]
  options     TEXT NOT NULL,    -- JSON {fps}
  state       TEXT NOT NULL DEFAULT 'queued'
              CHECK (state IN ('queued', 'running', 'paused', 'done', 'cancelled', 'error')),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT
);

CREATE TABLE import_items (
  id       INTEGER PRIMARY KEY,
  job_id   INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
  path     TEXT NOT NULL,
  root     TEXT NOT NULL,
  state    TEXT NOT NULL DEFAULT 'pending'
           CHECK (state IN ('pending', 'done', 'duplicate', 'error', 'cancelled')),
  media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
  plates   INTEGER NOT NULL DEFAULT 0,
  error    TEXT,
  UNIQUE (job_id, path)
);
CREATE INDEX import_items_state ON import_items (job_id, state);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL  -- JSON
);
`
