// The OpenAPI 3.1 description of the HTTP API, built from the same zod
// schemas the routes validate with (query parameters and JSON bodies), so the
// document cannot drift from what the daemon accepts. Served at
// GET /v1/openapi.json and committed as docs/openapi.json (`npm run
// docs:openapi`); a test checks that every route the daemon registers is
// documented here and nothing else is, and that the committed file is current.
//
// Every error answer is the Problem schema below (RFC 9457, see
// src/core/http/problem.ts).
import { z } from 'zod';
import { alertsQuery, silencesQuery } from '../../alerts/http.ts';
import { silenceInputSchema } from '../../alerts/silences.ts';
import { ERROR_CODES } from '../core/errors.ts';
import { PROBLEM_CONTENT_TYPE } from '../core/http/problem.ts';
import type { Router } from '../core/http/router.ts';
import { ROUTE_SCOPES } from '../http/scopes.ts';
import { VERSION } from '../version.ts';
import { importBodySchema, listQuery as baselinesQuery, uploadQuerySchema } from './baseline-routes.ts';
import { gateHistoryQuery } from './dashboard-gate.ts';
import { featureQuery, heatmapQuery, overviewQuery, seriesQuery } from './dashboard-routes.ts';
import { backfillBody, detectBody } from './detect-routes.ts';
import { flaggerBody, gateQuerySchema } from './gate-routes.ts';
import { historyQuery, latestQuery, modelsQuery, runsQuery } from './read-routes.ts';
import { sqlBody } from './sql-routes.ts';
import { compareQuerySchema } from './versions-routes.ts';

type Json = Record<string, unknown>;

interface RouteDoc {
  summary: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Non-JSON bodies: content type -> description. */
  rawBody?: Record<string, string>;
  /** The success answers: status -> description. */
  ok: Record<number, string>;
  /** The page shape of a list (items under `items` unless named). */
  page?: { kind: 'cursor' | 'offset'; items: string };
  /** Error statuses besides those every /v1 route can answer. */
  errors?: number[];
}

const NDJSON_BODY = {
  'application/x-ndjson': 'one event per line',
  'application/json': 'a JSON array of events, or one event',
  'application/vnd.apache.arrow.stream': 'Arrow IPC stream, one row per event',
};

