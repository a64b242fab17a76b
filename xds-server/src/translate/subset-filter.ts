/**
 * The part of Consul's filter language (go-bexpr) a service-resolver subset is written in
 * that maps onto a tag-and-meta selector: clauses joined by `and`, each one of
 *   Service.Meta.<key> == <value>      "<tag>" in Service.Tags      Service.Tags contains "<tag>"
 * with values quoted or bare. Anything else (or, not, !=, matches, Node.*, Service.ID …) is
 * refused with the clause named, and the subset is left out rather than guessed.
 */

export interface SubsetSelector {
  tags: string[];
  meta: Record<string, string>;
}

const VALUE = String.raw`(?:"((?:[^"\\]|\\.)*)"|([\w.\-/:]+))`;
const META = new RegExp(String.raw`^Service\.Meta\.([\w\-]+)\s*==\s*${VALUE}$`);
const META_QUOTED_KEY = new RegExp(String.raw`^Service\.Meta\["([^"]+)"\]\s*==\s*${VALUE}$`);
const TAG_IN = new RegExp(String.raw`^${VALUE}\s+in\s+Service\.Tags$`);
const TAG_CONTAINS = new RegExp(String.raw`^Service\.Tags\s+contains\s+${VALUE}$`);

function unquote(quoted: string | undefined, bare: string | undefined): string {
  return quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
}

export function parseSubsetFilter(filter: string): SubsetSelector | { error: string } {
  const selector: SubsetSelector = { tags: [], meta: {} };
  if (filter.trim() === '') return selector;
  for (const raw of filter.split(/\s+and\s+/)) {
    const clause = raw.trim().replace(/^\((.*)\)$/, '$1').trim();
    const meta = META.exec(clause) ?? META_QUOTED_KEY.exec(clause);
    if (meta) {
      selector.meta[meta[1]!] = unquote(meta[2], meta[3]);
      continue;
    }
    const tag = TAG_IN.exec(clause) ?? TAG_CONTAINS.exec(clause);
    if (tag) {
      selector.tags.push(unquote(tag[1], tag[2]));
      continue;
    }
    return { error: `the clause ${JSON.stringify(clause)} is not served: write subsets as Service.Meta.<key> == "<value>" and "<tag>" in Service.Tags, joined by and` };
  }
  selector.tags.sort();
  return selector;
}
