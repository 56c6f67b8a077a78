// 005: a plate is a quadrilateral when a model or a labelled set gives its corners. JSON
// [[x,y],[x,y],[x,y],[x,y]] in frame pixels, clockwise from the top-left (shared/geometry.ts Quad);
// NULL = box only. The box columns stay the plate's bounding box, so everything box-based keeps working.
export default /* sql */ `
ALTER TABLE plates ADD COLUMN corners TEXT;
`
