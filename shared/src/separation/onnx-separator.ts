// A `Separator` for an ONNX model behind its contract: checks the model against its descriptor,
// then, per call, reads the track segment by segment at the model's rate, runs the model,
// blends the segments (and shift passes) back together and streams finished stems out at the
// input's rate and channel count. Memory stays at a few segments whatever the track's length.

import type { InferenceSession } from '../inference/session.ts';
import { RunQueue } from '../inference/run-queue.ts';
import { stagedProgress } from '../protocol/progress.ts';
import { SfaError, throwIfAborted } from '../protocol/errors.ts';
import { createSegmentRunner, type RunOutputs, type SegmentRunner, type Slot } from './contracts/segment-runner.ts';
import { DEFAULT_OVERLAP, validateDescriptor, type ModelDescriptor } from './descriptor.ts';
import { checkModel } from './model-check.ts';
import { ModelRateSource } from './model-source.ts';
import { SegmentPlan, type Pass } from './segments.ts';
import { StemAccumulator } from './stem-accumulator.ts';
import { StemOutput } from './stem-output.ts';
import type { PlanarAudio, SeparateOptions, SeparationResult, SeparationStage, Separator, StemName } from './types.ts';

/** Stems made as mix minus a model stem: MDX's secondary, and 'instrumental' beside 'vocals'. */
function derivedStems(descriptor: ModelDescriptor): Map<StemName, StemName> {
  const derived = new Map<StemName, StemName>();
  const [primary, secondary] = descriptor.stems;
  if (descriptor.contract.kind === 'mdx') derived.set(secondary!, primary!);
  if (descriptor.stems.includes('vocals') && !descriptor.stems.includes('instrumental')) {
    derived.set('instrumental', 'vocals');
  }
  return derived;
}

// More than two channels are refused rather than paired as Quick pairs them: the models are
// trained on stereo music mixes, which a centre/LFE or surround pair is not, and each pair would
// cost a full model pass. The message says what to do instead.
function checkInput(input: PlanarAudio, modelId: string): void {
  const { channels, sampleRate } = input;
  if (channels.length < 1) throw new SfaError('bad-request', 'separation needs at least one channel');
  if (channels.length > 2) {
    throw new SfaError(
      'bad-request',
      `model "${modelId}" separates mono or stereo audio, not ${channels.length} channels: mix it down to stereo, ` +
        'or use Quick, which separates the channels in pairs',
    );
  }
  const length = channels[0]!.length;
  if (length === 0) throw new SfaError('no-audio', 'the audio has no samples to separate');
  if (channels.some((c) => c.length !== length)) throw new SfaError('bad-request', 'the channels differ in length');
  if (!Number.isInteger(sampleRate) || sampleRate < 1) {
    throw new SfaError('bad-request', `the sample rate must be a positive integer, got ${sampleRate}`);
  }
}

/** A run's identity, for checking that a checkpoint is resumed with what made it. */
function runIdentity(
  id: string,
  input: PlanarAudio,
  stems: readonly StemName[],
  shifts: number,
  seed: number,
  overlap: number,
): string {
  const { sampleRate, channels } = input;
  return JSON.stringify([id, sampleRate, channels.length, channels[0]!.length, stems, shifts, seed, overlap]);
}

export interface OnnxSeparator extends Separator {
  readonly descriptor: ModelDescriptor;
  readonly session: InferenceSession;
}

/**
 * Wraps `session` as a Separator for the model `descriptor` describes. Throws
 * `SfaError('model-invalid')` for a malformed descriptor and `SfaError('model-mismatch')` when
 * the model's inputs or outputs differ from it. The caller keeps ownership of the session.
 */
