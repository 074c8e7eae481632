/**
 * How a node came to our attention, which decides how it may enter the routing table
 * (docs/protocol.md "Table admission"): `found` = we contacted it first (a bootstrap node, a node
 * named in a neighbours answer, a node our lookup asked); `inbound` = it contacted us unsolicited
 * and we bonded back. Anyone can send pings and anyone we ask can name nodes, so inbound entries
 * and the entries one answering node named each get a bounded share of the table.
 */
export type EntryOrigin = 'found' | 'inbound';

export interface Introduction {
  readonly origin: EntryOrigin;
  /** For a node named in a neighbours answer: the id (hex) of the node whose answer named it. */
  readonly source?: string;
}

/** A node we chose to contact ourselves, not named by anyone (a bootstrap node, a table entry). */
export const FOUND: Introduction = { origin: 'found' };
/** A node that pinged or asked us first. */
export const INBOUND: Introduction = { origin: 'inbound' };

/** A node named in the neighbours answer of the node with id `sourceId`. */
export function namedBy(sourceId: Buffer): Introduction {
  return { origin: 'found', source: sourceId.toString('hex') };
}