/** Every route, by `METHOD /path` as the router names it. */
export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /healthz': { summary: 'Liveness: the process answers.', ok: { 200: 'alive' }, errors: [] },
  'GET /readyz': { summary: 'Readiness, with a reason per component.', ok: { 200: 'ready', 503: 'not ready (the body says why)' }, errors: [] },
  'GET /metrics': { summary: 'Prometheus text exposition (see the README Metrics table).', ok: { 200: 'metrics' }, errors: [] },
  'GET /v1/openapi.json': { summary: 'This document.', ok: { 200: 'the OpenAPI document' } },
  'GET /v1/models': { summary: 'Models and versions seen, by name.', query: modelsQuery, ok: { 200: 'a page' }, page: { kind: 'offset', items: 'items' } },
  'GET /v1/scores/latest': { summary: 'The latest score of every series (of its newest window, as its newest run scored it).', query: latestQuery, ok: { 200: 'a page' }, page: { kind: 'offset', items: 'items' } },
  'GET /v1/scores/history': { summary: 'Every score in a time range, newest first, superseded ones marked current: false.', query: historyQuery, ok: { 200: 'a page' }, page: { kind: 'cursor', items: 'items' } },
  'GET /v1/runs': { summary: 'Detector runs, newest window first.', query: runsQuery, ok: { 200: 'a page' }, page: { kind: 'cursor', items: 'items' } },
  'POST /v1/sql': { summary: 'Read-only SQL over driftwatch tables: {columns, rows, truncated}.', body: sqlBody, ok: { 200: 'the result' }, errors: [429] },
  'GET /v1/dashboard/overview': { summary: "The dashboard's models and versions: status, traffic share, counts, first and last seen, the worst scores.", query: overviewQuery, ok: { 200: 'the overview' } },
  'GET /v1/dashboard/timeseries': { summary: 'Per version and time bucket: predictions, error rate, latency p50/p95/p99.', query: seriesQuery, ok: { 200: 'the series' } },
  'GET /v1/dashboard/heatmap': { summary: 'Feature x window of one version: PSI, PSI status, severity status, missing-share delta.', query: heatmapQuery, ok: { 200: 'the heatmap' } },
  'GET /v1/dashboard/feature': { summary: 'One feature in one run: every score, the histograms, and the SQL that reproduces them.', query: featureQuery, ok: { 200: 'the feature' } },
  'GET /v1/dashboard/gate': { summary: 'The newest rollout-gate verdicts recorded for a model (read only: asking the gate records a verdict).', query: gateHistoryQuery, ok: { 200: 'the verdicts' } },
  'GET /v1/versions/compare': { summary: 'Champion vs canary, every metric side by side.', query: compareQuerySchema, ok: { 200: 'the comparison' } },
  'POST /v1/detect': { summary: 'Run detectors now; no body (or {}) runs every detector.', body: detectBody, ok: { 200: 'the runs' } },
  'POST /v1/backfill': { summary: 'Run detectors over a past range.', body: backfillBody, ok: { 200: 'the runs' } },
  'GET /v1/baselines': { summary: 'Imported baseline datasets.', query: baselinesQuery, ok: { 200: 'a page' }, page: { kind: 'offset', items: 'baselines' } },
  'POST /v1/baselines': {
    summary: 'Import a baseline: a JSON body names a file inside baselines.import_dir; any other body is the dataset itself, described by the query.',
    query: uploadQuerySchema,
    body: importBodySchema,
    rawBody: { 'text/csv': 'CSV dataset', 'application/x-ndjson': 'JSON lines dataset', 'application/vnd.apache.parquet': 'Parquet dataset', 'application/vnd.apache.arrow.stream': 'Arrow dataset' },
    ok: { 201: 'the imported baseline' },
    errors: [413, 415],
  },
  'GET /v1/alerts': { summary: 'Alerts with their evidence, actions and what mutes them, newest first.', query: alertsQuery, ok: { 200: 'a page' }, page: { kind: 'cursor', items: 'alerts' }, errors: [503] },
  'GET /v1/silences': { summary: 'Silences, newest first.', query: silencesQuery, ok: { 200: 'a page' }, page: { kind: 'cursor', items: 'silences' }, errors: [503] },
  'POST /v1/silences': { summary: 'Create a silence.', body: silenceInputSchema, ok: { 201: '{silence}' }, errors: [503] },
  'GET /v1/silences/{id}': { summary: 'One silence.', ok: { 200: '{silence}' }, errors: [404, 503] },
  'DELETE /v1/silences/{id}': { summary: 'Expire a silence.', ok: { 200: '{silence}' }, errors: [404, 503] },
  'GET /v1/gate': { summary: 'Rollout gate verdict: {verdict, checks, reasons, evidence_url}.', query: gateQuerySchema, ok: { 200: 'the verdict' } },
  'POST /v1/gate/flagger': {
    summary: 'The gate as a Flagger webhook (token in metadata.token): 200 when the verdict is `expect`, else a 412 problem carrying the verdict.',
    body: flaggerBody,
    ok: { 200: 'the verdict is the expected one' },
    errors: [412],
  },
  'POST /v1/predictions': { summary: 'HTTP ingest of predictions.', rawBody: NDJSON_BODY, ok: { 200: 'stored', 202: 'spooled, stored later' }, errors: [409, 413, 422, 503] },
  'POST /v1/labels': { summary: 'HTTP ingest of labels.', rawBody: NDJSON_BODY, ok: { 200: 'stored', 202: 'spooled, stored later' }, errors: [409, 413, 422, 503] },
};

/** `/v1/silences/:id` as OpenAPI writes it. */
export const openApiPath = (routePath: string): string => routePath.replace(/:(\w+)/g, '{$1}');

const jsonSchema = (s: z.ZodType): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
};

