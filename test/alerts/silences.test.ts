import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../alerts/clock.ts';
import { MemorySilenceStore, silenceJson, Silences, silenceState } from '../../alerts/silences.ts';

function make() {
  const clock = new ManualClock();
  return { clock, silences: new Silences(new MemorySilenceStore(), clock) };
}

describe('silences', () => {
  it('create with a duration or an end; pending, active, expired by the clock', async () => {
    const { clock, silences } = make();
    const start = new Date(clock.now() + 60_000).toISOString();
    const s = await silences.create({ matchers: ['model="fraud"', { name: 'feature', value: 'a.*', isRegex: true }], starts_at: start, duration: '1h', created_by: 'alice', comment: 'deploy' });
    expect(silenceState(s, clock.now())).toBe('pending');
    expect(silences.mutedBy({ model: 'fraud', feature: 'amount' })).toEqual([]);
    clock.advance(60_000);
    expect(silences.mutedBy({ model: 'fraud', feature: 'amount' })).toEqual([s.id]);
    expect(silences.mutedBy({ model: 'fraud', feature: 'zip' })).toEqual([]);
    clock.advance(3_600_000);
    expect(silences.mutedBy({ model: 'fraud', feature: 'amount' })).toEqual([]);
    expect(silences.list('expired').map((x) => x.id)).toEqual([s.id]);
    expect(silenceJson(s, clock.now())).toMatchObject({ status: { state: 'expired' }, matchers: [{ name: 'model', value: 'fraud', isRegex: false, isEqual: true, text: 'model="fraud"' }, { name: 'feature', isRegex: true, text: 'feature=~"a.*"' }] });
  });

  it('expire ends a silence now and is idempotent', async () => {
    const { clock, silences } = make();
    const s = await silences.create({ matchers: ['model="fraud"'], ends_at: new Date(clock.now() + 3_600_000).toISOString(), created_by: 'a', comment: 'c' });
    clock.advance(1000);
    const e = await silences.expire(s.id);
    expect(e.endsAt).toBe(clock.now());
    expect(silences.mutedBy({ model: 'fraud' })).toEqual([]);
    expect((await silences.expire(s.id)).endsAt).toBe(e.endsAt);
    await expect(silences.expire('nope')).rejects.toMatchObject({ code: 'DW_ALERT_SILENCE_NOT_FOUND' });
  });

  it('rejects silences without author or comment, with bad matchers, that mute everything, or in the past', async () => {
    const { clock, silences } = make();
    await expect(silences.create({ matchers: ['model="x"'], duration: '1h' })).rejects.toMatchObject({
      code: 'DW_ALERT_SILENCE_INVALID',
      details: { problems: expect.arrayContaining(['created_by: Invalid input: expected string, received undefined', 'comment: Invalid input: expected string, received undefined']) },
    });
    await expect(silences.create({ matchers: ['model=~".*"'], duration: '1h', created_by: 'a', comment: 'c' })).rejects.toMatchObject({
      details: { problems: ['matchers: at least one matcher must not match the empty string (this silence would mute everything)'] },
    });
    await expect(silences.create({ matchers: ['model=~"("'], duration: '1h', created_by: 'a', comment: 'c' })).rejects.toThrow(/invalid regular expression/);
    await expect(silences.create({ matchers: [], duration: '1h', created_by: 'a', comment: 'c' })).rejects.toThrow(/at least one matcher/);
    await expect(silences.create({ matchers: ['model="x"'], ends_at: new Date(clock.now() - 1000).toISOString(), starts_at: new Date(clock.now() - 5000).toISOString(), created_by: 'a', comment: 'c' })).rejects.toThrow(/in the past/);
    await expect(silences.create({ matchers: ['model="x"'], created_by: 'a', comment: 'c' })).rejects.toThrow(/give ends_at or duration/);
  });
});
