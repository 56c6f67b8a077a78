// 003: the plate list sorted by confidence over all states (the "all" queue) walks an index too.
export default /* sql */ `
CREATE INDEX IF NOT EXISTS plates_confidence ON plates (confidence, id);
`
