import type { DataSource } from 'typeorm';
import { nameKeyOf } from '../../src/password-sync-groups/password-sync-groups.repository';

interface GroupRow {
  id: string;
  tenant_id: string;
  name: string;
  name_key: string;
  created: string;
  modified: string;
  version: number;
}
interface SourceRow {
  tenant_id: string;
  source_id: string;
  group_id: string;
  position: number;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Every way the stored data could be inconsistent, as a list of human-readable violations
 * (empty when all is well). Read straight from the tables, not through the API.
 *  - a source belongs to at most one group per tenant, and only to a group of its own tenant;
 *  - every group has 1–250 sources at positions 0..n-1 (no half-written group, no orphan rows);
 *  - names are unique per tenant ignoring case, and name_key is the name's case-insensitive key;
 *  - created and modified are ISO-8601 UTC with milliseconds, and modified ≥ created;
 *  - version ≥ 1.
 */
export async function invariantViolations(dataSource: DataSource): Promise<string[]> {
  const groups: GroupRow[] = await dataSource.query(
    'SELECT id, tenant_id, name, name_key, created, modified, version FROM password_sync_group ORDER BY id',
  );
  const sources: SourceRow[] = await dataSource.query(
    'SELECT tenant_id, source_id, group_id, position FROM password_sync_group_source ORDER BY tenant_id, source_id',
  );
  const problems: string[] = [];
  const byId = new Map(groups.map((g) => [g.id, g]));

  const owners = new Map<string, string>();
  const positions = new Map<string, number[]>();
  for (const s of sources) {
    const key = `${s.tenant_id}\u0000${s.source_id}`;
    if (owners.has(key)) problems.push(`source ${s.source_id} of tenant ${s.tenant_id} is in two groups`);
    owners.set(key, s.group_id);
    const group = byId.get(s.group_id);
    if (!group) problems.push(`source ${s.source_id} belongs to a group that does not exist (${s.group_id})`);
    else if (group.tenant_id !== s.tenant_id)
      problems.push(
        `source ${s.source_id} of tenant ${s.tenant_id} is in group ${s.group_id} of tenant ${group.tenant_id}`,
      );
    positions.set(s.group_id, [...(positions.get(s.group_id) ?? []), Number(s.position)]);
  }

  const names = new Map<string, GroupRow>();
  for (const g of groups) {
    const at = (positions.get(g.id) ?? []).sort((a, b) => a - b);
    if (at.length < 1 || at.length > 250) problems.push(`group ${g.id} has ${at.length} sources`);
    if (at.some((p, i) => p !== i)) problems.push(`group ${g.id} has source positions ${JSON.stringify(at)}`);
    if (g.name_key !== nameKeyOf(g.name))
      problems.push(
        `group ${g.id}: name_key ${JSON.stringify(g.name_key)} is not the key of ${JSON.stringify(g.name)}`,
      );
    const nameKey = `${g.tenant_id}\u0000${nameKeyOf(g.name)}`;
    const twin = names.get(nameKey);
    if (twin) {
      const pair = [twin.name, g.name].sort().map((n) => JSON.stringify(n));
      problems.push(`tenant ${g.tenant_id} has two groups whose names are equal ignoring case: ${pair.join(' and ')}`);
    }
    names.set(nameKey, g);
    if (!ISO_UTC.test(g.created) || !ISO_UTC.test(g.modified))
      problems.push(`group ${g.id} has timestamps ${g.created} / ${g.modified}`);
    if (g.modified < g.created)
      problems.push(`group ${g.id} was modified (${g.modified}) before it was created (${g.created})`);
    if (!(Number(g.version) >= 1)) problems.push(`group ${g.id} has version ${g.version}`);
  }
  return problems;
}
