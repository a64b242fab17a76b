import type { NodeView } from '../resources/node-view';
import { ResourceIndex } from '../resources/resource-index';
import { TypeUrl } from '../resources/type-url';

const views = new WeakMap<NodeView, NodeView>();

/** `view` with no SDS secrets: what a stream not allowed to hold keys is sent. One wrapper per view. */
export function withoutSecrets(view: NodeView): NodeView {
  let wrapped = views.get(view);
  if (!wrapped) {
    wrapped = {
      resources: (typeUrl) => (typeUrl === TypeUrl.Secret ? ResourceIndex.EMPTY : view.resources(typeUrl)),
      resource: (typeUrl, name) => (typeUrl === TypeUrl.Secret ? undefined : view.resource(typeUrl, name)),
    };
    views.set(view, wrapped);
  }
  return wrapped;
}
