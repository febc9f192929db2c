// Detector settings in driftwatch.yaml (section `detectors`).
import { z } from 'zod';

export const detectorsSchema = z
  .strictObject({
    min_samples: z.number().int().min(1).default(500).describe('Below this many values on either side a metric reports insufficient_data.'),
  })
  .prefault({});

export type DetectorsConfig = z.output<typeof detectorsSchema>;
