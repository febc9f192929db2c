#!/usr/bin/env node
// Entry point for `npx driftwatch`. driftwatch ships TypeScript sources and
// loads them through tsx, so there is no build step between `npm ci` and use.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
