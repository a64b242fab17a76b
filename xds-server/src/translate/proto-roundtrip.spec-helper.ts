import { messageType } from '../resources/protos';
import { encodeMessage } from '../resources/resource-encoder';

/**
 * Encodes a translator's output strictly (an unknown field throws) and decodes it back with
 * nested Anys expanded, so a spec can compare the result with what went in: anything the
 * proto does not carry, such as an Any whose type is not loaded, would come back missing.
 */
export function protoRoundTrip(typeUrlOrName: string, message: object): unknown {
  const type = messageType(typeUrlOrName);
  return type.toObject(type.decode(encodeMessage(typeUrlOrName, message)), { json: true, enums: String, longs: String, defaults: false });
}
