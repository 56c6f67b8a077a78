// 002: indexes for the library's read paths (folder-prefix filter, "recent" sort, history by batch,
// plates per detection so a re-run never creates a second plate for the same detection).
export default /* sql */ `
CREATE INDEX IF NOT EXISTS media_path ON media (path);
CREATE INDEX IF NOT EXISTS media_captured ON media (captured_at);
CREATE INDEX IF NOT EXISTS plates_recent ON plates (updated_at, id);
CREATE INDEX IF NOT EXISTS plates_media_frame ON plates (media_id, frame_id, id);
CREATE INDEX IF NOT EXISTS plates_region ON plates (region);
CREATE UNIQUE INDEX IF NOT EXISTS plates_detection ON plates (detection_id) WHERE detection_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS history_undoable ON history (undone_by, action, id);
CREATE INDEX IF NOT EXISTS import_items_media ON import_items (media_id);
CREATE INDEX IF NOT EXISTS import_jobs_state ON import_jobs (state, id);
`
