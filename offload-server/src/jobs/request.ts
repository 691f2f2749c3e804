// An open message checked against this server: the model exists, it makes the stems asked for,
// `have` names only those stems, and the file is within the upload limit. The result is what
// the job is filed with; a second open of the same id must ask for exactly the same.

import type { OpenMessage } from '@sfa/shared/offload/protocol';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { ModelRegistry } from '../models/registry.ts';
import type { JobRequest } from './job-store.ts';

/** Throws SfaError 'not-found' (no such model), 'bad-request' (stems) or 'too-large'. */
export function jobRequest(registry: ModelRegistry, message: OpenMessage, maxUploadBytes: number): JobRequest {
  const model = registry.get(message.model);
  if (!model) {
    const available = registry
      .list()
      .filter((m) => m.status !== 'failed')
      .map((m) => m.id);
    throw new SfaError('not-found', `no model "${message.model}" on this server; it has ${available.join(', ')}`);
  }
  const stems = message.stems ?? model.defaultStems;
  for (const stem of stems) {
    if (!model.stems.includes(stem)) {
      throw new SfaError('bad-request', `model "${model.id}" has no stem "${stem}"; it has ${model.stems.join(', ')}`);
    }
  }
  for (const stem of Object.keys(message.have ?? {})) {
    if (!stems.includes(stem)) throw new SfaError('bad-request', `"have" names stem "${stem}", which the job lacks`);
  }
  if (message.input.bytes > maxUploadBytes) {
    throw new SfaError(
      'too-large',
      `the file is ${message.input.bytes} bytes; this server accepts up to ${maxUploadBytes}`,
    );
  }
  return {
    model: model.id,
    stems,
    format: message.format,
    shifts: message.shifts,
    seed: message.seed,
    input: message.input,
  };
}
