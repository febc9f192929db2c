// POST /v1/detect   {"detector"?: name, "window_end"?: ISO}          run now
// POST /v1/backfill {"from": ISO, "to": ISO, "every"?: "1h", "detector"?}
import { z } from 'zod';
import { HttpError, type Router } from '../core/http/router.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { parseDuration } from '../core/util/duration.ts';

const iso = z.iso.datetime({ offset: true });
export const detectBody = z.strictObject({ detector: z.string().optional(), window_end: iso.optional() });
export const backfillBody = z.strictObject({
  from: iso,
  to: iso,
  every: z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration like 1h').optional(),
  detector: z.string().optional(),
});

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw HttpError.invalid('body', r.error.issues);
  return r.data;
}

function unknownDetector(e: unknown): never {
  if (e instanceof RangeError) throw HttpError.problems([{ detail: e.message, pointer: '#/detector' }]);
  throw e;
}

export function addDetectRoutes(router: Router, scheduler: () => Scheduler): void {
  router.add('POST', '/v1/detect', async (req) => {
    // No body (or an empty one) runs every detector; a body that is not JSON
    // is a 400 like anywhere else, never "run everything".
    const b = parse(detectBody, await req.json(undefined, { emptyAs: {} }));
    const runs = await scheduler()
      .runOnce({ detector: b.detector, windowEnd: b.window_end ? new Date(b.window_end) : undefined })
      .catch(unknownDetector);
    return { status: 200, body: { runs } };
  });
  router.add('POST', '/v1/backfill', async (req) => {
    const b = parse(backfillBody, await req.json());
    if (new Date(b.to) <= new Date(b.from)) throw HttpError.problems([{ detail: 'must be after from', pointer: '#/to' }]);
    const runs = await scheduler()
      .backfill({ from: new Date(b.from), to: new Date(b.to), everyMs: b.every ? parseDuration(b.every) : undefined, detector: b.detector })
      .catch(unknownDetector);
    return { status: 200, body: { runs } };
  });
}
