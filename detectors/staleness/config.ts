// The `kind: staleness` job in driftwatch.yaml.
import { z } from 'zod';
import { jobFields } from '../../src/core/detector.ts';
import { durationSchema, durationString } from '../../src/core/util/duration.ts';

export const trainedUntilSchema = z.strictObject({
  model: z.string().min(1).describe('Model name.'),
  version: z.string().min(1).describe('Model version.'),
  at: z.iso.datetime({ offset: true }).describe('The newest data the version was trained on (training cut-off).'),
});

export const stalenessJobSchema = z.strictObject({
  kind: z.literal('staleness').describe('staleness: how long each live version has served (version_age_days) and how old its training data is (days_since_training).'),
  ...jobFields,
  models: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional().describe('Model name globs (default: every model).'),
  max_age: durationSchema('30d').describe('version_age_days above this (since the version\'s first prediction) alerts.'),
  max_training_age: durationString().optional().describe('days_since_training above this alerts (default: never).'),
  trained_until: z.array(trainedUntilSchema).default([]).describe('Training cut-off per model version (days_since_training needs one).'),
});

export type StalenessJob = z.output<typeof stalenessJobSchema>;