export function createOnnxSeparator(session: InferenceSession, descriptorValue: ModelDescriptor): OnnxSeparator {
  const descriptor = validateDescriptor(descriptorValue);
  checkModel(session, descriptor);
  const derived = derivedStems(descriptor);
  const stems = [...descriptor.stems, ...[...derived.keys()].filter((stem) => !descriptor.stems.includes(stem))];
  // Buffers are made once and reused, so one separation runs at a time.
  const calls = new RunQueue();
  let runner: SegmentRunner | undefined;

  const separateNow = async (input: PlanarAudio, options: SeparateOptions): Promise<SeparationResult> => {
    const { signal, onProgress, onChunk, collect = true, shifts = 0, seed = 0 } = options;
    const overlap = options.overlap ?? descriptor.overlap ?? DEFAULT_OVERLAP;
    checkInput(input, descriptor.id);
    const requested = [...new Set(options.stems ?? descriptor.stems)];
    if (requested.length === 0) throw new SfaError('bad-request', 'no stems were requested');
    for (const stem of requested) {
      if (!stems.includes(stem)) {
        throw new SfaError('bad-request', `model "${descriptor.id}" has no stem "${stem}"; it has ${stems.join(', ')}`);
      }
    }
    if (!Number.isInteger(shifts) || shifts < 0 || shifts > 20) {
      throw new SfaError('bad-request', `shifts must be an integer from 0 to 20, got ${shifts}`);
    }
    if (!(overlap >= 0 && overlap <= 0.9))
      throw new SfaError('bad-request', `overlap must be from 0 to 0.9, got ${overlap}`);
    throwIfAborted(signal);

    const wantedNames = new Set(requested.map((stem) => derived.get(stem) ?? stem));
    const wanted = descriptor.stems.map((stem) => wantedNames.has(stem));
    const source = new ModelRateSource(input, descriptor.sampleRate);
    const maxShift = Math.floor(0.5 * descriptor.sampleRate);
    const plan = new SegmentPlan({
      length: source.length,
      segmentLength: descriptor.segmentLength,
      overlap,
      shifts,
      maxShift,
      seed,
    });
    const run = runIdentity(descriptor.id, input, requested, shifts, seed, overlap);
    const resume = options.resume;
    if (resume && resume.run !== run) {
      throw new SfaError(
        'checkpoint-mismatch',
        'the checkpoint belongs to another separation (other audio, model or options)',
      );
    }
    // Resuming, the blend buffer starts where the delivered audio ends; segments that reach past
    // that point are run again (only their part beyond it is added), later ones as usual.
    const resumeFrame = resume?.modelFrames ?? 0;
    const accumulator = new StemAccumulator(wanted, plan.segmentLength + maxShift, source.length, resumeFrame);
    const output = new StemOutput({
      input,
      modelRate: descriptor.sampleRate,
      modelLength: source.length,
      modelStems: descriptor.stems,
      wanted,
      requested,
      derived,
      collect,
      onChunk,
      run,
      resume,
    });

    const total = plan.totalSegments;
    const rounds = Math.max(...plan.passes.map((pass) => pass.segments));
    const reachesPast = (index: number, frame: number) =>
      plan.passes.some(
        (pass) => index < pass.segments && index * plan.stride - pass.delay + plan.chunkLength(pass, index) > frame,
      );
    let firstRound = 0;
    while (resume && firstRound < rounds && firstRound < resume.rounds && !reachesPast(firstRound, resumeFrame)) {
      firstRound++;
    }
    const segmentsBefore = (round: number) =>
      plan.passes.reduce((sum, pass) => sum + Math.min(round, pass.segments), 0);
    let done = segmentsBefore(resume?.rounds ?? 0);
    const doneAtStart = segmentsBefore(firstRound);
    let etaSec: number | undefined;
    const progress = stagedProgress<SeparationStage>({ prepare: 0.01, separate: 0.98, finish: 0.01 }, (p) =>
      onProgress?.({ ...p, segment: done, segments: total, ...(etaSec === undefined ? {} : { etaSec }) }),
    );
    progress.report('prepare', 0);
    runner ??= createSegmentRunner(session, descriptor);
    const gains = new Float32Array(plan.segmentLength);
    const started = performance.now();
    let computed = 0;
    // Every segment to run, in order; the last of each round releases that round's audio.
    const work: { pass: Pass; index: number; endsRound: boolean }[] = [];
    for (let index = firstRound; index < rounds; index++) {
      const passes = plan.passes.filter((pass) => index < pass.segments);
      passes.forEach((pass, p) => work.push({ pass, index, endsRound: p === passes.length - 1 }));
    }
    const load = (step: number): Slot => {
      const slot: Slot = step % 2 === 0 ? 0 : 1;
      const { pass, index } = work[step]!;
      const [left, right] = runner!.slots[slot];
      source.read(plan.inputStart(pass, index), left, right);
      runner!.prepare(slot);
      return slot;
    };
    // The model never waits on the DSP: the next segment is read and transformed while the model
    // runs on this one, and this one's inverse DSP runs while the model is on the next. (A
    // runtime that computes on the calling thread, as onnxruntime-web's WASM does, simply runs
    // them one after the other.)
    let running: Promise<RunOutputs> | undefined;
    const start = (slot: Slot) => {
      running = runner!.execute(slot);
      // Observed now: it may fail while a chunk is being stored, before it is awaited.
      running.catch(() => undefined);
    };
    if (work.length > 0) start(load(0));
    try {
      for (let step = 0; step < work.length; step++) {
        throwIfAborted(signal);
        if (step + 1 < work.length) load(step + 1);
        const outputs = await running!;
        running = undefined;
        throwIfAborted(signal);
        if (step + 1 < work.length) start(step % 2 === 0 ? 1 : 0);
        const { pass, index, endsRound } = work[step]!;
        const segmentStems = runner.finish(outputs, wanted);
        const chunk = plan.chunkLength(pass, index);
        plan.chunkGains(pass, index, gains);
        const padding = Math.floor((plan.segmentLength - chunk) / 2);
        accumulator.add(segmentStems, padding, chunk, index * plan.stride - pass.delay, gains);
        computed++;
        done = Math.max(done, doneAtStart + computed);
        etaSec = ((performance.now() - started) / 1000 / computed) * (total - doneAtStart - computed);
        progress.report('separate', done / total);
        if (!endsRound) continue;
        const final = Math.min(plan.finalBefore(index), source.length);
        if (final > accumulator.start) {
          await output.push(accumulator.take(final), { rounds: index + 1, modelFrames: final });
        }
      }
    } finally {
      // A run still going (cancelled, or a chunk could not be stored) ends before the runner is reused.
      await running?.catch(() => undefined);
    }
    await output.finish({ rounds, modelFrames: source.length });
    throwIfAborted(signal);
    etaSec = 0;
    progress.done('finish');
    return { sampleRate: input.sampleRate, stems: collect ? output.stems : ({} as Record<StemName, Float32Array[]>) };
  };

  return {
    id: descriptor.id,
    stems,
    defaultStems: descriptor.stems,
    descriptor,
    session,
    separate(input, options = {}) {
      return calls.run(() => separateNow(input, options));
    },
  };
}
