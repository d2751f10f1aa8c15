/** Plan renderers: the JSON document (stable API) and the human text rendered from it. */
export { planToJson, renderPlanJson, toJsonValue, type PlanChangeJson, type PlanDocument, type PlanFieldJson, type JsonValue, type RefJson } from './json.js';
export { renderPlanDocumentText, renderPlanText, type TextRenderOptions } from './text.js';
export { formatValue, lineDiff } from './values.js';
