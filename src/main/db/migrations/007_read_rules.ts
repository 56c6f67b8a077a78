// 007: country rules (engine/country-rules.ts). A read records the model's own text and the country
// whose rule looked at it: text <> model_text = the rule changed the reading, text = model_text = it kept
// it although it breaks that country's syntax. Both NULL = no rule applied, or the read fit its format.
export default /* sql */ `
ALTER TABLE reads ADD COLUMN model_text TEXT;
ALTER TABLE reads ADD COLUMN rule TEXT;
`