const PROBLEM_SCHEMA: Json = {
  type: 'object',
  description: 'RFC 9457 problem details; routes may add members (ingest: reason, invalid, total; SQL: reason; the Flagger gate: verdict, reasons).',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'urn:driftwatch:problem:<code>', pattern: '^urn:driftwatch:problem:DW_[A-Z_]+$' },
    title: { type: 'string', description: 'Fixed per type.' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'This occurrence, in words a person can act on.' },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    instance: { type: 'string', description: 'The request path.' },
    request_id: { type: 'string', description: 'Also in X-Request-Id and in the log lines of the request.' },
    errors: {
      type: 'array',
      description: 'One entry per problem of a request that failed validation (HTTP ingest: one per refused event, with index and reason).',
      items: {
        type: 'object',
        properties: {
          detail: { type: 'string' },
          parameter: { type: 'string', description: 'The query or path parameter at fault.' },
          pointer: { type: 'string', description: 'JSON Pointer (as a URI fragment) to the body member at fault.' },
        },
      },
    },
  },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request',
  401: 'no token, or one that is not configured',
  403: 'the token lacks the scope',
  404: 'not found',
  405: 'method not allowed',
  409: 'conflict',
  412: 'precondition failed',
  413: 'body too large',
  415: 'unsupported content type',
  422: 'unprocessable',
  429: 'too many requests',
  500: 'internal error',
  503: 'unavailable; retry after Retry-After',
};

const PAGES: Record<'cursor' | 'offset', Json> = {
  cursor: { limit: { type: 'integer' }, next: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last.' } },
  offset: { limit: { type: 'integer' }, offset: { type: 'integer' }, next_offset: { type: ['integer', 'null'] } },
};

function parameters(path: string, query: z.ZodType | undefined): Json[] {
  const out: Json[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  if (!query) return out;
  const s = jsonSchema(query) as { properties?: Record<string, Json>; required?: string[] };
  for (const [name, schema] of Object.entries(s.properties ?? {})) {
    const { description, ...rest } = schema;
    out.push({ name, in: 'query', required: (s.required ?? []).includes(name), schema: rest, ...(description ? { description } : {}) });
  }
  return out;
}

function operation(key: string, doc: RouteDoc): Json {
  const [method, path] = key.split(' ') as [string, string];
  const v1 = path.startsWith('/v1/');
  const responses: Json = {};
  for (const [status, description] of Object.entries(doc.ok)) {
    const items = doc.page ? { [doc.page.items]: { type: 'array', items: { type: 'object' } }, ...PAGES[doc.page.kind] } : null;
    responses[status] = { description, ...(items ? { content: { 'application/json': { schema: { type: 'object', properties: items } } } } : {}) };
  }
  const errors = v1 ? [...new Set([400, 401, 403, 404, 405, 500, ...(doc.errors ?? [])])] : (doc.errors ?? []);
  for (const status of errors.sort()) responses[String(status)] = { $ref: `#/components/responses/Problem${status}` };
  const content: Json = {};
  if (doc.body) content['application/json'] = { schema: jsonSchema(doc.body) };
  for (const [type, description] of Object.entries(doc.rawBody ?? {})) content[type] = { schema: { description } };
  const scope = ROUTE_SCOPES[`${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`];
  return {
    operationId: `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: doc.summary,
    ...(v1 ? { security: [{ bearer: [] }], 'x-driftwatch-scope': scope ?? 'read' } : { security: [] }),
    parameters: parameters(path, doc.query),
    ...(Object.keys(content).length > 0 ? { requestBody: { required: !['POST /v1/detect'].includes(key), content } } : {}),
    responses,
  };
}

/** The whole document. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const [key, doc] of Object.entries(ROUTE_DOCS)) {
    const [method, path] = key.split(' ') as [string, string];
    (paths[path] ??= {})[method.toLowerCase()] = operation(key, doc);
  }
  const responses: Json = {};
  for (const [status, description] of Object.entries(ERROR_TEXT)) {
    responses[`Problem${status}`] = { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'driftwatch', version: VERSION, description: 'Drift and model-quality monitoring daemon. Errors are RFC 9457 problem details (application/problem+json).' },
    paths,
    components: { schemas: { Problem: PROBLEM_SCHEMA }, responses, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from http.tokens (or http.auth_token); each route needs the scope in x-driftwatch-scope.' } } },
  };
}

export function addOpenApiRoute(router: Router): void {
  let doc: string | null = null;
  router.add('GET', '/v1/openapi.json', async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: (doc ??= JSON.stringify(openApiDocument(), null, 2) + '\n') }));
}
