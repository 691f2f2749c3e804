// comlink carries only an error's name, message and stack; this keeps our error code too, so
// the page can tell "not audio" from "storage full" from a cancellation. Both sides install it.
import * as Comlink from 'comlink';
import { fromErrorPayload, toErrorPayload, type ErrorPayload } from '@sfa/shared/protocol/errors';

type Serialized = { isError: true; value: ErrorPayload } | { isError: false; value: unknown };

const builtIn = Comlink.transferHandlers.get('throw')!;

Comlink.transferHandlers.set('throw', {
  canHandle: builtIn.canHandle,
  serialize(thrown: unknown): [Serialized, Transferable[]] {
    const { value } = thrown as { value: unknown };
    if (value instanceof Error) return [{ isError: true, value: toErrorPayload(value) }, []];
    return [{ isError: false, value }, []];
  },
  deserialize(serialized: unknown): never {
    const message = serialized as Serialized;
    if (message.isError) throw fromErrorPayload(message.value);
    throw message.value;
  },
} satisfies Comlink.TransferHandler<unknown, Serialized>);
